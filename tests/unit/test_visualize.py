"""`pytracking-cmd visualize` on a generated sequence: files, frame counts, boxes where they belong, bad input."""
import os

import cv2
import numpy as np
import pytest
from PIL import Image

from ltr_cmd.data import image_io
from pytracking_cmd import cli, visualize as V
from pytracking_cmd.evaluation import report as R, results as RS

N = 12
H, W = 96, 128
GT = np.array([[20 + 2 * i, 30, 40, 30] for i in range(N)], dtype=float)        # 1-based x y w h
TEACHER = np.array([[60, 50 + i, 30, 20] for i in range(N)], dtype=float)
STUDENT = GT + np.array([3, -2, 0, 0])


def write_sequence(root, name='seq_a', sixteen_bit=True):
    """A cmd_demo thermal tree: 16-bit grey PNG frames (mid-range noise) and comma-separated ground truth."""
    img = os.path.join(root, 'tir', name, 'img')
    os.makedirs(img)
    rng = np.random.default_rng(0)
    for i in range(N):
        if sixteen_bit:
            frame = (rng.integers(20000, 24000, (H, W)) + 200 * i).astype(np.uint16)
            frame[0, 0], frame[-1, -1] = 10000, 40000  # fixed range: the grey levels stay mid-range
        else:
            frame = np.full((H, W), 100, np.uint8)
        cv2.imwrite(os.path.join(img, '{:04d}.png'.format(i + 1)), frame)
    np.savetxt(os.path.join(root, 'tir', name, 'groundtruth_rect.txt'), GT, fmt='%.2f', delimiter=',')
    return root


def write_results(results, tracker, param, boxes, name='seq_a'):
    directory = os.path.join(results, tracker, param)
    os.makedirs(directory, exist_ok=True)
    path = os.path.join(directory, name + '.txt')
    np.savetxt(path, boxes, fmt='%d', delimiter='\t')
    return path


SPECS = [R.parse_tracker_spec(['dimp_cmd', 'demo_teacher:1', 'teacher']),
         R.parse_tracker_spec(['dimp_cmd', 'demo_cmd:1', 'student'])]


@pytest.fixture
def data(tmp_path):
    root = write_sequence(str(tmp_path / 'bench'))
    results = str(tmp_path / 'results')
    write_results(results, 'dimp_cmd', 'demo_teacher_001', TEACHER)
    write_results(results, 'dimp_cmd', 'demo_cmd_001', STUDENT)
    return root, results, str(tmp_path / 'out')


def mp4_frames(path):
    capture = cv2.VideoCapture(path)
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    capture.release()
    return frames


def gif_frames(path):
    with Image.open(path) as gif:
        frames = []
        for i in range(gif.n_frames):
            gif.seek(i)
            frames.append(np.asarray(gif.convert('RGB')))
    return frames


def edge_pixel(box, frame_index=0):
    """(row, column) in the middle of the left edge of a 1-based x y w h box."""
    x, y, w, h = box[frame_index]
    return int(round(y - 1 + h / 2)), int(round(x - 1))


def assert_colour(frame, pixel, colour, tolerance):
    got = frame[pixel].astype(int)
    assert np.abs(got - np.array(colour)).max() <= tolerance, (pixel, got.tolist(), colour)


