"""Pieces shared by the network families: activations, output heads, presets, meta.

Every torch entry in ``MODELS`` carries the same metadata, so the registry-wide
test suite (``tests/models/nets/test_registry_nets.py``) can build and check
it without knowing the family:

- ``kind="torch"``; ``task``: ``"classify"``, ``"reconstruct"`` (autoencoders)
  or ``"generate"`` (VAEs: reconstruct *and* sample; trained like ``reconstruct``).
- ``input``: ``"image"`` (``(C, H, W)``), ``"sequence"`` (``(T, F)`` rows, or an
  image that the model reads row by row) or ``"tokens"`` (``(L,)`` ids, pad 0).
- ``output``: ``"logits"``, ``"log_softmax"`` (train with ``nll`` or
  ``cross_entropy``: log-softmax is idempotent, so both give the same loss),
  ``"sigmoid"`` (per-class probabilities), ``"image"`` (a reconstruction in
  [0, 1]) or ``"vae"`` (:class:`~mllab.models.nets.vae.VAEOutput`).
- ``example_input``, ``example_classes``, ``example_params``: the default spec
  the tests build; ``params``: the parameter count of that spec.
- ``lr_mult`` (optional): the report's per-layer learning-rate multipliers,
  keyed by parameter-name prefix, for ``optimizer.lr_mult``.

>>> from mllab.models.registry import MODELS
>>> meta = MODELS.entry("lenet5").meta
>>> meta["kind"], meta["example_input"], meta["params"]
('torch', (1, 32, 32), 61706)
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from torch import nn

from mllab.models.registry import MODELS

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "elu": nn.ELU,
    "gelu": nn.GELU,
    "hardswish": nn.Hardswish,
    "identity": nn.Identity,
}

OUTPUTS: dict[str, Callable[[], nn.Module]] = {
    "logits": nn.Identity,
    "log_softmax": lambda: nn.LogSoftmax(dim=1),
    "sigmoid": nn.Sigmoid,
}


def make_activation(name: str) -> nn.Module:
    """A fresh activation module by name (``relu``, ``tanh``, ...)."""
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(f"activation {name!r} is unknown; choose one of {sorted(ACTIVATIONS)}") from None


def make_output(name: str) -> nn.Module:
    """The last op of a classifier: ``logits`` (none), ``log_softmax`` or ``sigmoid``."""
    try:
        return OUTPUTS[name]()
    except KeyError:
        raise ValueError(f"output {name!r} is unknown; choose one of {sorted(OUTPUTS)}") from None


def per_layer(value: Any, n: int, what: str) -> list:
    """Broadcast one value to ``n`` layers, or check a per-layer list has length ``n``."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{what}: got {len(value)} values {list(value)} for {n} layers; give one value or {n}")
        return list(value)
    return [value] * n


def image_shape(input_shape: tuple[int, ...], model: str) -> tuple[int, int, int]:
    """Check ``input_shape`` is ``(C, H, W)`` and return it."""
    if len(input_shape) != 3:
        raise ValueError(
            f"{model}: input_shape must be (C, H, W) images; got {tuple(input_shape)}. "
            "Do not 'flatten' the data for this model."
        )
    return tuple(int(s) for s in input_shape)


def torch_meta(*, task: str = "classify", input: str = "image", output: str = "logits",
               example_input: tuple[int, ...], params: int, example_classes: int = 10,
               example_params: dict | None = None, **extra: Any) -> dict[str, Any]:
    """The metadata every torch model entry carries (see the module docstring)."""
    return dict(kind="torch", task=task, input=input, output=output, example_input=tuple(example_input),
                example_classes=example_classes, example_params=dict(example_params or {}), params=params, **extra)


def register_preset(name: str, base: Callable, doc: str, defaults: dict[str, Any], **meta: Any) -> Callable:
    """Register ``name`` as ``base`` with other default parameters (a timm-style preset).

    The preset's signature is ``base``'s with the new defaults, so config
    validation lists its parameters and any of them can still be overridden.
    ``meta`` overrides the base entry's metadata (``params``, ``example_input``...).
    """
    sig = inspect.signature(base)
    unknown = set(defaults) - set(sig.parameters)
    if unknown:
        raise TypeError(f"preset {name!r}: {base.__name__} takes no parameter {sorted(unknown)}")

    def factory(input_shape, num_classes, **params):
        return base(input_shape, num_classes, **{**defaults, **params})

    factory.__name__ = factory.__qualname__ = name
    factory.__module__ = base.__module__
    factory.__doc__ = doc
    factory.__signature__ = sig.replace(parameters=[
        p.replace(default=defaults[p.name]) if p.name in defaults else p for p in sig.parameters.values()
    ])
    MODELS.add(name, factory, **{**MODELS.entry(base.__name__).meta, "preset_of": base.__name__, **meta})
    return factory
