"""Scratch-engine networks, by name: ``factory(input_shape, num_classes, **params) -> Sequential``.

A registry of its own (``SCRATCH_MODELS``), with the torch registry's metadata
keys (``kind="scratch"``, ``task``, ``example_input``, ``params``) so the same
registry-wide tests and config wiring apply. Every factory takes ``seed`` (weight
init), ``init`` (a :data:`~mllab.scratch.init.SCRATCH_INITS` name) and ``dtype``
(float32 by default: training speed; tests pass float64).

Activations take their reports' parameter through ``activation_param``: the
slope lambda of sigmoid/tanh, the leak gamma of leaky ReLU, ELU's alpha; a list
gives one value per activation layer (report 004's sigmoid slopes (.7, .05)).

>>> net = SCRATCH_MODELS.get("cnn004_a")((1, 28, 28), 10)
>>> [type(m).__name__ for m in net.layers]
['Conv2d', 'LeakyReLU', 'Flatten', 'Linear', 'LeakyReLU']
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from mllab.core.registry import Registry, check_params
from mllab.scratch.layers import (
    ACTIVATIONS,
    AvgPool2d,
    Conv2d,
    Flatten,
    Linear,
    MaxPool2d,
    Module,
    Sequential,
    Sigmoid,
    Unflatten,
)

SCRATCH_MODELS = Registry("scratch model")


def create_scratch_model(name: str, input_shape: tuple[int, ...], num_classes: int, **params: Any) -> Sequential:
    """The registered scratch network ``name`` for one example of ``input_shape`` and ``num_classes`` outputs;
    unknown ``params`` are a :class:`~mllab.core.errors.ConfigError` naming the allowed ones.

    >>> create_scratch_model("mlp", (1, 8, 8), 10, hidden=[16]).layers[1].weight.shape
    (16, 64)
    """
    entry = SCRATCH_MODELS.entry(name)
    check_params("scratch model", name, entry.factory, params)
    return entry.factory(tuple(input_shape), num_classes, **params)


def _meta(*, params: int, task: str = "classify", output: str = "logits", example_input=(1, 28, 28),
          example_classes: int = 10) -> dict[str, Any]:
    """``output``: "logits", "activation" (report 004 passes the output through its activation), "image"."""
    return dict(kind="scratch", task=task, input="image", output=output, example_input=tuple(example_input),
                example_classes=example_classes, params=params)


def make_activation(name: str, param: float | None = None) -> Module:
    """An activation layer by name; ``param`` is its slope / leak / alpha (None: the default)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation {name!r} is unknown; choose one of {sorted(ACTIVATIONS)}")
    if name == "relu" or param is None:
        return ACTIVATIONS[name]()
    return ACTIVATIONS[name](param)


def _activations(name: str, param: float | Sequence[float] | None, n: int) -> list[Module]:
    params = list(param) if isinstance(param, (list, tuple)) else [param] * n
    if len(params) != n:
        raise ValueError(f"activation_param: got {len(params)} values {params} for {n} activation layers; "
                         f"give one value or {n}")
    return [make_activation(name, p) for p in params]


def _kw(seed: int | None, init: str, dtype: str) -> dict[str, Any]:
    return dict(rng=np.random.default_rng(seed), init=init, dtype=np.dtype(dtype))


def _image(input_shape, model: str) -> tuple[int, int, int]:
    if len(input_shape) != 3:
        raise ValueError(f"{model}: input_shape must be (C, H, W); got {tuple(input_shape)}. "
                         "Do not 'flatten' the data for this model.")
    return tuple(int(s) for s in input_shape)


@SCRATCH_MODELS.register("mlp", **_meta(params=101_770))
def mlp(input_shape, num_classes, hidden: Sequence[int] = (128,), activation: str = "relu",
        activation_param=None, init: str = "torch_default", seed: int | None = 0, dtype: str = "float32"):
    """Flatten -> [Linear -> activation] per hidden size -> Linear (logits)."""
    kw, sizes = _kw(seed, init, dtype), [int(np.prod(input_shape)), *hidden]
    acts = _activations(activation, activation_param, len(hidden))
    layers: list[Module] = [Flatten()]
    for n_in, n_out, act in zip(sizes, sizes[1:], acts):
        layers += [Linear(n_in, n_out, **kw), act]
    return Sequential(*layers, Linear(sizes[-1], num_classes, **kw))


def _cnn004(input_shape, num_classes, dense: int | None, activation, activation_param, filters, kernel,
            output_activation, init, seed, dtype, method) -> Sequential:
    """Report 004's shared-weight network: conv (stride 1, no padding, no pooling) -> act -> dense layers."""
    c, h, w = _image(input_shape, "cnn004")
    kw = _kw(seed, init, dtype)
    n_acts = 1 + (dense is not None) + output_activation
    acts = _activations(activation, activation_param, n_acts)
    features = filters * (h - kernel + 1) * (w - kernel + 1)  # 16 * 22 * 22 = 7744 for 28x28
    layers = [Conv2d(c, filters, kernel, method=method, **kw), acts.pop(0), Flatten()]
    if dense is not None:
        layers += [Linear(features, dense, **kw), acts.pop(0)]
    layers.append(Linear(dense or features, num_classes, **kw))
    return Sequential(*layers, *acts)  # the output activation, when asked for (report 004: yes, with MSE)


