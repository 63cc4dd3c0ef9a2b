"""Layers: modules holding parameters (``Tensor`` with ``requires_grad``) and buffers (``ndarray``).

The API is torch's, small: ``parameters()``, ``named_parameters()``, ``train()`` /
``eval()``, ``state_dict()`` / ``load_state_dict()``, ``zero_grad()``; weight
layouts are torch's too, so weights copy across both ways. Layers are float64
unless ``dtype`` says otherwise (the model factories use float32 for speed).

>>> import numpy as np
>>> net = Sequential(Linear(4, 3, rng=np.random.default_rng(0)), ReLU(), Linear(3, 2))
>>> net(Tensor(np.ones((5, 4)))).shape
(5, 2)
>>> sorted(net.state_dict())
['0.bias', '0.weight', '2.bias', '2.weight']
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from mllab.scratch import functional as F
from mllab.scratch.init import SCRATCH_INITS, fans
from mllab.scratch.tensor import Tensor


class Module:
    """Base class: attributes that are Tensors, ndarrays or Modules are found by introspection."""

    training = True

    def __call__(self, x: Tensor) -> Tensor:
        return self.forward(x)

    def forward(self, x: Tensor) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward(x)")

    def children(self) -> Iterator[tuple[str, Module]]:
        return ((k, v) for k, v in vars(self).items() if isinstance(v, Module))

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        yield prefix, self
        for name, child in self.children():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def _named(self, kind: type) -> Iterator[tuple[str, object]]:
        for prefix, module in self.named_modules():
            for k, v in vars(module).items():
                if isinstance(v, kind) and not k.startswith("_"):
                    yield (f"{prefix}.{k}" if prefix else k), v

    def named_parameters(self) -> Iterator[tuple[str, Tensor]]:
        return ((k, v) for k, v in self._named(Tensor) if v.requires_grad)

    def parameters(self) -> list[Tensor]:
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = None

    def train(self, mode: bool = True) -> Module:
        for _, m in self.named_modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        return self.train(False)

    def state_dict(self) -> dict[str, np.ndarray]:
        """Parameters and buffers (BatchNorm running statistics) as array copies."""
        return {k: (v.data if isinstance(v, Tensor) else v).copy() for k, v in self._named((Tensor, np.ndarray))}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        own = dict(self._named((Tensor, np.ndarray)))
        if set(own) != set(state):
            raise KeyError(f"state_dict keys do not match {type(self).__name__}: missing "
                           f"{sorted(set(own) - set(state))}, unexpected {sorted(set(state) - set(own))}")
        for k, target in own.items():
            array = target.data if isinstance(target, Tensor) else target
            if array.shape != np.shape(state[k]):
                raise ValueError(f"state_dict[{k!r}]: expected shape {array.shape}, found {np.shape(state[k])}")
            array[...] = state[k]  # in place: optimizers keep pointing at the same arrays

    def astype(self, dtype) -> Module:
        """Cast every parameter and buffer (float64 for exact tests, float32 for speed)."""
        for _, m in self.named_modules():
            for k, v in list(vars(m).items()):
                if isinstance(v, Tensor):
                    v.data = v.data.astype(dtype)
                elif isinstance(v, np.ndarray) and v.dtype.kind == "f":
                    setattr(m, k, v.astype(dtype))
        return self


class Sequential(Module):
    def __init__(self, *layers: Module):
        self.layers = list(layers)

    def children(self):
        return ((str(i), m) for i, m in enumerate(self.layers))

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def _param(shape, weight_shape, init: str, rng, dtype) -> Tensor:
    fan_in, fan_out = fans(weight_shape)
    return Tensor(SCRATCH_INITS.get(init)(shape, fan_in, fan_out, rng).astype(dtype), requires_grad=True)


class _Weighted(Module):
    """Shared constructor: weight (torch layout) and optional bias; torch's default init unless told."""

    def _make(self, w_shape, n_out: int, bias: bool, init: str, rng, dtype) -> None:
        rng = rng if rng is not None else np.random.default_rng()
        self.weight = _param(w_shape, w_shape, init, rng, dtype)
        bias_init = "torch_default" if init == "torch_default" else "zeros"  # other schemes: bias 0
        self.bias = _param((n_out,), w_shape, bias_init, rng, dtype) if bias else None


class Linear(_Weighted):
    def __init__(self, in_features: int, out_features: int, bias: bool = True, *, init: str = "torch_default",
                 rng=None, dtype=np.float64):
        self._make((out_features, in_features), out_features, bias, init, rng, dtype)

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)


