"""Attribution maps of a torch classifier's class score: saliency, guided backpropagation, deconvolution,
Grad-CAM and integrated gradients.

Each method has captum's definition and is tested against captum on the same model, inputs and targets
(tests/explain/test_attribution_parity.py). Where ours differs, and why:

- **guided backpropagation / deconvolution**: captum hooks the backward pass of ``nn.ReLU`` *modules*, so a
  functional ``F.relu``/``torch.relu`` is silently left alone and one ``nn.ReLU`` module called twice breaks
  its hooks. Ours swaps the ReLU *function* for the duration of the call (a ``TorchFunctionMode`` that
  catches ``F.relu``, ``torch.relu``, ``Tensor.relu`` and their in-place forms), so every ReLU the forward
  pass runs gets the modified backward, however it is written. An in-place ReLU is computed out of place
  while explaining (its return value is used; code that relies on the side effect alone would differ).
- **Grad-CAM**: captum's ``LayerGradCam`` with ``relu_attributions=True`` (the paper's ReLU), upsampled
  bilinearly to the input (captum's ``LayerAttribution.interpolate``); ours refuses a layer that is not a
  conv feature map (B, C, H, W) with a message that names the layers that are, instead of failing inside.
- **integrated gradients**: captum's Gauss-Legendre rule with 50 steps and a zero baseline; for token models
  it integrates along the embedding output (captum's ``LayerIntegratedGradients`` on the embedding) and
  sums over the embedding width, one value per token.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 8 * 8, 3))
>>> attribute(net, torch.rand(2, 1, 8, 8), target=torch.tensor([0, 2]), method="gradcam", layer="1").shape
(2, 1, 8, 8)
"""

from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F
from torch.overrides import TorchFunctionMode

from mllab.core.errors import MllabError
from mllab.explain.registry import EXPLAINERS
from mllab.models.hooks import LayerRecorder, inspecting, layer_table

IG_STEPS = 50
IG_ROWS = 256  # interpolated images per forward/backward pass: about 2x faster than all 50 steps at once (cache)


def attribute(model: nn.Module, x, target=None, method: str = "saliency", layer: str | None = None) -> np.ndarray:
    """Attribution of ``model``'s score for class ``target`` (one per sample; default: the predicted class)
    to ``x``, as an array of x's float dtype with x's batch and spatial shape: (B, C, H, W) for images,
    (B, 1, H, W) for Grad-CAM (upsampled to x), (B, T) for token models. ``layer``: Grad-CAM's conv layer (default: the
    last feature map before pooling)."""
    entry = EXPLAINERS.entry(method)
    if entry.meta.get("kind") != "attribution":
        raise MllabError(f"{method!r} is an embedding, not an attribution method; attribution methods: "
                         f"{', '.join(EXPLAINERS.names(kind='attribution'))}")
    x = torch.as_tensor(np.asarray(x)) if not isinstance(x, torch.Tensor) else x
    with inspecting(model):  # eval mode, given back afterwards
        with torch.no_grad():
            _logits(model, x[:1])  # a classifier? (one example: the refusal names the model's real output)
        target = _targets(model, x, target)
        kwargs = {"layer": layer} if entry.meta.get("layer") else {}
        with frozen(model):
            return entry.factory(model, x, target, **kwargs).detach().cpu().numpy()


@contextmanager
def frozen(model: nn.Module):
    """Parameters without ``requires_grad`` for the duration: attribution needs gradients with respect to
    inputs and activations only, and a conv's backward skips its weight gradient (half its cost) when the
    weight does not require one. The flags are restored afterwards."""
    flags = [(p, p.requires_grad) for p in model.parameters()]
    try:
        for p, _ in flags:
            p.requires_grad_(False)
        yield model
    finally:
        for p, flag in flags:
            p.requires_grad_(flag)


def _targets(model, x, target) -> torch.Tensor:
    if target is None:
        with torch.no_grad():
            return _logits(model, x).argmax(1)
    target = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target).long()
    return target.expand(len(x)) if target.ndim == 0 else target


