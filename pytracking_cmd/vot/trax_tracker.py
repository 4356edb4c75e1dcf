"""The tracker process the VOT toolkit starts: a pytracking tracker behind a TraX server.

    python -m pytracking_cmd.vot.trax_tracker TRACKER PARAM [--channel ir|color|rgbt] [--network PATH] [--log FILE]

One process loads the network once and then serves every request of the toolkit: each
(re)initialisation (the supervised experiment re-initialises after every failure) calls
`tracker.initialize` again on the same pytracking tracker object, as pytracking's own
`run_video_generic` does; each frame calls `tracker.track`. (pytracking's own VOT helper,
pytracking/evaluation/vot2020.py, does not run with vot-trax 4 and requests no channel.)

- Channels: `ir` (default) requests the thermal channel; `color` the colour channel; `rgbt` requests
  both, so that the tracker declares itself as RGB-T, but it TRACKS ON THE IR FRAMES ONLY: the CMD
  students are thermal networks, the colour frames are not read. Results with `rgbt` are those of
  `ir` on the same sequences.
- Frames arrive as file paths (TraX `path` images) and are read with
  `ltr_cmd.data.image_io.read_tracking_frame` (8/16-bit, 1/3-channel -> HxWx3 uint8).
- The standard streams belong to TraX: stdout is redirected to stderr at the file-descriptor level
  before anything else runs (libtrax gets the original stdout through TRAX_OUT), so prints of
  pytracking or of a native library cannot corrupt the protocol. Logs go to stderr, or to --log FILE
  (appended; warnings and errors go to stderr as well).
- A failure (the network does not load, a frame cannot be read, the tracker raises) is reported to
  the toolkit: the server terminates the session with the error as reason (the toolkit raises
  "Server terminated the session: ..."), the traceback goes to stderr (which the toolkit saves in the
  workspace's logs/ folder), and the process exits with status 1. When the toolkit closes the
  session the process exits with status 0.
- `--network PATH` replaces the parameter file's network: `params.net` (DiMP family) or
  `params.features.features[0]` (ATOM).
"""
import argparse
import logging
import os
import sys
import time
from pathlib import Path

from ltr_cmd.checkpoints import NETWORK_VARIABLE

CHANNELS = {'ir': ['ir'], 'color': ['color'], 'rgbt': ['color', 'ir']}
"""--channel -> the channels requested from the toolkit."""
TRACKED_CHANNEL = {'ir': 'ir', 'color': 'color', 'rgbt': 'ir'}
"""--channel -> the channel whose frames the tracker sees."""
LOADED_MESSAGE = 'network loaded'
"""Written once per process when the network is in memory (tests count it)."""
INITIALISATION_MESSAGE = 'initialisation'

logger = logging.getLogger('pytracking_cmd.vot.trax_tracker')


def configure_parser(parser):
    parser.add_argument('tracker', help='pytracking tracker name, e.g. dimp_cmd, tomp_cmd or atom_cmd')
    parser.add_argument('param', help='parameter file of that tracker, e.g. dimp50_cmd or demo_cmd')
    parser.add_argument('--channel', choices=sorted(CHANNELS), default='ir',
                        help='channel(s) requested from the toolkit: ir (default), color, or rgbt (asks for color '
                             'and ir, tracks on ir only)')
    parser.add_argument('--network', metavar='PATH', default=None,
                        help='network checkpoint to use instead of the one the parameter file names')
    parser.add_argument('--log', metavar='FILE', default=None,
                        help='append the log to FILE (default: stderr only)')


def build_parser():
    parser = argparse.ArgumentParser(
        prog='python -m pytracking_cmd.vot.trax_tracker',
        description='Serve a pytracking tracker to the VOT toolkit over TraX (started by the toolkit; see '
                    'docs/vot.md and `pytracking-cmd vot init`). Nothing is written to stdout.')
    configure_parser(parser)
    return parser


