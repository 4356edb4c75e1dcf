"""`pytracking-cmd visualize`: tracking you can watch. One benchmark sequence as an MP4 and a GIF with
the ground truth and the boxes of any number of pytracking result folders drawn on the frames, one
colour and legend line per tracker, the frame number and each tracker's IoU with the ground truth
in the top-left corner.

Frames are read through the benchmark table (evaluation/tir_benchmarks.py) and the plugin's image
reading (ltr_cmd/data/image_io.py: 16-bit thermal frames are scaled, never truncated, as the trackers
see them); result files through evaluation/results.py; the IoU is the toolkits'
(evaluation/metrics.py, rect_overlap). The MP4 is written by OpenCV (codec mp4v), the GIF by Pillow,
every `--gif-step`-th frame at most `--gif-width` pixels wide; a GIF over `--gif-max-mb` is written
again with twice the step until it fits.
"""
import argparse
import os
import re
import sys
from typing import List, Optional, Sequence, Tuple

import cv2
import numpy as np

from ltr_cmd.data import image_io
from ltr_cmd.errors import UserError
from pytracking_cmd.evaluation import metrics, report, results, tir_benchmarks

#: box colours (RGB): the ground truth, then one per tracker in --tracker order (cycled)
GROUND_TRUTH_COLOUR = (0, 230, 0)
TRACKER_COLOURS = ((255, 40, 40), (40, 140, 255), (255, 220, 0), (255, 0, 255), (0, 230, 230), (255, 140, 0),
                   (160, 90, 255), (255, 255, 255))


class VisualizeError(UserError, ValueError):
    """A bad `visualize` argument or result file (the message names it and says what to do)."""


def tracker_colour(index: int) -> Tuple[int, int, int]:
    """RGB colour of the index-th tracker."""
    return TRACKER_COLOURS[index % len(TRACKER_COLOURS)]


def load_sequence(dataset: str, sequence: str, root: Optional[str] = None):
    """The BenchmarkSequence `sequence` of `dataset` (tir_benchmarks.load_benchmark).

    raises:
        VisualizeError for an unknown sequence (listing the known ones), tir_benchmarks' errors otherwise
    """
    sequences = {s.name: s for s in tir_benchmarks.load_benchmark(dataset, root=root)}
    if sequence not in sequences:
        raise VisualizeError('{} has no sequence {!r}; its sequences: {}'.format(
            dataset, sequence, ', '.join(sorted(sequences)) or 'none'))
    return sequences[sequence]


def tracker_boxes(spec: report.TrackerSpec, sequence, results_path: str, dataset: str) -> np.ndarray:
    """The `[N, 4]` boxes of one tracker run on `sequence` (evaluation/results.py).

    raises:
        results.ResultsMissingError naming the missing file and the run_tracker.py command that writes it;
        VisualizeError for several run ids; results.ResultsError for a file without one box per frame
    """
    if len(spec.run_ids) != 1:
        raise VisualizeError('--tracker {} {}: a video shows one run; give one run id (NAME PARAM:RUNID)'
                             .format(spec.name, spec.param))
    run_id = spec.run_ids[0]
    directory = results.results_dir(results_path, spec.name, spec.param, run_id)
    command = results.run_tracker_command(spec.name, spec.param, dataset, run_id, sequence.name)
    predictions = results.read_results(directory, [sequence.name], 'run in pytracking/: ' + command)
    results.check_lengths(predictions, [sequence], directory, spec.name, spec.param, dataset, run_id)
    return predictions[sequence.name]


def _corners(box) -> Optional[Tuple[Tuple[int, int], Tuple[int, int]]]:
    """Pixel corners of a 1-based `x y w h` box (covering x .. x+w-1), or None for a box not to draw."""
    if not np.all(np.isfinite(box)) or box[2] <= 0 or box[3] <= 0:
        return None
    x, y, w, h = (float(v) for v in box)
    return (int(round(x - 1)), int(round(y - 1))), (int(round(x + w - 2)), int(round(y + h - 2)))


def line_width(image_shape) -> int:
    """Box line width in pixels for a frame of this shape."""
    return max(2, int(round(min(image_shape[:2]) / 120)))


