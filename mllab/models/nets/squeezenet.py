"""SqueezeNet 1.1 (Iandola et al.) for fine-tuning (report 002 Q7.2, Flowers-17), no torchvision.

Parameter names and shapes are torchvision's (``features.0``, ``features.3.squeeze``,
... ``classifier.1``), so ``load_state_dict`` takes a torchvision ImageNet
checkpoint (1,235,496 parameters) as is. Give the file the user downloaded
(torchvision's ``squeezenet1_1-b8a52dc0.pth``: its sha256 starts with
b8a52dc0) with ``weights=PATH`` and its ``weights_sha256`` (required): the hash
is checked, the file is read with ``torch.load(weights_only=True)``, and the 1000-class
classifier is replaced by a fresh one for ``num_classes`` (kept when the
class counts agree). ``freeze_backbone=True`` stops gradients to ``features``.

ImageNet weights expect ImageNet-normalized inputs: ``imagenet_norm=True``
applies torchvision's mean/std to [0, 1] images inside the model (as
non-persistent buffers, so the state dict keeps torchvision's keys).

>>> import torch
>>> net = squeezenet1_1((3, 64, 64), 17)
>>> net(torch.rand(2, 3, 64, 64)).shape, net.classifier[1].out_channels
(torch.Size([2, 17]), 17)
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import torch
from torch import nn

from mllab.data.files import ChecksumError
from mllab.models.nets._common import image_shape, torch_meta
from mllab.models.registry import MODELS

log = logging.getLogger(__name__)

IMAGENET_MEAN, IMAGENET_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class Fire(nn.Module):
    """squeeze 1x1 -> ReLU -> concat(expand 1x1, expand 3x3) -> ReLU (torchvision's attribute names)."""

    def __init__(self, c_in: int, squeeze: int, expand1x1: int, expand3x3: int):
        super().__init__()
        self.squeeze = nn.Conv2d(c_in, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat([self.expand1x1_activation(self.expand1x1(x)),
                          self.expand3x3_activation(self.expand3x3(x))], 1)


class SqueezeNet11(nn.Module):
    """``features`` (indices as torchvision's), ``classifier`` = (Dropout, conv 1x1, ReLU, global avg pool)."""

    def __init__(self, num_classes: int, dropout: float = 0.5, imagenet_norm: bool = False):
        super().__init__()
        pool = lambda: nn.MaxPool2d(3, 2, ceil_mode=True)  # noqa: E731
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, stride=2), nn.ReLU(inplace=True), pool(),
            Fire(64, 16, 64, 64), Fire(128, 16, 64, 64), pool(),
            Fire(128, 32, 128, 128), Fire(256, 32, 128, 128), pool(),
            Fire(256, 48, 192, 192), Fire(384, 48, 192, 192), Fire(384, 64, 256, 256), Fire(512, 64, 256, 256),
        )
        self.classifier = new_classifier(num_classes, dropout)
        self.imagenet_norm = imagenet_norm
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(IMAGENET_STD).reshape(1, 3, 1, 1), persistent=False)
        for m in self.features.modules():  # torchvision's initialization
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight)
                nn.init.zeros_(m.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.imagenet_norm:
            x = (x - self.mean) / self.std
        return self.classifier(self.features(x)).flatten(1)  # (B, K, 1, 1) -> (B, K)


def new_classifier(num_classes: int, dropout: float) -> nn.Sequential:
    """Dropout -> conv 1x1 512->classes (N(0, 0.01) init, torchvision's) -> ReLU -> global average pooling."""
    conv = nn.Conv2d(512, num_classes, 1)
    nn.init.normal_(conv.weight, 0.0, 0.01)
    nn.init.zeros_(conv.bias)
    return nn.Sequential(nn.Dropout(dropout), conv, nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1))


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def read_checkpoint(path: str | Path, sha256: str) -> dict[str, torch.Tensor]:
    """A state dict from ``path``, after checking its SHA-256 (``weights_only`` loading)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"squeezenet1_1: weights file {path} does not exist; give the path of the "
                                "torchvision-format checkpoint (e.g. squeezenet1_1-b8a52dc0.pth)")
    found = file_sha256(path)
    if not sha256:
        raise ValueError(f"squeezenet1_1: weights_sha256 is required with weights={path}; this file's sha256 is "
                         f"{found}: pass weights_sha256={found} if it is the file you mean to trust")
    if found != sha256.lower():
        raise ChecksumError(f"squeezenet1_1: {path.name} sha256 mismatch (expected {sha256}, found {found}). "
                            "Download the file again or pass the sha256 of the file you mean to use.")
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
        raise ValueError(f"squeezenet1_1: {path} is not a state dict of tensors (name -> tensor), as torchvision saves")
    return state


def load_pretrained(model: SqueezeNet11, state: dict[str, torch.Tensor], path) -> None:
    """Load a torchvision-format state dict; the classifier too only when its class count matches."""
    ours = model.state_dict()
    mismatched = [k for k, v in state.items() if k.startswith("classifier.") and k in ours and v.shape != ours[k].shape]
    state = {k: v for k, v in state.items() if k not in mismatched}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or set(missing) - set(mismatched):
        raise ValueError(f"squeezenet1_1: {path} is not a torchvision squeezenet1_1 checkpoint: "
                         f"missing {sorted(set(missing) - set(mismatched))[:5]}, unexpected {sorted(unexpected)[:5]}")
    if mismatched:
        log.info("squeezenet1_1: classifier from %s has another class count; a new one was initialized", path)


@MODELS.register("squeezenet1_1", **torch_meta(example_input=(3, 32, 32), params=727_626))
def squeezenet1_1(input_shape, num_classes, weights: str | None = None, weights_sha256: str | None = None,
                  freeze_backbone: bool = False, dropout: float = 0.5, imagenet_norm: bool = False):
    """SqueezeNet 1.1 with torchvision parameter names; optional ImageNet weights file, frozen backbone."""
    c, _, _ = image_shape(input_shape, "squeezenet1_1")
    if c != 3:
        raise ValueError(f"squeezenet1_1: expects RGB images (3 channels); got {c}")
    model = SqueezeNet11(num_classes, dropout, imagenet_norm)
    if weights is not None:
        load_pretrained(model, read_checkpoint(weights, weights_sha256), weights)
    elif weights_sha256 is not None:
        raise ValueError("squeezenet1_1: weights_sha256 given without weights=PATH")
    if freeze_backbone:
        if weights is None:
            raise ValueError("squeezenet1_1: freeze_backbone=True without weights=PATH would train a classifier on "
                             "random features; give torchvision's ImageNet file (squeezenet1_1-b8a52dc0.pth) as "
                             "weights=PATH with weights_sha256=HASH, or set freeze_backbone=false")
        model.features.requires_grad_(False)
    return model
