"""Networks for pytracking's own ToMP and DiMP trackers whose per-frame parts run in ONNX Runtime.

`OrtToMPNet` and `OrtDiMPNet` stand in for `params.net` (pytracking's NetWithBackbone): they have the
methods the stock trackers call, each the exported ONNX file of that method (pytracking_cmd/deploy/export.py),
so `pytracking.tracker.tomp.ToMP` and `pytracking.tracker.dimp.DiMP` run them unchanged. ToMP keeps no
PyTorch network; DiMP keeps the PyTorch network for what the export does not cover (export.STAYS_IN_PYTORCH).
"""
import copy
import json
from collections import OrderedDict
from pathlib import Path

import torch
from pytracking.features.net_wrappers import NetWithBackbone

from ltr_cmd.errors import UserError
from pytracking_cmd.deploy import export


def providers(use_gpu, requested=None):
    """ONNX Runtime execution providers: `requested` if given, else CUDA (when use_gpu and available) then CPU.
    args:
        use_gpu - the tracker's params.use_gpu.
        requested - params.onnx_providers, e.g. ['TensorrtExecutionProvider', 'CUDAExecutionProvider', ...]."""
    import onnxruntime
    available = onnxruntime.get_available_providers()
    if requested:
        missing = [p for p in requested if p not in available]
        if missing:
            raise UserError('params.onnx_providers names {} but this onnxruntime ({}) has only {}: install the '
                            'onnxruntime build with them (e.g. onnxruntime-gpu), or drop them'.format(
                                missing, onnxruntime.__version__, available))
        return list(requested)
    if use_gpu and 'CUDAExecutionProvider' in available:
        return ['CUDAExecutionProvider', 'CPUExecutionProvider']
    return ['CPUExecutionProvider']


class OrtFunction:
    """One exported ONNX file, called like the PyTorch method it stands for: tensors in, tensors out.
    args:
        path - the .onnx file.
        providers - ONNX Runtime execution providers.
        threads - intra-op threads (default: torch's, so both backends use the same cores)."""

    def __init__(self, path, providers, threads=None):
        import onnxruntime
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        self.path = str(path)
        try:
            self.session = onnxruntime.InferenceSession(self.path, options, providers=providers)
        except Exception as error:  # onnxruntime raises its own classes (InvalidProtobuf, NoSuchFile, Fail)
            raise UserError('{}: ONNX Runtime cannot load it ({}: {}); the file is missing or cut short (a copy '
                            'that stopped?): write the folder again with `pytracking-cmd export`'.format(
                                self.path, type(error).__name__, str(error).splitlines()[0][:200])) from None
        self.input_names = [i.name for i in self.session.get_inputs()]
        self.output_names = [o.name for o in self.session.get_outputs()]

    def __call__(self, *inputs):
        if len(inputs) != len(self.input_names):
            raise TypeError('{} takes {} inputs ({}), got {}'.format(self.path, len(self.input_names),
                                                                     ', '.join(self.input_names), len(inputs)))
        device = inputs[0].device
        feeds = {n: x.detach().to('cpu', torch.float32).contiguous().numpy() for n, x in zip(self.input_names, inputs)}
        out = [torch.from_numpy(o).to(device) for o in self.session.run(self.output_names, feeds)]
        return out[0] if len(out) == 1 else tuple(out)


class _Attributes:
    """A stand-in module: the given ONNX functions, everything else from `fallback` (a PyTorch module) if any."""

    def __init__(self, fallback=None, **functions):
        self.__dict__['_fallback'] = fallback
        self.__dict__.update(functions)

    def __getattr__(self, name):
        if self._fallback is None:
            raise AttributeError('{} is not exported to ONNX (docs/deploy.md lists what is)'.format(name))
        return getattr(self._fallback, name)

    def __setattr__(self, name, value):  # the DiMP tracker sets classifier.filter_initializer and the like
        if self._fallback is not None and name not in self.__dict__:
            setattr(self._fallback, name, value)
        else:
            self.__dict__[name] = value


def _by_layer(out, layers):
    """The backbone part's outputs as pytracking's backbones return them: an OrderedDict by layer name."""
    return OrderedDict(zip(layers, out if isinstance(out, tuple) else [out]))


