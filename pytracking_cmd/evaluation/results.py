"""pytracking's result files, the one module that knows them: where run_tracker.py writes them, how to
read them, and the rule that a result file holds one box per frame of its sequence.

Layout (pytracking/evaluation/running.py): `<results_path>/<tracker>/<param>[_<run_id:03d>]/<sequence>.txt`,
one `x y w h` box per line (tab-separated integers; read by the shared box reader,
ltr_cmd.data.dataset_files.read_boxes), and optionally `<sequence>_time.txt` (seconds per frame).
`evaluate`, `visualize` and `reproduce` read them through here.

"Absent": a tracker that reports absence (`params.report_absence`) outputs the box 0,0,0,0, so the
line is `0 0 0 0` (pytracking's analysis keeps the previous box there; the Anti-UAV challenge's
evaluation reads x == 0 and w == 0 as absent). read_results returns the boxes as written, with
the frames the tracker said absent in `.absent` (ResultBoxes), which only the Anti-UAV definition of
pytracking_cmd.evaluation.metrics reads. The Anti-UAV410 toolkit reads absence from JSON result
files `{"res": [[x, y, w, h] or [] per frame]}` (and `[0, 0, 0, 0]` there is a box, not absence):
read_results reads those too (an absent row as 0,0,0,0), and write_anti_uav_results writes them.
"""
import json
import os
import sys
from pathlib import Path
from typing import Dict, Optional, Sequence

import numpy as np

from ltr_cmd.data.dataset_files import format_list, read_boxes
from ltr_cmd.errors import UserError


class ResultBoxes(np.ndarray):
    """`[N, 4]` float64 boxes of a result file; `absent` ([N] bool): the frames the tracker said "absent".
    Copies and slices are plain boxes (`absent` None)."""
    absent = None

    def __new__(cls, boxes, absent):
        obj = np.asarray(boxes, dtype=np.float64).view(cls)
        obj.absent = np.asarray(absent, dtype=bool)
        return obj


class ResultsError(UserError, ValueError):
    """A result file cannot be used as it is (the message names it and says what to do)."""


class ResultsMissingError(ResultsError, FileNotFoundError):
    """Result files of a tracker run are missing (the message lists them and how to produce them)."""


def results_dir(results_path: str, tracker: str, param: str, run_id: Optional[int] = None) -> str:
    """pytracking's layout: `<results_path>/<tracker>/<param>` or `.../<param>_<run_id:03d>`."""
    leaf = param if run_id is None else '{}_{:03d}'.format(param, run_id)
    return os.path.join(results_path, tracker, leaf)


def result_file(directory: str, sequence_name: str) -> str:
    return os.path.join(directory, sequence_name + '.txt')


def run_tracker_command(tracker: str, param: str, dataset: str, run_id: Optional[int] = None,
                        sequence: Optional[str] = None) -> str:
    """The run_tracker.py call (in pytracking/) that writes these result files."""
    return 'python run_tracker.py {} {} --dataset_name {}{}{}'.format(
        tracker, param, dataset, '' if sequence is None else ' --sequence {}'.format(sequence),
        '' if run_id is None else ' --runid {}'.format(run_id))


def covers(boxes, sequence) -> bool:
    """The rule every reader applies: a result file holds one box per frame of its sequence (one per
    ground-truth row)."""
    return len(boxes) == len(sequence.ground_truth)


def read_results(directory: str, sequence_names: Sequence[str], hint: Optional[str] = None) -> Dict[str, np.ndarray]:
    """Read `<directory>/<name>.txt` for every sequence name -> `[N, 4]` float64 boxes.

    args:
        hint - how to produce missing files (default: a generic run_tracker.py call)
    raises:
        ResultsMissingError listing every missing file; ltr_cmd.data.dataset_files.AnnotationError naming
        file and line for a malformed line
    """
    paths = {name: result_file(directory, name) for name in sequence_names}
    missing = [p for p in paths.values() if not os.path.isfile(p)]
    if missing:
        advice = hint or 'run the tracker on these sequences first, in pytracking/: ' + run_tracker_command(
            'TRACKER', 'PARAM', 'DATASET', None) + ' [--runid N]'
        raise ResultsMissingError('{} of {} result files missing in {}:\n  {}\nTo produce them, {}'.format(
            len(missing), len(paths), directory, format_list(missing, 20, '\n  '), advice))
    return {name: _read_result_file(path) for name, path in paths.items()}