def _logits(model, x) -> torch.Tensor:
    out = model(x)
    if not isinstance(out, torch.Tensor) or out.ndim != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise MllabError(f"attribution explains a classifier's class scores (B, K); {type(model).__name__} "
                         f"returns {shape}: explain a classifier run, or embed a layer of this one (--method "
                         f"pca_tsne --layer {'mu' if hasattr(model, 'mu') else 'NAME'})")
    return out


def _score(model, x, target) -> torch.Tensor:
    """Sum over the batch of each sample's target score (samples are independent, so one backward pass
    gives every sample's gradient)."""
    return _logits(model, x).gather(1, target[:, None]).sum()


def _input_gradient(model, x, target, method: str) -> torch.Tensor:
    if not x.is_floating_point():
        raise MllabError(f"{method} needs gradients with respect to the input; {type(model).__name__} takes "
                         "integer token ids: use integrated_gradients (on the embeddings)")
    x = x.detach().clone().requires_grad_(True)
    return torch.autograd.grad(_score(model, x, target), x)[0]


@EXPLAINERS.register("saliency", kind="attribution")
def saliency(model, x, target):
    """Saliency (Simonyan et al.): |d score / d input| (captum's Saliency, abs=True)."""
    return _input_gradient(model, x, target, "saliency").abs()


class _RuleReLU(torch.autograd.Function):
    """ReLU forward; a modified backward: ``guided`` passes positive gradients where the input was positive,
    ``deconvolution`` passes positive gradients whatever the input."""

    @staticmethod
    def forward(ctx, x, rule):
        ctx.save_for_backward(x)
        ctx.rule = rule
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        grad = grad.clamp(min=0)
        return (grad * (x > 0) if ctx.rule == "guided" else grad), None


_RELUS = {torch.relu, torch.relu_, F.relu, F.relu_, torch.Tensor.relu, torch.Tensor.relu_}


class ReluRule(TorchFunctionMode):
    """Inside ``with ReluRule(rule):`` every ReLU call, module or functional, runs :class:`_RuleReLU`."""

    def __init__(self, rule: str):
        super().__init__()
        self.rule = rule

    def __torch_function__(self, func, types, args=(), kwargs=None):
        if func in _RELUS:
            return _RuleReLU.apply(args[0], self.rule)
        return func(*args, **(kwargs or {}))


@EXPLAINERS.register("guided_backprop", kind="attribution")
def guided_backprop(model, x, target):
    """Guided backpropagation (Springenberg et al.): backprop through ReLUs passes only positive gradients
    where the input was positive; every ReLU counts (functional, reused or in-place ones too)."""
    with ReluRule("guided"):
        return _input_gradient(model, x, target, "guided_backprop")


@EXPLAINERS.register("deconvolution", kind="attribution")
def deconvolution(model, x, target):
    """Deconvolution (Zeiler and Fergus): backprop through ReLUs passes only positive gradients."""
    with ReluRule("deconvolution"):
        return _input_gradient(model, x, target, "deconvolution")


def feature_maps(model, x) -> list[tuple[str, tuple[int, ...]]]:
    """Layers whose output is a (B, C, H, W) map larger than 1x1, in forward order, with their shapes."""
    return [(name, shape) for name, kind, shape in layer_table(model, x[:1], call_order=True)
            if shape is not None and len(shape) == 4 and shape[2] * shape[3] > 1]


def default_cam_layer(model, x) -> str:
    """The last feature map before the final pooling (report 000 Fig. 10's "features before the final
    average pooling"): the last (B, C, H, W) output larger than 1x1 that is not a pooling layer's."""
    maps = [name for name, shape in feature_maps(model, x)
            if "Pool" not in type(dict(model.named_modules())[name]).__name__]
    if not maps:
        called = [f"{name} {shape}" for name, _, shape in layer_table(model, x[:1], call_order=True) if "." not in name]
        raise MllabError(f"gradcam: {type(model).__name__} has no conv feature map (B, C, H, W) larger than 1x1 (its "
                         f"layers give {', '.join(called[-3:])}); Grad-CAM needs one: use saliency, guided_backprop "
                         "or integrated_gradients")
    return maps[-1]


