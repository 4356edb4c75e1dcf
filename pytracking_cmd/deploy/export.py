"""ONNX export of the per-frame networks of pytracking's ToMP and DiMP trackers (docs/deploy.md).

Each exported part is one network method the tracker calls, with the inputs the tracker gives it: the
shapes come from a real tracker initialised (with the PyTorch network) on a generated frame, so the
files fit the parameter file they were exported for. Beside each `<part>.onnx` a `<part>.json` records
the method it stands for, inputs and outputs with their shapes (a name where the tracker varies the
size), the opset, and the largest difference to PyTorch measured on the export's own inputs; `export.json`
lists the parts and what stays in PyTorch.
"""
import copy
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path
from unittest import mock

import numpy as np
import torch

from ltr_cmd.errors import UserError
from ltr_cmd.external import prroi_pool

OPSET = 18
TOLERANCE = 1e-3
"""Largest accepted |ONNX Runtime - PyTorch| on the export's inputs, relative to 1 + max |PyTorch output|."""
MANIFEST = 'export.json'
CACHE = Path('~/.cache/pytracking-cmd/onnx').expanduser()
"""Where the ONNX Runtime trackers keep what they export for themselves, one folder per network and shapes."""

STAYS_IN_PYTORCH = {
    'tomp': [],
    'dimp': ['classifier.get_filter / classifier.filter_optimizer: the target model is learnt online, by '
             'steepest-descent iterations whose count and step the tracker sets per frame (params.net_opt_*)',
             'bb_regressor.predict_iou inside the box refinement: the tracker moves the boxes along the gradient '
             'of the predicted IoU (autograd), which an ONNX graph does not give (iou_prediction.onnx holds the '
             'same function without gradients, for deployments that refine otherwise)'],
}
"""What a tracker of each kind keeps in PyTorch when it runs the exported parts, and why."""


def tracker_kind(net):
    """'tomp' or 'dimp' from a loaded network; error for the networks the export does not know.
    args:
        net - a pytracking network (ToMPnet, DiMPnet)."""
    if hasattr(net, 'head') and hasattr(net.head, 'filter_predictor'):
        return 'tomp'
    if hasattr(net, 'classifier') and hasattr(net, 'bb_regressor'):
        return 'dimp'
    raise UserError('{} is neither a ToMP nor a DiMP-family network: `pytracking-cmd export` covers ToMP, DiMP, '
                    'SuperDiMP and PrDiMP'.format(type(net).__name__))


def tracker_class(kind):
    """pytracking's tracker class for a network kind."""
    if kind == 'tomp':
        from pytracking.tracker.tomp import ToMP
        return ToMP
    from pytracking.tracker.dimp import DiMP
    return DiMP