def render_frame(image: np.ndarray, index: int, count: int, ground_truth,
                 tracks: Sequence[Tuple[str, tuple, np.ndarray, np.ndarray]]) -> np.ndarray:
    """Draw one frame.

    args:
        image - `HxWx3` uint8 RGB frame (not modified)
        index, count - 0-based frame index and the number of frames (shown as `frame index+1/count`)
        ground_truth - `[N, 4]` ground-truth boxes (row `index` is drawn)
        tracks - (label, RGB colour, `[N, 4]` boxes, `[N]` IoU with the ground truth, NaN: shown as '-') per tracker
    returns:
        the drawn `HxWx3` uint8 RGB frame
    """
    out = np.ascontiguousarray(image.copy())
    thickness = line_width(out.shape)
    for _, colour, boxes, _ in [('', GROUND_TRUTH_COLOUR, ground_truth, None)] + list(tracks):
        corners = _corners(boxes[index])
        if corners is not None:
            cv2.rectangle(out, corners[0], corners[1], colour, thickness)
    lines = [('frame {}/{}'.format(index + 1, count), (255, 255, 255)), ('ground truth', GROUND_TRUTH_COLOUR)]
    for label, colour, _, iou in tracks:
        lines.append(('{}  IoU {}'.format(label, '-' if np.isnan(iou[index]) else '{:.2f}'.format(iou[index])), colour))
    scale = max(0.3, out.shape[0] / 640)
    step = int(round(22 * scale)) + 2
    sizes = [cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)[0] for text, _ in lines]
    width = min(out.shape[1], max(w for w, _ in sizes) + 8)
    height = min(out.shape[0], step * len(lines) + 4)
    out[:height, :width] = (out[:height, :width] * 0.4).astype(np.uint8)  # dark panel under the text
    for i, (text, colour) in enumerate(lines):
        cv2.putText(out, text, (4, step * (i + 1) - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, colour, 1, cv2.LINE_AA)
    return out


def write_mp4(path: str, frames, fps: float) -> int:
    """Write RGB frames of one size as an MP4 (OpenCV, mp4v); returns the number written.

    Odd sizes are padded by one black pixel (the codec needs even sizes and would crop instead).
    """
    writer, count = None, 0
    try:
        for frame in frames:
            if writer is None:
                height, width = frame.shape[0] + frame.shape[0] % 2, frame.shape[1] + frame.shape[1] % 2
                writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'), fps, (width, height))
                if not writer.isOpened():
                    raise VisualizeError('OpenCV cannot write {} with the mp4v codec; check that the folder is '
                                         'writable (or pass --no-mp4)'.format(path))
            padded = cv2.copyMakeBorder(frame, 0, height - frame.shape[0], 0, width - frame.shape[1],
                                        cv2.BORDER_CONSTANT, value=0)
            writer.write(cv2.cvtColor(padded, cv2.COLOR_RGB2BGR))
            count += 1
    finally:
        if writer is not None:
            writer.release()
    return count


def write_gif(path: str, frames: Sequence[np.ndarray], fps: float, max_mb: float) -> Tuple[int, int]:
    """Write RGB frames as a looping GIF (Pillow) at `fps`; while the file is over `max_mb` megabytes it is
    written again with every second frame (at half the rate, so it plays at the same speed).

    returns:
        (frames in the GIF, the step used over `frames`)
    """
    from PIL import Image
    step = 1
    while True:
        images = [Image.fromarray(f) for f in frames[::step]]
        images[0].save(path, save_all=True, append_images=images[1:], duration=int(round(1000 * step / fps)), loop=0)
        if os.path.getsize(path) <= max_mb * 1e6 or len(images) <= 1:
            return len(images), step
        step *= 2


def write_videos(dataset: str, sequence_name: str, specs: Sequence[report.TrackerSpec], results_path: str,
                 out_dir: str, root: Optional[str] = None, fps: float = 10.0, gif: bool = True, mp4: bool = True,
                 gif_step: int = 1, gif_width: int = 320, gif_max_mb: float = 5.0, progress: bool = True) -> List[str]:
    """Write `<out_dir>/<dataset>_<sequence>.mp4` and `.gif` with the ground truth and the trackers' boxes.

    args:
        dataset, sequence_name, root - the benchmark (a key of tir_benchmarks.BENCHMARKS), the sequence, its root
            (None: pytracking's local.py)
        specs - the trackers (report.TrackerSpec with one run id each); their labels are the legend
        results_path - pytracking's results folder
        out_dir - output folder (created)
        fps - frame rate of the MP4 (the GIF plays at the same speed)
        gif, mp4 - which files to write
        gif_step, gif_width, gif_max_mb - GIF frame step, largest width and size limit (see write_gif)
        progress - tqdm bar on stderr
    returns:
        the paths written
    """
    if not gif and not mp4:
        raise VisualizeError('nothing to write: both the MP4 and the GIF are switched off')
    if gif_step < 1 or gif_width < 16 or fps <= 0:
        raise VisualizeError('--gif-step must be >= 1, --gif-width >= 16 and --fps > 0')
    labels = [s.label for s in specs]
    if len(set(labels)) != len(labels):
        raise VisualizeError('two --tracker entries have the same label; give one a DISPLAY_NAME')
    sequence = load_sequence(dataset, sequence_name, root)
    gt = np.asarray(sequence.ground_truth, dtype=np.float64)
    tracks = []
    for i, spec in enumerate(specs):
        boxes = tracker_boxes(spec, sequence, results_path, dataset)
        iou = metrics.rect_overlap(boxes, gt)
        iou[~metrics.valid_frames(gt)] = np.nan  # no IoU without a valid ground-truth box
        tracks.append((spec.label, tracker_colour(i), boxes, iou))

    from tqdm import tqdm
    os.makedirs(out_dir, exist_ok=True)
    stem = os.path.join(out_dir, re.sub(r'[^A-Za-z0-9._-]+', '-', '{}_{}'.format(dataset, sequence.name)))
    count = len(sequence.frames)
    gif_frames = []  # every gif_step-th frame at the GIF's size; the MP4 is written frame by frame

    def frames():
        for i, path in enumerate(tqdm(sequence.frames, desc='drawing ' + sequence.name, unit='frame',
                                      file=sys.stderr, disable=None if progress else True)):
            frame = render_frame(image_io.read_tracking_frame(path), i, count, gt, tracks)
            if gif and i % gif_step == 0:
                scale = min(1.0, gif_width / frame.shape[1])
                gif_frames.append(frame if scale == 1.0 else
                                  cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA))
            yield frame

    written = []
    if mp4:
        write_mp4(stem + '.mp4', frames(), fps)
        written.append(stem + '.mp4')
    else:
        for _ in frames():
            pass
    if gif:
        write_gif(stem + '.gif', gif_frames, fps / gif_step, gif_max_mb)
        written.append(stem + '.gif')
    return written


