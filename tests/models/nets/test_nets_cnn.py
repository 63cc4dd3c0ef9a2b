"""Feed-forward families: shapes from the reports, counts by formula, parity with plain torch ops."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mllab.models.nets.mobilenetv3 import SqueezeExcitation
from mllab.models.nets.nin import ConvReLUBN, split_depths
from mllab.models.registry import MODELS


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def build(name, shape, classes=10, **params):
    torch.manual_seed(0)
    return MODELS.get(name)(shape, classes, **params)


# --- LeNet-5 (report 003) ---

@pytest.mark.parametrize("shape, expected", [((1, 32, 32), 61_706), ((3, 32, 32), 62_006), ((1, 28, 28), 61_706)])
def test_lenet5_parameter_count_by_hand(shape, expected):
    conv1 = shape[0] * 6 * 25 + 6
    by_hand = conv1 + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert by_hand == expected == n_params(build("lenet5", shape))


def test_lenet5_on_28x28_is_the_32x32_net_on_zero_padded_input():
    net28, net32 = build("lenet5", (1, 28, 28)).eval(), build("lenet5", (1, 32, 32)).eval()
    net32.load_state_dict(net28.state_dict())
    x = torch.rand(2, 1, 28, 28)
    torch.testing.assert_close(net28(x), net32(F.pad(x, (2, 2, 2, 2))))


def test_lenet5_rejects_other_sizes_and_takes_activation_and_pool():
    with pytest.raises(ValueError, match="lenet5: expects square 28x28 or 32x32"):
        build("lenet5", (1, 30, 30))
    net = build("lenet5", (1, 32, 32), activation="tanh", pool="avg")
    kinds = {type(m) for m in net.modules()}
    assert nn.Tanh in kinds and nn.AvgPool2d in kinds and nn.ReLU not in kinds and nn.MaxPool2d not in kinds


# --- MLP (report 000 Table III) ---

def test_mlp_table3_is_the_reports_table():
    net = build("mlp_table3", (3, 32, 32))
    linears = [(m.in_features, m.out_features) for m in net.modules() if isinstance(m, nn.Linear)]
    assert linears == [(3072, 1000), (1000, 1000), (1000, 1000), (1000, 1000), (1000, 10)]
    assert [m.p for m in net.modules() if isinstance(m, nn.Dropout)] == [0.2, 0.3, 0.4, 0.5]
    assert isinstance(net.output, nn.Sigmoid)
    assert n_params(net) == sum(i * o + o for i, o in linears) == 6_086_010


def test_mlp_flattens_and_equals_the_matrix_formula():
    net = build("mlp", (1, 4, 4), 3, widths=(5,), activation="tanh").eval()
    x = torch.rand(2, 1, 4, 4)
    w1, b1, w2, b2 = (p.detach() for p in net.parameters())
    expected = torch.tanh(x.reshape(2, 16) @ w1.T + b1) @ w2.T + b2
    torch.testing.assert_close(net(x), expected)
    torch.testing.assert_close(net(x.reshape(2, 16)), expected)  # already-flat input works too


def test_mlp_per_layer_lists_must_match_the_layers():
    with pytest.raises(ValueError, match="mlp dropout: got 3 values"):
        build("mlp", (8,), widths=(4, 4), dropout=[0.1, 0.2, 0.3])
    net = build("mlp", (8,), widths=(4, 4), activation=["relu", "tanh"])
    assert [type(m) for m in net.hidden if not isinstance(m, (nn.Linear, nn.Dropout))] == [nn.ReLU, nn.Tanh]


# --- report 001 CNN ---

def test_cnn_bn_has_two_bn_blocks_dropout_and_log_probabilities():
    net = build("cnn_bn", (1, 28, 28)).eval()
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 2
    assert [m.p for m in net.modules() if isinstance(m, nn.Dropout)] == [0.1, 0.1]
    out = net(torch.rand(3, 1, 28, 28))
    y = torch.tensor([1, 2, 3])
    torch.testing.assert_close(out.exp().sum(1), torch.ones(3))
    # log-softmax is idempotent, so the trainer's cross_entropy on this output is the report's NLL.
    torch.testing.assert_close(F.cross_entropy(out, y), F.nll_loss(out, y))


# --- Network in Network (report 000 Tables V and VI) ---

@pytest.mark.parametrize("k, depths", [(3, (1, 1, 1)), (4, (2, 1, 1)), (5, (2, 2, 1)), (6, (2, 2, 2)),
                                       (8, (3, 3, 2)), (9, (3, 3, 3))])
def test_nin_counts_one_nonlinear_function_per_conv_layer(k, depths):
    assert split_depths(k) == depths
    net = build("nin", (3, 32, 32), nonlinear=k)
    assert sum(isinstance(m, ConvReLUBN) for m in net.modules()) == k
    assert sum(isinstance(m, nn.ReLU) for m in net.modules()) == k
    assert net(torch.rand(2, 3, 32, 32)).shape == (2, 10)


def test_nin_full_net_is_table5():
    net = build("nin", (3, 32, 32))
    convs = [(m.in_channels, m.out_channels, m.kernel_size[0], m.padding[0]) for m in net.modules()
             if isinstance(m, nn.Conv2d)]
    assert convs == [(3, 192, 5, 2), (192, 160, 1, 0), (160, 96, 1, 0), (96, 192, 5, 2), (192, 192, 1, 0),
                     (192, 192, 1, 0), (192, 192, 3, 1), (192, 192, 1, 0), (192, 10, 1, 0)]
    pools = [(m.kernel_size, m.stride, m.padding) for m in net.modules() if isinstance(m, nn.MaxPool2d)]
    assert pools == [(3, 2, 1), (3, 2, 1)]


def test_nin_final_layer_is_named_classifier_for_lr_multipliers():
    net = build("nin", (3, 32, 32))
    final = [n for n, _ in net.named_parameters() if n.startswith("classifier")]
    assert final == ["classifier.0.weight", "classifier.0.bias", "classifier.2.weight", "classifier.2.bias"]
    assert net.classifier[0].out_channels == 10
    assert MODELS.entry("nin").meta["lr_mult"] == {"classifier": 0.1}


def test_nin_tanh_and_bad_counts():
    net = build("nin_tanh", (3, 32, 32))
    assert sum(isinstance(m, nn.Tanh) for m in net.modules()) == 9 and not any(
        isinstance(m, nn.ReLU) for m in net.modules())
    with pytest.raises(ValueError, match="nonlinear must be between 3 and 9"):
        build("nin", (3, 32, 32), nonlinear=10)


# --- MobileNetV3-Small ---

# Expanded widths of the SE bottlenecks and their squeeze widths (torchvision: make_divisible(exp // 4, 8)).
SE_UNITS = [(16, 8), (96, 24), (240, 64), (240, 64), (120, 32), (144, 40), (288, 72), (576, 144), (576, 144)]


def test_mobilenetv3_small_imagenet_config_has_torchvision_parameter_count():
    net = build("mobilenetv3_small", (3, 224, 224), 1000, stem_stride=2, first_stride=2)
    assert n_params(net) == 2_542_856  # torchvision's published count for mobilenet_v3_small


def test_mobilenetv3_se_switch_removes_exactly_the_se_weights():
    with_se, without = build("mobilenetv3_small", (3, 32, 32)), build("mobilenetv3_small", (3, 32, 32), se=False)
    se_weights = sum(2 * e * s + s + e for e, s in SE_UNITS)  # fc1 (e->s, bias) + fc2 (s->e, bias)
    assert n_params(with_se) - n_params(without) == se_weights
    assert not any(isinstance(m, SqueezeExcitation) for m in without.modules())


def test_mobilenetv3_downsamples_32x32_by_8_and_uses_hardswish():
    net = build("mobilenetv3_small", (3, 32, 32)).eval()
    assert net.features(torch.rand(1, 3, 32, 32)).shape == (1, 576, 4, 4)
    assert any(isinstance(m, nn.Hardswish) for m in net.modules())


def test_squeeze_excitation_matches_its_formula():
    torch.manual_seed(0)
    se, x = SqueezeExcitation(6, 3), torch.randn(2, 6, 5, 5)
    w1, b1 = se.fc1.weight.reshape(3, 6), se.fc1.bias
    w2, b2 = se.fc2.weight.reshape(6, 3), se.fc2.bias
    s = F.hardsigmoid(torch.relu(x.mean((2, 3)) @ w1.T + b1) @ w2.T + b2)  # (B, C)
    torch.testing.assert_close(se(x), x * s[:, :, None, None])


# --- small CNN (report 002) and the inversion-invariant layer (report 003) ---

@pytest.mark.parametrize("shape, classes", [((1, 8, 8), 10), ((3, 64, 64), 17), ((1, 28, 28), 10)])
def test_small_cnn_takes_digits_and_flowers(shape, classes):
    net = build("small_cnn", shape, classes).eval()
    assert net(torch.rand(2, *shape)).shape == (2, classes)


@pytest.mark.parametrize("base, shape", [("lenet5", (1, 28, 28)), ("small_cnn", (3, 16, 16)), ("mlp", (1, 8, 8))])
def test_inversion_invariant_gives_identical_outputs_on_inverted_images(base, shape):
    net = build("inversion_invariant", shape, base=base).eval()
    x = torch.rand(4, *shape)  # on the 2^-24 grid, so 1 - x is exact
    assert torch.equal(net(x), net(1 - x))
    pixels = torch.randint(0, 256, (4, *shape)).float() / 255  # k/255: 1 - x is rounded, outputs to ~1e-7
    torch.testing.assert_close(net(pixels), net(1 - pixels), rtol=1e-5, atol=1e-6)
    assert not torch.allclose(net.base(x), net.base(1 - x))  # the base alone is not invariant


def test_inversion_invariant_wraps_a_registered_model_with_its_params():
    net = build("inversion_invariant", (1, 32, 32), base="lenet5", activation="tanh")
    assert all(n.startswith("base.") for n, _ in net.named_parameters())
    assert any(isinstance(m, nn.Tanh) for m in net.modules())
    with pytest.raises(ValueError, match="base must be a torch image model"):
        build("inversion_invariant", (12,), base="text_lstm", vocab_size=5)
    with pytest.raises(ValueError, match="base must be a classifier"):
        build("inversion_invariant", (1, 28, 28), base="vae")


def test_vgg_bn_takes_one_conv_count_per_stage():
    from torch import nn

    from mllab.models.nets.vgg_bn import vgg_bn

    convs = lambda net: [sum(isinstance(m, nn.Conv2d) for m in stage) for stage in net.features]  # noqa: E731
    assert convs(vgg_bn((1, 28, 28), 10, widths=[16, 32, 64], convs=[1, 2, 2])) == [1, 2, 2]
    assert convs(vgg_bn((1, 28, 28), 10, widths=[16, 32, 64], convs=2)) == [2, 2, 2]
    for bad in ([1, 2], 0, [1, 0, 2]):
        with pytest.raises(ValueError, match=r"convs must be a count >= 1 or one count >= 1 per stage \(3 widths\)"):
            vgg_bn((1, 28, 28), 10, widths=[16, 32, 64], convs=bad)