@EXPLAINERS.register("gradcam", kind="attribution", layer=True)
def gradcam(model, x, target, layer: str | None = None):
    """Grad-CAM (Selvaraju et al.) at a conv layer: ReLU of the activation maps weighted by their mean
    gradients, upsampled bilinearly to the input's size, one channel."""
    if not x.is_floating_point() or x.ndim != 4:
        instead = "saliency or integrated_gradients" if x.is_floating_point() else "integrated_gradients"
        raise MllabError(f"gradcam needs image inputs (B, C, H, W); {type(model).__name__} takes "
                         f"{tuple(x.shape)} {x.dtype}: use {instead}")
    layer = layer or default_cam_layer(model, x)
    x = x.detach().clone().requires_grad_(True)  # the parameters are frozen: this puts the activations in the graph
    with LayerRecorder(model, [layer], grad=True) as rec:
        score = _score(model, x, target)
    acts = rec.recorded[layer][0]
    if acts.ndim != 4:
        maps = ", ".join(n for n, _ in feature_maps(model, x)) or "(none)"
        raise MllabError(f"gradcam: layer {layer!r} outputs {tuple(acts.shape)}, not a conv feature map "
                         f"(B, C, H, W); conv layers of {type(model).__name__}: {maps}")
    grads = torch.autograd.grad(score, acts)[0]  # (B, C, h, w)
    cam = F.relu((grads.mean((2, 3), keepdim=True) * acts).sum(1, keepdim=True))  # (B, 1, h, w)
    return F.interpolate(cam, size=x.shape[-2:], mode="bilinear", align_corners=False)  # (B, 1, H, W)


def _legendre(steps: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss-Legendre nodes on [0, 1] and their weights (captum's 'gausslegendre')."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    return torch.tensor(0.5 * (nodes + 1)), torch.tensor(0.5 * weights)


@EXPLAINERS.register("integrated_gradients", kind="attribution")
def integrated_gradients(model, x, target, steps: int = IG_STEPS):
    """Integrated gradients (Sundararajan et al.) from a zero baseline: for images on the input, for token
    models along the embedding output (summed over its width: one value per token)."""
    alphas, weights = _legendre(steps)
    if x.is_floating_point():
        total = torch.zeros_like(x)
        per_pass = max(1, IG_ROWS // len(x))  # interpolation steps per pass
        for start in range(0, steps, per_pass):
            a, w = alphas[start:start + per_pass].to(x.dtype), weights[start:start + per_pass].to(x.dtype)
            scaled = (a.view(-1, *[1] * x.ndim) * x).flatten(0, 1).requires_grad_(True)  # (s*B, ...)
            grads = torch.autograd.grad(_score(model, scaled, target.repeat(len(a))), scaled)[0]
            total += (w.view(-1, *[1] * x.ndim) * grads.view(len(a), *x.shape)).sum(0)
        return x * total
    embedding = _embedding_module(model)
    kept: dict[str, torch.Tensor] = {}

    def interpolate(mod, args, out):  # (S*B, T, E): alpha * embedding, recorded for its gradient
        kept["emb"] = out.detach()
        kept["scaled"] = (alphas.to(out.dtype).repeat_interleave(len(x)).view(-1, 1, 1) * out.detach()).requires_grad_()
        return kept["scaled"]

    with inspecting(model, [(embedding, "out", interpolate)]):
        score = _score(model, x.repeat(steps, 1), target.repeat(steps))
    grads = torch.autograd.grad(score, kept["scaled"])[0].view(steps, len(x), *kept["emb"].shape[1:])
    total = (weights.to(grads.dtype).view(-1, 1, 1, 1) * grads).sum(0)  # (B, T, E)
    return (kept["emb"][:len(x)] * total).sum(-1)  # (B, T)


def _embedding_module(model) -> nn.Module:
    """The model's ``embedding`` (all of a token's vector, subwords included), else its first nn.Embedding."""
    if isinstance(getattr(model, "embedding", None), nn.Module):
        return model.embedding
    for name, module in model.named_modules():
        if isinstance(module, nn.Embedding):
            return module
    raise MllabError(f"integrated_gradients: {type(model).__name__} takes integer inputs but has no nn.Embedding "
                     "to integrate along")