def protect_stdout():
    """Keep stdout for TraX only: fd 1 becomes a copy of stderr, libtrax writes to a private copy of
    the original stdout (TRAX_OUT), and Python's sys.stdout is sys.stderr. Returns the private fd."""
    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    os.environ['TRAX_OUT'] = str(protocol_fd)
    sys.stdout = sys.stderr
    return protocol_fd


def _configure_logging(log_file):
    logger.setLevel(logging.INFO)
    logger.propagate = False
    fmt = logging.Formatter('%(asctime)s pytracking-cmd trax_tracker [pid %(process)d] %(levelname)s: %(message)s')
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setFormatter(fmt)
    to_stderr.setLevel(logging.WARNING if log_file else logging.INFO)
    logger.addHandler(to_stderr)
    if log_file:
        Path(log_file).expanduser().parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.FileHandler(Path(log_file).expanduser(), mode='a', encoding='utf-8')
        to_file.setFormatter(fmt)
        logger.addHandler(to_file)


def set_network(params, path):
    """Point the parameters' network wrapper to `path`; returns which attribute was changed."""
    net = getattr(params, 'net', None)
    if net is not None and hasattr(net, 'net_path'):
        net.net_path = path
        return 'params.net'
    features = getattr(getattr(params, 'features', None), 'features', None) or []
    for i, feature in enumerate(features):
        if hasattr(feature, 'net_path'):
            feature.net_path = path
            return 'params.features.features[{}]'.format(i)
    raise ValueError('--network: the parameters name no network wrapper (neither params.net nor '
                     'params.features.features[...] has a net_path)')


def _network_path(params):
    net = getattr(params, 'net', None)
    if net is not None and hasattr(net, 'net_path'):
        return net.net_path
    for feature in getattr(getattr(params, 'features', None), 'features', None) or []:
        if hasattr(feature, 'net_path'):
            return feature.net_path
    return None


def load_tracker(name, param, network=None):
    """A pytracking tracker of `name`/`param` with its network in memory (loaded here, once)."""
    from pytracking.evaluation import Tracker
    wrapper = Tracker(name, param)
    if wrapper.tracker_class is None:
        raise ValueError('pytracking has no tracker {!r} (pytracking/tracker/{} is missing: is the checkout '
                         'registered? run `pytracking-cmd doctor`)'.format(name, name))
    if network is not None:
        network = str(Path(network).expanduser().resolve())
        if not Path(network).is_file():
            raise FileNotFoundError('--network {}: no such file'.format(network))
        # the plugin's parameter files load this instead of their trained network (which may not exist)
        os.environ[NETWORK_VARIABLE] = network
    params = wrapper.get_parameters()
    if network is not None:
        set_network(params, network)  # stock parameter files (e.g. dimp dimp50) name theirs directly
    params.tracker_name, params.param_name = name, param
    params.debug, params.visualization = 0, False
    # VOT expects a box every frame: an *_antiuav parameter file's [0, 0, 0, 0] "absent" would score as a failure
    params.report_absence = False
    tracker = wrapper.create_tracker(params)
    start = time.time()
    tracker.initialize_features()  # loads the network; later initialize() calls reuse it
    logger.info('%s: %s for %s %s on %s in %.1f s', LOADED_MESSAGE, _network_path(params), name, param,
                'cuda' if getattr(params, 'use_gpu', False) else 'cpu', time.time() - start)
    return tracker


def _type(item):
    """vot-trax 4 has `type` as a property on regions and as a method on images."""
    return item.type() if callable(item.type) else item.type


def _box(region):
    """[x, y, w, h] of a TraX rectangle or polygon (its bounding box)."""
    import trax
    if _type(region) == trax.Region.RECTANGLE:
        return list(region.bounds())
    if _type(region) == trax.Region.POLYGON:
        xs, ys = zip(*list(region))
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    raise ValueError('unsupported region type {!r} (rectangle or polygon expected)'.format(_type(region)))