def shape_signature(params):
    """The parameters that decide the shapes of the exported inputs, as a JSON-able dict.
    args:
        params - the tracker's parameters (TrackerParams)."""
    names = ('image_sample_size', 'sample_memory_size', 'use_augmentation', 'augmentation', 'scale_factors',
             'augmentation_expansion_factor', 'border_mode', 'train_feature_size', 'feature_stride',
             'iounet_augmentation', 'box_refinement_method', 'use_image_aspect_ratio')
    values = {}
    for name in names:
        if params.has(name):
            value = getattr(params, name)
            values[name] = value.tolist() if torch.is_tensor(value) else value
    return json.loads(json.dumps(values, default=str))


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for block in iter(lambda: handle.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def cache_folder(net_path, params):
    """The cache folder of a network file and parameters: a new network or other shapes get a new folder.
    args:
        net_path - the network checkpoint.
        params - the tracker's parameters."""
    key = json.dumps({'network': file_sha256(net_path), 'shapes': shape_signature(params)}, sort_keys=True)
    return CACHE / hashlib.sha256(key.encode()).hexdigest()[:20]


class _Call(torch.nn.Module):
    """One network method as a module torch.onnx.export can trace (lists become tuples)."""

    def __init__(self, net, function):
        super().__init__()
        self.net = net
        self.function = function

    def forward(self, *inputs):
        out = self.function(*inputs)
        return tuple(out) if isinstance(out, (list, tuple)) else out


class Part:
    """One exported function of the network.
    args:
        name - file stem.
        stands_for - the network method the tracker calls, as text.
        function - the PyTorch function of the inputs.
        inputs - example inputs (tensors, shapes as the tracker uses them), in order.
        input_names, output_names:  names in the ONNX graph.
        dynamic - {input index: {axis: name}} for the sizes the tracker varies."""

    def __init__(self, name, stands_for, function, inputs, input_names, output_names, dynamic=None):
        self.name, self.stands_for, self.function = name, stands_for, function
        self.inputs, self.input_names, self.output_names = inputs, input_names, output_names
        self.dynamic = dynamic or {}


def _twice(x):
    """A batch of two from a recorded batch: torch.export fixes a dimension an example gives as 1."""
    return torch.cat([x[:1], x[:1]]) if x.shape[0] == 1 else x


def tomp_parts(net, tracker):
    """The ToMP tracker's per-frame path (ToMP.extract_backbone_features, get_backbone_head_feat,
    classify_target) as parts, with a transformer part per number of stored samples.
    args:
        net - the ToMPnet.
        tracker - a ToMP tracker initialised with `net` (its state gives the shapes)."""
    size = [int(v) for v in tracker.img_sample_sz]
    image = torch.randn(2, 3, *size)
    layers = list(net.output_layers)
    backbone = net.extract_backbone_features(image)
    parts = [Part('backbone', 'net.extract_backbone_features(im) -> ' + ', '.join(layers),
                  lambda im: [net.extract_backbone_features(im)[l] for l in layers], (image,), ['im'], layers,
                  {0: {0: 'batch', 2: 'height', 3: 'width'}})]
    head_input = _twice(tracker.training_samples[0][:1])
    parts.append(Part('head_features', 'net.head.extract_head_feat(feat)', net.head.extract_head_feat,
                      (head_input,), ['feat'], ['head_feat'], {0: {0: 'batch'}}))
    test_feat = net.head.extract_head_feat(tracker.training_samples[0][:len(tracker.params.scale_factors)])
    memory = tracker.params.sample_memory_size
    labels, boxes = tracker.target_labels[0], tracker.encode_bbox(tracker.target_boxes)
    first = None
    for stored in range(tracker.num_gth_frames, memory + 1):
        index = torch.arange(stored) % tracker.num_gth_frames  # stored samples: repeats of the first frame's
        train_feat = net.head.extract_head_feat(tracker.training_samples[0][index])
        inputs = (train_feat, test_feat, labels[index], boxes[index])
        gth = tracker.num_gth_frames
        parts.append(Part(
            'filter_and_features_n{}'.format(stored),
            'net.head.get_filter_and_features_in_parallel(train_feat, test_feat, train_label, num_gth_frames={}, '
            'train_ltrb_target) with {} stored samples'.format(gth, stored),
            lambda tr, te, lab, ltrb: net.head.get_filter_and_features_in_parallel(
                tr, te, lab, gth, train_ltrb_target=ltrb),
            inputs, ['train_feat', 'test_feat', 'train_label', 'train_ltrb_target'],
            ['cls_weights', 'bbreg_weights', 'cls_test_feat_enc', 'bbreg_test_feat_enc']))
        if first is None:
            first = net.head.get_filter_and_features_in_parallel(*inputs[:3], gth, train_ltrb_target=inputs[3])
    cls_weights, bbreg_weights, cls_enc, bbreg_enc = first
    parts.append(Part('classifier', 'net.head.classifier(cls_test_feat_enc, cls_weights) -> target scores',
                      net.head.classifier, (cls_enc, cls_weights), ['feat', 'filter'], ['scores']))
    parts.append(Part('bb_regressor', 'net.head.bb_regressor(bbreg_test_feat_enc, bbreg_weights) -> ltrb boxes',
                      net.head.bb_regressor, (bbreg_enc, bbreg_weights), ['feat', 'filter'], ['bbox_preds']))
    del backbone
    return parts


def dimp_parts(net, tracker):
    """The DiMP tracker's network functions that are plain functions of their inputs (DiMP, SuperDiMP, PrDiMP).
    args:
        net - the DiMPnet.
        tracker - a DiMP tracker initialised with `net`."""
    size = [int(v) for v in tracker.img_sample_sz]
    image = torch.randn(2, 3, *size)
    layers = list(net.output_layers)
    backbone = net.extract_backbone_features(image)
    clf_layer = net.classification_layer[0] if isinstance(net.classification_layer, (list, tuple)) \
        else net.classification_layer
    bbreg_layers = list(net.bb_regressor_layer)
    iou_backbone = [backbone[l] for l in bbreg_layers]
    clf_feat = net.extract_classification_feat(backbone)
    iou_feat = net.bb_regressor.get_iou_feat(iou_backbone)
    boxes = _twice(tracker.classifier_target_box.view(1, 4))
    proposals = torch.cat([boxes[:1].view(1, 1, 4)] * 8, dim=1) + torch.linspace(-2, 2, 8).view(1, 8, 1)
    modulation = tuple(tracker.iou_modulation)
    return [
        Part('backbone', 'net.extract_backbone_features(im) -> ' + ', '.join(layers),
             lambda im: [net.extract_backbone_features(im)[l] for l in layers], (image,), ['im'], layers,
             {0: {0: 'batch', 2: 'height', 3: 'width'}}),
        Part('classification_features', 'net.classifier.extract_classification_feat(' + clf_layer + ')',
             net.classifier.extract_classification_feat, (backbone[clf_layer],), [clf_layer], ['clf_feat'],
             {0: {0: 'batch'}}),
        Part('target_model', 'net.classifier.classify(target_filter, clf_feat) -> target scores',
             net.classifier.classify, (tracker.target_filter, clf_feat), ['filter', 'clf_feat'], ['scores'],
             {1: {0: 'batch'}}),
        Part('iou_features', 'net.bb_regressor.get_iou_feat([' + ', '.join(bbreg_layers) + '])',
             lambda *feat: net.bb_regressor.get_iou_feat(list(feat)), tuple(iou_backbone), bbreg_layers,
             ['iou_feat3', 'iou_feat4'], {i: {0: 'batch'} for i in range(len(bbreg_layers))}),
        Part('iou_modulation', 'net.bb_regressor.get_modulation([' + ', '.join(bbreg_layers) + '], boxes)',
             lambda *a: net.bb_regressor.get_modulation(list(a[:-1]), a[-1]), tuple(iou_backbone) + (boxes,),
             bbreg_layers + ['boxes'], ['modulation3', 'modulation4'],
             {i: {0: 'batch'} for i in range(len(bbreg_layers) + 1)}),
        Part('iou_prediction', 'net.bb_regressor.predict_iou(modulation, iou_feat, proposals) (no gradients)',
             lambda m3, m4, f3, f4, p: net.bb_regressor.predict_iou([m3, m4], [f3, f4], p),
             modulation + tuple(x[:1] for x in iou_feat) + (proposals,),
             ['modulation3', 'modulation4', 'iou_feat3', 'iou_feat4', 'proposals'], ['iou'],
             {4: {1: 'proposals'}}),
    ]


def prroi_pool2d_traceable(features, rois, pooled_height, pooled_width, spatial_scale):
    """ltr_cmd.external.prroi_pool's PrRoIPool (same arguments, same values) without its data-dependent steps
    (validation, the covered part of the map), which torch.export cannot trace: the bin weights of the
    plugin's closed form over the whole map, one matrix product per box."""
    height, width = features.shape[-2:]
    batch_index = rois[:, 0].to(torch.int64)  # truncation, like the kernel's (int)
    x0, y0 = rois[:, 1] * spatial_scale, rois[:, 2] * spatial_scale
    roi_w = (rois[:, 3] * spatial_scale - x0).clamp(min=0)
    roi_h = (rois[:, 4] * spatial_scale - y0).clamp(min=0)
    wx = prroi_pool._bin_weights(x0, roi_w / pooled_width, pooled_width, 0, width)  # [K, pw, W]
    wy = prroi_pool._bin_weights(y0, roi_h / pooled_height, pooled_height, 0, height)  # [K, ph, H]
    return torch.matmul(torch.matmul(wy[:, None], features[batch_index]), wx[:, None].transpose(-1, -2))


def _describe(tensors, names, dynamic):
    return [{'name': n, 'shape': [dynamic.get(i, {}).get(a, s) for a, s in enumerate(t.shape)], 'dtype': str(t.dtype)}
            for i, (n, t) in enumerate(zip(names, tensors))]


def _as_tuple(out):
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


class _BelowError(logging.Filter):
    def filter(self, record):
        return record.levelno >= logging.ERROR


def export_part(part, net, folder, opset=OPSET):
    """Write `<folder>/<part.name>.onnx` and its JSON; check it with onnx.checker and against PyTorch in ONNX Runtime.
    args:
        part - a Part.
        net - the network (module owning the parameters).
        folder - output folder.
        opset - ONNX opset.
    returns:
        the JSON record written."""
    import onnx
    import onnxruntime
    from torch.export import Dim
    path = Path(folder) / (part.name + '.onnx')
    module = _Call(net, part.function).eval()
    dims = {}
    dynamic_shapes = tuple({axis: dims.setdefault(name, Dim(name))
                            for axis, name in part.dynamic.get(i, {}).items()} or None
                           for i in range(len(part.inputs)))
    shapes_log = logging.getLogger('torch.fx.experimental.symbolic_shapes')
    # torch.export warns with a whole graph for the transformer's `assert not isnan` (a data-dependent check
    # it drops; a filter, as torch's logging resets levels); the exporter's FutureWarnings are about itself
    quiet = _BelowError()
    shapes_log.addFilter(quiet)
    try:
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter('ignore')
            expected = _as_tuple(module(*part.inputs))  # the plugin's own PrRoIPool: the check below compares to it
            with mock.patch.object(prroi_pool, 'prroi_pool2d', prroi_pool2d_traceable):
                torch.onnx.export(module, part.inputs, str(path), dynamo=True, opset_version=opset,
                                  input_names=part.input_names, output_names=part.output_names,
                                  dynamic_shapes=(dynamic_shapes,) if part.dynamic else None,  # forward(*inputs)
                                  external_data=False, verbose=False)
    finally:
        shapes_log.removeFilter(quiet)
    onnx.checker.check_model(str(path), full_check=True)
    session = onnxruntime.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    feeds = {n: t.detach().cpu().contiguous().numpy() for n, t in zip(part.input_names, part.inputs)}
    produced = session.run(part.output_names, feeds)
    difference = max(float(np.abs(p - e.numpy()).max()) for p, e in zip(produced, expected))
    scale = max(float(e.abs().max()) for e in expected)
    if not difference <= TOLERANCE * (1 + scale):
        raise RuntimeError('{}: ONNX Runtime differs from PyTorch by {:.3g} (outputs up to {:.3g}; accepted {:.3g}); '
                           'the export of `{}` is not faithful'.format(path, difference, scale,
                                                                     TOLERANCE * (1 + scale), part.stands_for))
    record = {'part': part.name, 'stands_for': part.stands_for, 'opset': opset,
              'inputs': _describe(part.inputs, part.input_names, part.dynamic),
              'outputs': _describe(expected, part.output_names, {}),
              'tolerance': {'max_abs_diff': difference, 'max_abs_output': scale,
                            'accepted': TOLERANCE * (1 + scale), 'measured_on': 'the export inputs, CPU'},
              'torch': torch.__version__, 'onnx': onnx.__version__, 'onnxruntime': onnxruntime.__version__}
    (Path(folder) / (part.name + '.json')).write_text(json.dumps(record, indent=1) + '\n')
    return record


def _generated_frame():
    """A 640x480 frame with a bright target and its box: enough to initialise a tracker for its shapes."""
    rng = np.random.default_rng(0)
    frame = rng.integers(40, 80, (480, 640, 3), dtype=np.uint8)
    frame[200:260, 280:360] = 200
    return frame, [280, 200, 80, 60]


def initialised_tracker(params):
    """pytracking's own tracker for params.net's network, initialised on a generated frame (on the CPU).
    args:
        params - tracker parameters whose `net` is a pytracking NetWithBackbone (PyTorch)."""
    params = copy.copy(params)
    params.net = copy.copy(params.net)  # the caller's wrapper stays unloaded: an ORT tracker keeps no PyTorch network
    params.use_gpu, params.device, params.debug, params.visualization = False, 'cpu', 0, False
    params.net.use_gpu = False
    params.net.initialize()
    kind = tracker_kind(params.net.net)
    tracker = tracker_class(kind)(params)
    frame, box = _generated_frame()
    torch.manual_seed(0)  # the init augmentation's random shifts
    tracker.initialize(frame, {'init_bbox': box})
    return kind, tracker


def export(params, folder, tracker_name=None, param_name=None, opset=OPSET, log=print):
    """Export the per-frame parts of the network of a ToMP or DiMP-family parameter set into `folder`.
    args:
        params - tracker parameters with a PyTorch `net` (NetWithBackbone); its net_path is exported.
        folder - output folder (created; files in it are replaced).
        tracker_name, param_name:  recorded in export.json.
        opset - ONNX opset.
        log - progress messages.
    returns:
        the manifest (export.json) as a dict."""
    started = time.time()
    kind, tracker = initialised_tracker(params)
    net = tracker.net.net
    parts = tomp_parts(net, tracker) if kind == 'tomp' else dimp_parts(net, tracker)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    records = []
    for part in parts:
        log('exporting {} ({})'.format(part.name, part.stands_for))
        records.append(export_part(part, net, folder, opset))
    manifest = {'kind': kind, 'tracker': tracker_name, 'param': param_name, 'network': str(params.net.net_path),
                'network_sha256': file_sha256(params.net.net_path), 'opset': opset,
                'shapes': shape_signature(params), 'parts': [r['part'] for r in records],
                'num_gth_frames': getattr(tracker, 'num_gth_frames', None),
                'filter_size': getattr(net.head.filter_predictor, 'filter_size', None) if kind == 'tomp' else None,
                'head_layer': list(net.head_layer) if kind == 'tomp' else None,
                'output_layers': list(net.output_layers),
                'stays_in_pytorch': STAYS_IN_PYTORCH[kind], 'seconds': round(time.time() - started, 1)}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1) + '\n')
    return manifest