class Conv2d(_Weighted):
    """2-D convolution; ``method="im2col"`` (fast) or ``"toeplitz"`` (report 004's matrix form)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 bias: bool = True, *, method: str = "im2col", init: str = "torch_default", rng=None,
                 dtype=np.float64):
        if method not in ("im2col", "toeplitz"):
            raise ValueError(f"Conv2d: method must be 'im2col' or 'toeplitz'; found {method!r}")
        self.stride, self.padding, self.method = stride, padding, method
        self._make((out_channels, in_channels, kernel_size, kernel_size), out_channels, bias, init, rng, dtype)

    def forward(self, x):
        conv = F.conv2d if self.method == "im2col" else F.conv2d_toeplitz
        return conv(x, self.weight, self.bias, self.stride, self.padding)


class ConvTranspose2d(_Weighted):
    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0,
                 output_padding: int = 0, bias: bool = True, *, init: str = "torch_default", rng=None,
                 dtype=np.float64):
        self.stride, self.padding, self.output_padding = stride, padding, output_padding
        self._make((in_channels, out_channels, kernel_size, kernel_size), out_channels, bias, init, rng, dtype)

    def forward(self, x):
        return F.conv_transpose2d(x, self.weight, self.bias, self.stride, self.padding, self.output_padding)


class _BatchNorm(Module):
    """Normalize over the batch (and space) per channel; running statistics for eval, as torch."""

    axes: tuple[int, ...] = ()

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, *, dtype=np.float64):
        self.eps, self.momentum = eps, momentum
        self.weight = Tensor(np.ones(num_features, dtype), requires_grad=True)
        self.bias = Tensor(np.zeros(num_features, dtype), requires_grad=True)
        self.running_mean, self.running_var = np.zeros(num_features, dtype), np.ones(num_features, dtype)

    def forward(self, x):
        shape = [1] * x.ndim
        shape[1] = -1  # (1, C) or (1, C, 1, 1)
        if self.training:
            mean = x.mean(self.axes, keepdims=True)
            xc = x - mean
            var = (xc * xc).mean(self.axes, keepdims=True)
            m, n = self.momentum, x.size // x.shape[1]
            self.running_mean *= 1 - m
            self.running_mean += m * mean.data.ravel()
            self.running_var *= 1 - m
            self.running_var += m * var.data.ravel() * n / max(n - 1, 1)  # unbiased, as torch stores it
            xhat = xc * (var + self.eps) ** -0.5
        else:
            xhat = (x - self.running_mean.reshape(shape)) * (1 / np.sqrt(self.running_var.reshape(shape) + self.eps))
        return xhat * self.weight.reshape(shape) + self.bias.reshape(shape)


class BatchNorm1d(_BatchNorm):
    axes = (0,)


class BatchNorm2d(_BatchNorm):
    axes = (0, 2, 3)


class _Pool2d(Module):
    pool = None  # the functional op

    def __init__(self, kernel_size: int, stride: int | None = None, padding: int = 0):
        self.kernel_size, self.stride, self.padding = kernel_size, stride, padding

    def forward(self, x):
        return type(self).pool(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool2d):
    pool = F.max_pool2d


class AvgPool2d(_Pool2d):
    pool = F.avg_pool2d


class Flatten(Module):
    def forward(self, x):
        return x.reshape(x.shape[0], -1)


class Unflatten(Module):
    """(N, D) -> (N, *shape), e.g. an autoencoder's output back to image shape."""

    def __init__(self, shape: tuple[int, ...]):
        self.shape = tuple(shape)

    def forward(self, x):
        return x.reshape(x.shape[0], *self.shape)


class Dropout(Module):
    """Inverted dropout in train mode, identity in eval. ``rng`` is the generator masks draw from."""

    def __init__(self, p: float = 0.5, rng=None):
        if not 0 <= p < 1:
            raise ValueError(f"Dropout: p must be in [0, 1); found {p}")
        self.p, self.rng = p, rng if rng is not None else np.random.default_rng()

    def forward(self, x):
        return F.dropout(x, self.p, self.rng) if self.training else x


class Sigmoid(Module):
    """sigmoid(slope * x), the logistic function with slope lambda (report 004)."""

    def __init__(self, slope: float = 1.0):
        self.slope = slope

    def forward(self, x):
        return F.sigmoid(x, self.slope)


class Tanh(Sigmoid):
    """tanh(slope * x)."""

    def forward(self, x):
        return F.tanh(x, self.slope)


class LeakyReLU(Module):
    """max(gamma * x, x); gamma = 0 is the plain ReLU."""

    def __init__(self, gamma: float = 0.01):
        self.gamma = gamma

    def forward(self, x):
        return F.leaky_relu(x, self.gamma)


class ReLU(Module):
    def forward(self, x):
        return F.relu(x)


class ELU(Module):
    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def forward(self, x):
        return F.elu(x, self.alpha)


class Softmax(Module):
    def forward(self, x):
        return F.softmax(x, axis=1)


class LogSoftmax(Module):
    def forward(self, x):
        return F.log_softmax(x, axis=1)


ACTIVATIONS = {"sigmoid": Sigmoid, "tanh": Tanh, "relu": ReLU, "leaky_relu": LeakyReLU, "elu": ELU}