class OrtNetBase(NetWithBackbone):
    """NetWithBackbone whose network is an export folder run by ONNX Runtime.
    args:
        torch_net - the PyTorch parameter set's NetWithBackbone (its net_path is the network; it exports it).
        params - the tracker parameters (the shapes of the export; params.onnx_providers, params.onnx_dir)."""
    kind = None

    def __init__(self, torch_net, params):
        super().__init__(torch_net.net_path, use_gpu=torch_net.use_gpu, image_format=torch_net.image_format,
                         **torch_net.net_kwargs)
        self._mean, self._std = torch_net._mean, torch_net._std
        self.torch_net, self.params = torch_net, params
        self.export_dir = None

    def _export_folder(self):
        """params.onnx_dir if set (an export of `pytracking-cmd export`), else this network's export in the cache."""
        self.torch_net.net_path = self.net_path  # --network / $PYTRACKING_CMD_NETWORK may have replaced it
        if self.params.get('onnx_dir', None):
            folder = Path(self.params.onnx_dir)
            if not (folder / export.MANIFEST).is_file():
                raise UserError('params.onnx_dir = {} holds no {}: write it with `pytracking-cmd export`'.format(
                    folder, export.MANIFEST))
            return folder
        params = copy.copy(self.params)
        params.net = self.torch_net
        return export.export_to_cache(params)

    def load_network(self):
        self.export_dir = self._export_folder()
        manifest = json.loads((self.export_dir / export.MANIFEST).read_text())
        if manifest['kind'] != self.kind:
            raise UserError('{} holds a {} export; {} needs a {} one'.format(self.export_dir, manifest['kind'],
                                                                            type(self).__name__, self.kind))
        chosen = providers(self.use_gpu, self.params.get('onnx_providers', None))
        self.net = self.build(manifest, {name: OrtFunction(self.export_dir / (name + '.onnx'), chosen)
                                         for name in manifest['parts']})

    def eval(self):
        return self


class OrtToMPNet(OrtNetBase):
    """params.net for pytracking's ToMP with its whole per-frame network in ONNX Runtime (no PyTorch network)."""
    kind = 'tomp'

    def build(self, manifest, parts):
        from ltr.models.tracking.tompnet import ToMPnet
        filters = {int(name.rsplit('_n', 1)[1]): f for name, f in parts.items() if name.startswith('filter_and_')}
        gth = manifest['num_gth_frames']

        def filter_and_features(train_feat, test_feat, train_label, num_gth_frames, train_ltrb_target=None):
            if num_gth_frames != gth or train_feat.shape[0] not in filters:
                raise UserError('{}: exported for {} initial and {} stored samples, the tracker has {} and {}: '
                                're-export for these parameters (`pytracking-cmd export`)'.format(
                                    self.export_dir, gth, sorted(filters), num_gth_frames, train_feat.shape[0]))
            return filters[train_feat.shape[0]](train_feat, test_feat, train_label, train_ltrb_target)

        def extract_head_feat(feat, num_sequences=None):
            out = parts['head_features'](feat)
            return out if num_sequences is None else out.reshape(-1, num_sequences, *out.shape[-3:])

        predictor = {} if manifest['filter_size'] is None else {'filter_size': manifest['filter_size']}
        head = _Attributes(extract_head_feat=extract_head_feat, classifier=parts['classifier'],
                           bb_regressor=parts['bb_regressor'], filter_predictor=_Attributes(**predictor),
                           get_filter_and_features_in_parallel=filter_and_features)
        layers = manifest['output_layers']
        net = _Attributes(head=head, head_layer=manifest['head_layer'], output_layers=layers,
                          extract_backbone_features=lambda im, layers=None: _by_layer(parts['backbone'](im), manifest['output_layers']))
        net.get_backbone_head_feat = lambda feat: ToMPnet.get_backbone_head_feat(net, feat)  # pytracking's own
        return net


class OrtDiMPNet(OrtNetBase):
    """params.net for pytracking's DiMP (DiMP, SuperDiMP, PrDiMP): backbone, classification features, target
    model application, IoU features and modulation in ONNX Runtime; the PyTorch network for the rest."""
    kind = 'dimp'

    def build(self, manifest, parts):
        from ltr.models.tracking.dimpnet import DiMPnet
        self.torch_net.use_gpu = self.use_gpu
        self.torch_net.initialize()
        torch_net = self.torch_net.net
        layers = manifest['output_layers']
        classifier = _Attributes(torch_net.classifier, classify=parts['target_model'],
                                 extract_classification_feat=parts['classification_features'])
        bb_regressor = _Attributes(torch_net.bb_regressor, get_iou_feat=lambda feat: parts['iou_features'](*feat),
                                   get_modulation=lambda feat, bb: parts['iou_modulation'](*feat, bb))
        net = _Attributes(torch_net, classifier=classifier, bb_regressor=bb_regressor, output_layers=layers,
                          extract_backbone_features=lambda im, layers=None: _by_layer(parts['backbone'](im), manifest['output_layers']))
        net.__dict__['extract_classification_feat'] = lambda feat: classifier.extract_classification_feat(
            DiMPnet.get_backbone_clf_feat(net, feat))
        net.__dict__['get_backbone_bbreg_feat'] = lambda feat: DiMPnet.get_backbone_bbreg_feat(net, feat)
        return net


def onnxruntime_parameters(params, kind):
    """A ToMP or DiMP parameter set with params.net run by ONNX Runtime (params.backend = 'onnxruntime').
    args:
        params - the PyTorch parameter set (its net is a NetWithBackbone).
        kind - 'tomp' or 'dimp' (DiMP, SuperDiMP, PrDiMP)."""
    params.backend = 'onnxruntime'
    params.net = {'tomp': OrtToMPNet, 'dimp': OrtDiMPNet}[kind](params.net, params)
    return params
