"""ltr_cmd.models against the real pytracking checkout: the layer2 DiMP-18 the demo trains is a
stock DiMPnet whose classifier sees layer2 at stride 8, and pytracking's own loader rebuilds it."""
import pytest
import torch

pytestmark = pytest.mark.integration


def network():
    from ltr_cmd.models import dimpnet18_layer2
    torch.manual_seed(0)
    return dimpnet18_layer2(filter_size=4, out_feature_dim=128, backbone_pretrained=False, optim_iter=2,
                            init_gauss_sigma=0.8, frozen_backbone_layers='all')


def test_classifier_scores_on_a_layer2_grid(pytracking_root):
    from ltr.models.tracking.dimpnet import DiMPnet
    net = network().eval()
    assert type(net) is DiMPnet and net.classification_layer == ['layer2']
    crop, frames, sequences = 128, 2, 3
    box = torch.tensor([48.0, 48.0, 32.0, 32.0])
    with torch.no_grad():
        scores, iou = net(train_imgs=torch.randn(frames, sequences, 3, crop, crop),
                          test_imgs=torch.randn(frames, sequences, 3, crop, crop),
                          train_bb=box.repeat(frames, sequences, 1),
                          test_proposals=box.repeat(frames, sequences, 5, 1))
    # 128 / 8 = 16 cells, plus one for the even filter size (pytracking's output_sz)
    assert scores[-1].shape == (frames, sequences, 17, 17)
    assert iou.shape == (frames, sequences, 5)


def test_initial_filter_pools_the_box_at_stride_8(pytracking_root):
    """One hot feature cell inside the box, one outside: only the inside one reaches the pooled
    filter. Pooled at stride 16 (dimpnet18's own initializer) the box would cover other cells."""
    net = network()
    pool = net.classifier.filter_initializer.filter_pool
    feat = torch.zeros(1, 1, 16, 16)
    box = torch.tensor([[64.0, 64.0, 32.0, 32.0]])   # image pixels: cells 8-11 at stride 8
    feat[0, 0, 9, 9] = 1.0
    inside = pool(feat, box).sum()
    feat[0, 0, 9, 9], feat[0, 0, 4, 4] = 0.0, 1.0   # cells 4-5 would be the box at stride 16
    outside = pool(feat, box).sum()
    assert inside > 0.05 and outside == 0


def test_checkpoint_rebuilds_through_pytrackings_loader(pytracking_root, tmp_path, capsys):
    from ltr.admin import loading
    net = network()
    path = tmp_path / 'net.pth.tar'
    torch.save({'net': net.state_dict(), 'constructor': net.constructor, 'net_info': None}, path)
    loaded, _ = loading.load_network(str(path), backbone_pretrained=False)   # as pytracking's NetWithBackbone
    assert 'not found when loading' not in capsys.readouterr().out
    assert loaded.constructor.fun_module == 'ltr_cmd.models'
    for (name, value), (_, expected) in zip(loaded.state_dict().items(), net.state_dict().items()):
        assert torch.equal(value, expected), name
