"""Network constructors of pytracking-cmd. pytracking's `model_constructor` stores the constructor
and its arguments in every checkpoint and `load_network` calls it again, so a constructor lives in
an importable module (this one) and names each argument it takes (load_network ignores, with a
warning, any argument the signature does not list)."""
import math

from ltr import model_constructor
from ltr.models.target_classifier import features as clf_features
from ltr.models.target_classifier import initializer as clf_initializer
from ltr.models.tracking import dimpnet

LAYER2_CHANNELS = 128  # ResNet-18 layer2
LAYER3_CHANNELS = 256  # ResNet-18 layer3
LAYER2_STRIDE = 8


@model_constructor
def dimpnet18_layer2(filter_size=4, out_feature_dim=256, optim_iter=5, init_gauss_sigma=1.0,
                     backbone_pretrained=True, frozen_backbone_layers=()):
    """pytracking's dimpnet18 (a DiMPnet: ResNet-18, IoU-Net on layer2+layer3, DiMP classifier)
    with the classifier on layer2 (stride 8) instead of layer3 (stride 16): twice the score-map
    resolution for small crops. dimpnet18 takes `classification_layer='layer2'` but sizes the
    classifier's input conv for layer3's 256 channels and pools the initial filter at stride 16,
    so these two parts are rebuilt for layer2. Classifier features: one 3x3 conv, L2-normalised
    (dimpnet18 with clf_feat_blocks=0, final_conv=True).

    args:
        filter_size, out_feature_dim, optim_iter, init_gauss_sigma, backbone_pretrained,
        frozen_backbone_layers - as in dimpnet18 (init_gauss_sigma in layer2 cells).
    """
    net = dimpnet.dimpnet18(filter_size=filter_size, out_feature_dim=out_feature_dim, optim_iter=optim_iter,
                            init_gauss_sigma=init_gauss_sigma, backbone_pretrained=backbone_pretrained,
                            frozen_backbone_layers=frozen_backbone_layers, classification_layer='layer2',
                            feat_stride=LAYER2_STRIDE, clf_feat_blocks=0, clf_feat_norm=True, final_conv=True,
                            init_filter_norm=False)
    net.classifier.feature_extractor = clf_features.residual_basic_block(
        feature_dim=LAYER2_CHANNELS, num_blocks=0, l2norm=True, final_conv=True,
        norm_scale=math.sqrt(1.0 / (out_feature_dim * filter_size * filter_size)), out_dim=out_feature_dim)
    net.classifier.filter_initializer = clf_initializer.FilterInitializerLinear(
        filter_size=filter_size, feature_dim=out_feature_dim, feature_stride=LAYER2_STRIDE, filter_norm=False)
    return net


@model_constructor
def tompnet18(out_feature_dim=64, nhead=4, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=256,
              feature_sz=16, backbone_pretrained=True, frozen_backbone_layers=()):
    """A small ToMP: pytracking's ToMPnet, built from its own modules as tompnet50 builds it, on ResNet-18's
    layer3 (stride 16, as pytracking's ToMP tracker assumes). The demo's ToMP, which trains in minutes on a
    CPU. Head features: one 3x3 conv, L2-normalised, `out_feature_dim` channels; a transformer of
    `num_encoder_layers` / `num_decoder_layers` layers of that width; no test-frame encoding (tomp50's
    training default).

    args:
        out_feature_dim, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward - the transformer's sizes
        feature_sz - the score map's side (crop / 16)
        backbone_pretrained, frozen_backbone_layers - as in tompnet50
    """
    from ltr.models import backbone as backbones
    from ltr.models.tracking.tompnet import ToMPnet
    from ltr.models.transformer import filter_predictor, heads, transformer
    backbone = backbones.resnet18(pretrained=backbone_pretrained, frozen_layers=frozen_backbone_layers)
    features = clf_features.residual_basic_block(feature_dim=LAYER3_CHANNELS, num_blocks=0, l2norm=True,
                                                 final_conv=True, norm_scale=math.sqrt(1.0 / out_feature_dim),
                                                 out_dim=out_feature_dim)
    predictor = filter_predictor.FilterPredictor(
        transformer.Transformer(d_model=out_feature_dim, nhead=nhead, num_encoder_layers=num_encoder_layers,
                                num_decoder_layers=num_decoder_layers, dim_feedforward=dim_feedforward),
        feature_sz=feature_sz, use_test_frame_encoding=False)
    head = heads.Head(filter_predictor=predictor, feature_extractor=features,
                      classifier=heads.LinearFilterClassifier(num_channels=out_feature_dim),
                      bb_regressor=heads.DenseBoxRegressor(num_channels=out_feature_dim))
    return ToMPnet(feature_extractor=backbone, head=head, head_layer='layer3')