def export_to_cache(params, log=print):
    """The cache folder holding the export of params.net's network for these parameters, exporting it first
    when it is not there (written to a temporary folder and renamed: concurrent trackers never read half a folder).
    args:
        params - tracker parameters with a PyTorch `net` (NetWithBackbone).
        log - progress messages."""
    folder = cache_folder(params.net.net_path, params)
    if (folder / MANIFEST).is_file():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    log('no ONNX export of {} for these parameters yet: exporting it to {}'.format(params.net.net_path, folder))
    staging = Path(tempfile.mkdtemp(prefix=folder.name + '.', dir=str(folder.parent)))
    try:
        export(params, staging, log=log)
        try:
            os.rename(str(staging), str(folder))
        except OSError:
            if not (folder / MANIFEST).is_file():  # another process's export won the rename otherwise
                raise
    finally:
        shutil.rmtree(str(staging), ignore_errors=True)
    return folder


def configure_parser(parser):
    parser.add_argument('tracker', help='pytracking tracker name: tomp_cmd, dimp_cmd (or stock tomp, dimp)')
    parser.add_argument('param', help='its parameter file, e.g. tomp50_cmd, dimp50_cmd, super_dimp_cmd or a stock one '
                                      '(tomp50); the shapes and the network come from it')
    parser.add_argument('--network', metavar='FILE', default=None,
                        help='checkpoint to export instead of the one the parameter file names (a CMD student or a '
                             'stock release network)')
    parser.add_argument('--out', metavar='DIR', default=None,
                        help='output folder (default: the cache folder the *_ort parameter files read for this '
                             'network and these shapes, under {})'.format(CACHE))
    parser.add_argument('--opset', type=int, default=OPSET, help='ONNX opset (default {})'.format(OPSET))


