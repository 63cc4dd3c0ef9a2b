"""MobileNetV3-Small (Howard et al. 2019) for 32x32 inputs, squeeze-excitation switchable.

Layers, widths, squeeze sizes and the head (576 -> Linear 1024 -> hardswish ->
dropout -> Linear classes) follow the paper's Table 2 as torchvision builds it,
so with ``num_classes=1000`` the parameter count is torchvision's 2,542,856.

**32x32 adaptation (report 000, SVHN 95.89 %).** The ImageNet network
downsamples 32x (224 -> 7). On 32x32 that would leave a 1x1 map after the
third stage, so ``stem_stride=1`` and ``first_stride=1`` (the stem conv and
the first bottleneck) keep full resolution there: total downsampling 8x, a
4x4 map before the global pooling. ``stem_stride=2, first_stride=2`` is the
ImageNet network. Strides change no parameter.

``se=False`` removes every squeeze-excitation unit (the report's Fig. 8
ablation); the parameter difference is exactly the SE units' weights.

>>> import torch
>>> net = mobilenetv3_small((3, 32, 32), 10)
>>> net(torch.rand(2, 3, 32, 32)).shape
torch.Size([2, 10])
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from mllab.models.nets._common import image_shape, register_preset, torch_meta
from mllab.models.registry import MODELS

# (kernel, expanded width, output width, SE, activation, stride) per bottleneck: paper Table 2.
SMALL = (
    (3, 16, 16, True, "RE", 2),
    (3, 72, 24, False, "RE", 2),
    (3, 88, 24, False, "RE", 1),
    (5, 96, 40, True, "HS", 2),
    (5, 240, 40, True, "HS", 1),
    (5, 240, 40, True, "HS", 1),
    (5, 120, 48, True, "HS", 1),
    (5, 144, 48, True, "HS", 1),
    (5, 288, 96, True, "HS", 2),
    (5, 576, 96, True, "HS", 1),
    (5, 576, 96, True, "HS", 1),
)
_ACT = {"RE": nn.ReLU, "HS": nn.Hardswish}


def make_divisible(v: float, divisor: int = 8) -> int:
    """Round to a multiple of ``divisor``, never more than 10 % below ``v`` (the paper's rule)."""
    new = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new + divisor if new < 0.9 * v else new


def conv_bn(c_in: int, c_out: int, kernel: int, stride: int = 1, groups: int = 1, act: str | None = None):
    layers = [nn.Conv2d(c_in, c_out, kernel, stride, (kernel - 1) // 2, groups=groups, bias=False),
              nn.BatchNorm2d(c_out, eps=0.001, momentum=0.01)]
    return nn.Sequential(*layers, _ACT[act]()) if act else nn.Sequential(*layers)


class SqueezeExcitation(nn.Module):
    """h = x * hardsigmoid(W2 relu(W1 avgpool(x))): channel attention (Hu et al.)."""

    def __init__(self, channels: int, squeeze: int):
        super().__init__()
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.fc2 = nn.Conv2d(squeeze, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = F.adaptive_avg_pool2d(x, 1)  # (B, C, 1, 1)
        return x * F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))


class InvertedResidual(nn.Module):
    """Expand 1x1 -> depthwise kxk -> (SE) -> project 1x1, with a skip when shapes allow."""

    def __init__(self, c_in: int, kernel: int, expanded: int, c_out: int, se: bool, act: str, stride: int):
        super().__init__()
        self.use_skip = stride == 1 and c_in == c_out
        layers = [conv_bn(c_in, expanded, 1, act=act)] if expanded != c_in else []
        layers.append(conv_bn(expanded, expanded, kernel, stride, groups=expanded, act=act))
        if se:
            layers.append(SqueezeExcitation(expanded, make_divisible(expanded // 4)))
        layers.append(conv_bn(expanded, c_out, 1))
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.block(x)
        return x + out if self.use_skip else out


class MobileNetV3Small(nn.Module):
    """``features`` (stem, bottlenecks, 1x1 conv to 576), global pooling, ``classifier``."""

    def __init__(self, channels: int, num_classes: int, se: bool, stem_stride: int, first_stride: int,
                 dropout: float):
        super().__init__()
        layers, width = [conv_bn(channels, 16, 3, stem_stride, act="HS")], 16
        for i, (k, exp, out, use_se, act, stride) in enumerate(SMALL):
            layers.append(InvertedResidual(width, k, exp, out, use_se and se, act, first_stride if i == 0 else stride))
            width = out
        layers.append(conv_bn(width, 576, 1, act="HS"))
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Sequential(nn.Linear(576, 1024), nn.Hardswish(), nn.Dropout(dropout),
                                        nn.Linear(1024, num_classes))
        self._init_weights()

    def _init_weights(self) -> None:
        # torchvision's scheme, so a from-scratch run starts like the reference implementation.
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out")
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))  # (B, 576, h, w) -> (B, 576) -> (B, K)


@MODELS.register("mobilenetv3_small", **torch_meta(example_input=(3, 32, 32), params=1_528_106))
def mobilenetv3_small(input_shape, num_classes, se: bool = True, stem_stride: int = 1, first_stride: int = 1,
                      dropout: float = 0.2):
    """MobileNetV3-Small for 32x32 inputs (8x downsampling), hardswish, squeeze-excitation switchable."""
    c, _, _ = image_shape(input_shape, "mobilenetv3_small")
    return MobileNetV3Small(c, num_classes, se, stem_stride, first_stride, dropout)


register_preset("mobilenetv3_small_nose", mobilenetv3_small,
                "MobileNetV3-Small without squeeze-excitation units (report 000 Fig. 8 ablation).", dict(se=False),
                params=1_066_466)