def _read_result_file(path: str) -> ResultBoxes:
    """One result file -> its boxes, with the frames where the tracker said "absent"."""
    with open(path, 'rb') as fh:
        head = fh.read(64).lstrip()
    if head.startswith(b'{'):   # the Anti-UAV toolkits' JSON form
        try:
            with open(path, 'r') as fh:
                rows = json.load(fh)['res']
            # the Anti-UAV410 toolkit: a row of 0 or 1 values is "absent", one of 4 values a box
            absent = [len(r) in (0, 1) for r in rows]
            boxes = np.array([[0.0] * 4 if a else [float(v) for v in r] for r, a in zip(rows, absent)],
                             dtype=np.float64).reshape(-1, 4)
            return ResultBoxes(boxes, absent)
        except (ValueError, KeyError, TypeError) as exc:
            raise ResultsError('{}: not a result file of the form {{"res": [[x, y, w, h] or [] per frame]}} ({}: {})'
                               .format(path, type(exc).__name__, exc)) from None
    boxes = read_boxes(path)
    return ResultBoxes(boxes, (boxes == 0).all(axis=1))


def write_anti_uav_results(directory: str, predictions: Dict[str, np.ndarray]) -> str:
    """Write `<directory>/<name>.txt` as the Anti-UAV410 toolkit reads them: `{"res": [...]}`, `[]` where absent.

    returns:
        directory
    """
    os.makedirs(directory, exist_ok=True)
    from pytracking_cmd.evaluation.metrics import absent_frames
    for name, boxes in predictions.items():
        absent = absent_frames(boxes)
        rows = [[] if a else [float(v) for v in b] for b, a in zip(np.asarray(boxes, dtype=np.float64), absent)]
        with open(result_file(directory, name), 'w') as fh:
            json.dump({'res': rows}, fh)
    return directory


def read_times(directory: str, sequence_names: Sequence[str]) -> Optional[Dict[str, np.ndarray]]:
    """Per-frame times from `<name>_time.txt` files, or None when any of them is missing."""
    out = {}
    for name in sequence_names:
        path = os.path.join(directory, name + '_time.txt')
        if not os.path.isfile(path):
            return None
        try:
            out[name] = np.atleast_1d(np.loadtxt(path, dtype=np.float64, ndmin=1)).ravel()
        except ValueError as exc:
            raise ResultsError('{}: cannot read the frame times: {}'.format(path, exc)) from None
    return out


def check_lengths(predictions, sequences, directory, tracker, param, dataset, run_id=None):
    """Raise ResultsError naming every result file that does not hold one box per frame.

    A short file is what a tracker run stopped mid-sequence (a crash, an unreadable frame) leaves,
    or a file of another dataset version; scoring it would need padding, which hides the cause.
    """
    wrong = ['{} ({} boxes, the sequence has {} frames)'.format(result_file(directory, s.name),
                                                                 len(predictions[s.name]), len(s.ground_truth))
             for s in sequences if not covers(predictions[s.name], s)]
    if wrong:
        raise ResultsError('{} result file(s) do not cover their sequence:\n  {}\nDelete them and run the tracker '
                           'again (pytracking skips sequences whose result file exists), in pytracking/: {}'.format(
                               len(wrong), format_list(wrong, 20, '\n  '),
                               run_tracker_command(tracker, param, dataset, run_id, 'NAME')))


def pending_sequences(directory: str, sequences) -> list:
    """Sequences run_tracker.py still has to track into `directory`. A result file that does not hold one
    box per frame (cut by Ctrl-C, say) is renamed to `<seq>.txt.incomplete`, so that run_tracker.py,
    which only checks that the file exists, redoes the sequence and nothing is deleted."""
    pending = []
    for sequence in sequences:
        path = Path(result_file(directory, sequence.name))
        if path.is_file():
            try:
                complete = covers(read_boxes(str(path)), sequence)
            except (UserError, ValueError):
                complete = False
            if complete:
                continue
            os.replace(path, str(path) + '.incomplete')
            print('{}: does not cover the {} frames of {}; moved aside, to be tracked again'.format(
                path, len(sequence.ground_truth), sequence.name), file=sys.stderr)
        pending.append(sequence.name)
    return pending