def main(args):
    """`pytracking-cmd export`: write the ONNX files, print where they are and what stays in PyTorch."""
    from ltr_cmd.checkpoints import NETWORK_VARIABLE
    from pytracking.evaluation import Tracker
    network = None
    if args.network is not None:
        if not Path(args.network).is_file():
            raise UserError('--network {}: no such file'.format(args.network))
        network = str(Path(args.network).resolve())
    previous = os.environ.get(NETWORK_VARIABLE)
    if network:
        os.environ[NETWORK_VARIABLE] = network  # what the plugin's parameter files load
    try:
        params = Tracker(args.tracker, args.param).get_parameters()
    except ImportError as error:
        raise UserError('{} {}: {} (list them with `ls pytracking/parameter/{}`)'.format(
            args.tracker, args.param, error, args.tracker))
    except FileNotFoundError as error:  # no trained network: the message says how to get one
        raise UserError('{} {}: {}'.format(args.tracker, args.param, error))
    finally:  # called in-process (tests, scripts), the command leaves the caller's environment as it found it
        if network and previous is None:
            del os.environ[NETWORK_VARIABLE]
        elif network:
            os.environ[NETWORK_VARIABLE] = previous
    if getattr(params, 'backend', None) == 'onnxruntime':
        raise UserError('{} runs ONNX Runtime already: export its PyTorch parameter file ({})'.format(
            args.param, args.param[:-len('_ort')] if args.param.endswith('_ort') else 'without _ort'))
    if not hasattr(params, 'net') or not hasattr(params.net, 'net_path'):
        raise UserError('{} {}: its parameters have no params.net network wrapper; the export covers ToMP and '
                        'the DiMP family'.format(args.tracker, args.param))
    if network:
        params.net.net_path = network  # stock parameter files name their own
    out = Path(args.out) if args.out else cache_folder(params.net.net_path, params)
    manifest = export(params, out, args.tracker, args.param, args.opset)
    print('{} parts of {} ({}) in {}, opset {}, {:.0f} s'.format(len(manifest['parts']), manifest['network'],
                                                               manifest['kind'], out, args.opset, manifest['seconds']))
    for reason in manifest['stays_in_pytorch']:
        print('stays in PyTorch: ' + reason)
    return 0