@SCRATCH_MODELS.register("cnn004_a", **_meta(params=16 * 50 + 7744 * 10 + 10, output="activation"))
def cnn004_a(input_shape, num_classes, activation: str = "leaky_relu", activation_param=0.01, filters: int = 16,
             kernel: int = 7, output_activation: bool = True, init: str = "normal_fanin", seed: int | None = 0,
             dtype: str = "float32", method: str = "im2col"):
    """Report 004 architecture A: 16 7x7 filters -> act -> 10 (-> act), N(0, 1/fan-in) init."""
    return _cnn004(input_shape, num_classes, None, activation, activation_param, filters, kernel,
                   output_activation, init, seed, dtype, method)


@SCRATCH_MODELS.register("cnn004_b", **_meta(params=16 * 50 + 7744 * 128 + 128 + 1290, output="activation"))
def cnn004_b(input_shape, num_classes, activation: str = "leaky_relu", activation_param=0.01, filters: int = 16,
             kernel: int = 7, dense: int = 128, output_activation: bool = True, init: str = "normal_fanin",
             seed: int | None = 0, dtype: str = "float32", method: str = "im2col"):
    """Report 004 architecture B: 16 7x7 filters -> act -> dense 128 -> act -> 10 (-> act)."""
    return _cnn004(input_shape, num_classes, dense, activation, activation_param, filters, kernel,
                   output_activation, init, seed, dtype, method)


@SCRATCH_MODELS.register("cnn004_p2", **_meta(params=2 * 785 + 2 * 3, output="activation", example_classes=2))
def cnn004_p2(input_shape, num_classes, activation: str = "leaky_relu", activation_param=0.01,
              init: str = "normal_fanin", seed: int | None = 0, dtype: str = "float32", method: str = "im2col"):
    """Report 004 part 2: two image-sized filters -> act -> 2 -> act (one 'response' per class)."""
    c, h, w = _image(input_shape, "cnn004_p2")
    kw = _kw(seed, init, dtype)
    act1, act2 = _activations(activation, activation_param, 2)
    return Sequential(Conv2d(c, 2, h, method=method, **kw), act1, Flatten(), Linear(2, num_classes, **kw), act2)


@SCRATCH_MODELS.register("lenet5", **_meta(params=61_706, example_input=(1, 32, 32)))
def lenet5(input_shape, num_classes, activation: str = "relu", activation_param=None, pool: str = "max",
           padding: int | None = None, init: str = "torch_default", seed: int | None = 0, dtype: str = "float32"):
    """LeNet-5 as report 003 (and the torch ``lenet5``): 28x28 inputs get padding 2, 32x32 none."""
    c, h, w = _image(input_shape, "lenet5")
    padding = {28: 2, 32: 0}.get(h) if padding is None else padding
    if padding is None or h != w or h + 2 * padding != 32:
        raise ValueError(f"lenet5: expects square 28x28 or 32x32 images (or padding with H + 2*padding = 32); "
                         f"got {h}x{w} with padding={padding}")
    pools = {"max": MaxPool2d, "avg": AvgPool2d}
    if pool not in pools:
        raise ValueError(f"lenet5: pool must be one of {sorted(pools)}; got {pool!r}")
    kw, acts = _kw(seed, init, dtype), _activations(activation, activation_param, 4)
    return Sequential(
        Conv2d(c, 6, 5, padding=padding, **kw), acts[0], pools[pool](2),  # (N, 6, 14, 14)
        Conv2d(6, 16, 5, **kw), acts[1], pools[pool](2), Flatten(),  # (N, 16, 5, 5) -> (N, 400)
        Linear(400, 120, **kw), acts[2], Linear(120, 84, **kw), acts[3], Linear(84, num_classes, **kw))


@SCRATCH_MODELS.register("autoencoder", **_meta(params=2 * (784 * 256 + 256 * 32) + 256 + 32 + 256 + 784,
                                                 task="reconstruct", output="image"))
def autoencoder(input_shape, num_classes=None, hidden: Sequence[int] = (256, 32, 256), activation: str = "relu",
                activation_param=None, init: str = "torch_default", seed: int | None = 0, dtype: str = "float32"):
    """MLP autoencoder (784-256-32-256-784), sigmoid output reshaped to the input's shape."""
    kw, d = _kw(seed, init, dtype), int(np.prod(input_shape))
    sizes = [d, *hidden]
    layers: list[Module] = [Flatten()]
    for n_in, n_out, act in zip(sizes, sizes[1:], _activations(activation, activation_param, len(hidden))):
        layers += [Linear(n_in, n_out, **kw), act]
    return Sequential(*layers, Linear(sizes[-1], d, **kw), Sigmoid(), Unflatten(tuple(input_shape)))