def test_rendered_frame_has_every_box_in_its_colour_and_leaves_the_rest(data):
    root, results, _ = data
    sequence = V.load_sequence('cmd_demo', 'seq_a', root)
    image = image_io.read_tracking_frame(sequence.frames[5])
    assert image.shape == (H, W, 3) and image.dtype == np.uint8
    assert 40 < image[H // 2, W // 2, 0] < 215  # 16-bit data scaled, not truncated to 0/255
    tracks = [(s.label, V.tracker_colour(i), b, np.ones(N)) for i, (s, b) in enumerate(zip(SPECS, (TEACHER, STUDENT)))]
    frame = V.render_frame(image, 5, N, GT, tracks)
    assert_colour(frame, edge_pixel(GT, 5), V.GROUND_TRUTH_COLOUR, 0)
    assert_colour(frame, edge_pixel(TEACHER, 5), V.tracker_colour(0), 0)
    assert_colour(frame, edge_pixel(STUDENT, 5), V.tracker_colour(1), 0)
    inside = (int(GT[5, 1] + GT[5, 3] / 2), int(GT[5, 0] + 8))  # inside the box, away from the edges
    np.testing.assert_array_equal(frame[inside], image[inside])
    assert (frame[:20, :60] != image[:20, :60]).any()  # the legend panel in the corner


def test_mp4_and_gif_written_with_every_frame_and_the_boxes(data):
    root, results, out = data
    paths = V.write_videos('cmd_demo', 'seq_a', SPECS, results, out, root=root, progress=False)
    assert [os.path.basename(p) for p in paths] == ['cmd_demo_seq_a.mp4', 'cmd_demo_seq_a.gif']
    video = mp4_frames(paths[0])
    assert len(video) == N and video[0].shape == (H, W, 3)
    gif = gif_frames(paths[1])
    assert len(gif) == N and gif[0].shape == (H, W, 3)
    for frames, tolerance in ((video, 90), (gif, 40)):  # lossy codec / 256-colour palette
        for i in (0, N - 1):
            assert_colour(frames[i], edge_pixel(GT, i), V.GROUND_TRUTH_COLOUR, tolerance)
            assert_colour(frames[i], edge_pixel(TEACHER, i), V.tracker_colour(0), tolerance)


def test_gif_step_width_and_size_limit(data):
    root, results, out = data
    path, = V.write_videos('cmd_demo', 'seq_a', SPECS[:1], results, out, root=root, mp4=False, gif_step=3,
                           gif_width=64, progress=False)
    frames = gif_frames(path)
    assert len(frames) == 4 and frames[0].shape == (48, 64, 3)
    small = os.path.getsize(path)
    path, = V.write_videos('cmd_demo', 'seq_a', SPECS[:1], results, out, root=root, mp4=False,
                           gif_max_mb=small / 2e6, progress=False)  # 12 frames do not fit: every 2nd, then 4th ...
    assert os.path.getsize(path) <= small / 2 or len(gif_frames(path)) == 1
    assert len(gif_frames(path)) < N


def test_odd_frame_size_is_padded_not_cropped(tmp_path):
    frames = [np.full((33, 45, 3), 200, np.uint8)] * 3
    assert V.write_mp4(str(tmp_path / 'odd.mp4'), iter(frames), 5) == 3
    video = mp4_frames(str(tmp_path / 'odd.mp4'))
    assert len(video) == 3 and video[0].shape == (34, 46, 3)


def test_results_folder_without_the_sequence_names_the_file_and_the_command(data):
    root, results, out = data
    spec = R.parse_tracker_spec(['dimp_cmd', 'demo_control:1'])
    os.makedirs(os.path.join(results, 'dimp_cmd', 'demo_control_001'))
    with pytest.raises(RS.ResultsMissingError) as error:
        V.write_videos('cmd_demo', 'seq_a', [spec], results, out, root=root, progress=False)
    message = str(error.value)
    assert os.path.join(results, 'dimp_cmd', 'demo_control_001', 'seq_a.txt') in message
    assert 'run_tracker.py dimp_cmd demo_control --dataset_name cmd_demo --sequence seq_a --runid 1' in message


def test_result_file_with_fewer_lines_than_frames_names_the_file(data):
    root, results, out = data
    path = write_results(results, 'dimp_cmd', 'demo_teacher_001', TEACHER[:N - 3])
    with pytest.raises(RS.ResultsError, match='{} \\(9 boxes, the sequence has 12 frames\\)'.format(
            path.replace('\\', '\\\\'))):
        V.write_videos('cmd_demo', 'seq_a', SPECS[:1], results, out, root=root, progress=False)
    assert not os.path.exists(out)


def test_unknown_sequence_lists_the_known_ones(data):
    root, results, out = data
    with pytest.raises(V.VisualizeError, match="cmd_demo has no sequence 'seq_b'; its sequences: seq_a"):
        V.write_videos('cmd_demo', 'seq_b', SPECS, results, out, root=root, progress=False)


def test_command_line(data, capsys):
    root, results, out = data
    args = ['visualize', '--dataset', 'cmd_demo', '--root', root, '--sequence', 'seq_a', '--results-path', results,
            '--out', out, '--no-mp4', '--tracker', 'dimp_cmd', 'demo_teacher:1', 'teacher',
            '--tracker', 'dimp_cmd', 'demo_cmd:1']
    assert cli.main(args) == 0
    assert capsys.readouterr().out.split() == [os.path.join(out, 'cmd_demo_seq_a.gif')]
    assert cli.main(args[:-2] + ['dimp_cmd', 'demo_cmd:1-2']) == 2
    assert 'one run' in capsys.readouterr().err
    assert cli.main(args[:2] + ['cmd_demo_typo'] + args[3:]) == 2
    assert "Unknown TIR benchmark 'cmd_demo_typo'" in capsys.readouterr().err