def configure_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Arguments of `pytracking-cmd visualize`."""
    parser.add_argument('--dataset', required=True, help='benchmark: ' + ', '.join(tir_benchmarks.BENCHMARKS))
    parser.add_argument('--sequence', required=True, help='the sequence to draw')
    parser.add_argument('--root', default=None, help="benchmark root folder (default: pytracking's local.py)")
    parser.add_argument('--results-path', default=None,
                        help="tracking results root (default: pytracking's env_settings().results_path)")
    parser.add_argument('--tracker', nargs='+', action='append', default=[], metavar='ARG',
                        help='NAME PARAM[:RUNID] [DISPLAY_NAME], as for evaluate (one run); repeat for several '
                             'trackers; none: the ground truth only')
    parser.add_argument('--out', default='.', help='output folder (default: the current folder); files are named '
                                                   '<dataset>_<sequence>.mp4 / .gif')
    parser.add_argument('--fps', type=float, default=10.0, help='frame rate (default 10)')
    parser.add_argument('--no-mp4', action='store_true', help='do not write the MP4')
    parser.add_argument('--no-gif', action='store_true', help='do not write the GIF')
    parser.add_argument('--gif-step', type=int, default=1, help='GIF: every N-th frame (default 1)')
    parser.add_argument('--gif-width', type=int, default=320, help='GIF: largest width in pixels (default 320)')
    parser.add_argument('--gif-max-mb', type=float, default=5.0,
                        help='GIF: size limit; a larger GIF is written again with twice the step (default 5)')
    return parser


def main(args) -> int:
    """`pytracking-cmd visualize`: write the files and print their paths.

    returns:
        0; bad input raises a ltr_cmd.errors.UserError, which pytracking_cmd.cli.main reports (exit 2)
    """
    specs = [report.parse_tracker_spec(values) for values in args.tracker]
    results_path = args.results_path
    if results_path is None and specs:
        results_path, why = report.default_results_path()
        if results_path is None:
            raise VisualizeError('{}; pass --results-path'.format(why))
    for path in write_videos(args.dataset, args.sequence, specs, results_path, args.out, root=args.root, fps=args.fps,
                             gif=not args.no_gif, mp4=not args.no_mp4, gif_step=args.gif_step,
                             gif_width=args.gif_width, gif_max_mb=args.gif_max_mb):
        print(path)
    return 0