def _frame(request, channel):
    import trax
    from ltr_cmd.data.image_io import read_tracking_frame
    if channel not in request.image:
        raise ValueError('the toolkit sent channels {} but the tracker reads {!r}'.format(sorted(request.image), channel))
    image = request.image[channel]
    if _type(image) != trax.Image.PATH:
        raise ValueError('frame of type {!r}, expected a file path'.format(_type(image)))
    return read_tracking_frame(image.path())


def serve(server, tracker, channel, load_error=None):
    """The TraX loop. Returns the exit status."""
    import trax
    initialisations = frames = 0
    try:
        while True:
            try:
                request = server.wait()
            except trax.TraxException as error:
                logger.info('connection closed by the client (%s); %d initialisations, %d frames',
                            error, initialisations, frames)
                return 0
            if request.type == trax.TraxStatus.QUIT:
                logger.info('session closed by the client; %d initialisations, %d frames', initialisations, frames)
                return 0
            if load_error is not None:  # logged when it happened; now the toolkit hears of it
                return _fail(server, load_error)
            if request.type == trax.TraxStatus.INITIALIZE:
                if len(request.objects) != 1:
                    raise ValueError('{} objects to initialise, the tracker follows one'.format(len(request.objects)))
                box = _box(request.objects[0][0])
                tracker.initialize(_frame(request, channel), {'init_bbox': box})
                initialisations += 1
                logger.info('%s %d: %s', INITIALISATION_MESSAGE, initialisations, [round(v, 2) for v in box])
                server.status([(trax.Rectangle.create(*box), {})])
            elif request.type == trax.TraxStatus.FRAME:
                if initialisations == 0:
                    raise RuntimeError('frame received before any initialisation')
                box = [float(v) for v in tracker.track(_frame(request, channel))['target_bbox']]
                frames += 1
                server.status([(trax.Rectangle.create(*box), {})])
            else:
                raise RuntimeError('unexpected TraX request {!r}'.format(request.type))
    except Exception as error:
        logger.exception('tracker failed after %d initialisations, %d frames', initialisations, frames)
        return _fail(server, error)


def _fail(server, error):
    """End the session with the error as reason (the toolkit raises it); exit status 1."""
    try:
        server.quit(reason='{}: {}'.format(type(error).__name__, error)[:2000])
    except Exception:  # the client may be gone already; the exit status still tells
        pass
    return 1


def main(argv=None):
    args = build_parser().parse_args(argv)
    protect_stdout()
    os.environ.setdefault('TQDM_DISABLE', '1')
    os.environ.setdefault('MPLBACKEND', 'Agg')
    _configure_logging(args.log)
    logger.info('start: %s %s, channel %s (requests %s, tracks on %s)%s', args.tracker, args.param, args.channel,
                '+'.join(CHANNELS[args.channel]), TRACKED_CHANNEL[args.channel],
                ', network ' + args.network if args.network else '')
    try:
        import trax
    except ImportError as error:
        logger.error('vot-trax is not installed in %s (%s): run scripts/install-vot.sh', sys.executable, error)
        return 2
    load_error = tracker = None
    try:
        tracker = load_tracker(args.tracker, args.param, args.network)
    except Exception as error:  # reported to the toolkit at its first request, through the protocol
        logger.exception('could not set up %s %s', args.tracker, args.param)
        load_error = error
    try:
        server = trax.Server([trax.Region.RECTANGLE, trax.Region.POLYGON], [trax.Image.PATH],
                             CHANNELS[args.channel], tracker_name='{} {}'.format(args.tracker, args.param),
                             tracker_family='pytracking-cmd')
    except trax.TraxException as error:
        logger.error('TraX handshake failed (%s): this program is started by the VOT toolkit, see docs/vot.md', error)
        return 1
    return serve(server, tracker, TRACKED_CHANNEL[args.channel], load_error)


if __name__ == '__main__':
    sys.exit(main())
