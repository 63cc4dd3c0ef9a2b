"""Fused ops with hand-written backward: activations, linear, softmax, losses, dropout; convolution and pooling
(:mod:`mllab.scratch.convolution`) re-exported, so this module is the engine's one functional namespace.

Each function computes its forward result and the closure of its backward next to it (see
:mod:`mllab.scratch.tensor`).

>>> import numpy as np
>>> from mllab.scratch.tensor import Tensor
>>> z = Tensor(np.array([[2.0, 0.0, -1.0]]), requires_grad=True)
>>> loss = cross_entropy(z, np.array([0]))
>>> loss.backward()
>>> bool(abs(z.grad.sum()) < 1e-6)  # softmax minus one-hot sums to zero
True
"""

from __future__ import annotations

import numpy as np

from mllab.scratch.convolution import (avg_pool2d, conv2d, conv2d_toeplitz, conv_transpose2d,  # noqa: F401
                                         max_pool2d, toeplitz_indices, toeplitz_matrix)
from mllab.scratch.tensor import Tensor, op


# ---- activations (slope lambda, leak gamma and alpha as in reports 002/004)
def sigmoid(x: Tensor, slope: float = 1.0) -> Tensor:
    """1 / (1 + exp(-slope * x)), computed without overflow for any x."""
    z = x.data * slope if slope != 1.0 else x.data
    e = np.exp(-np.abs(z))  # in (0, 1]: never overflows
    s = np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
    return op(s, (x,), lambda g: (g * (slope * s * (1.0 - s)),))


def tanh(x: Tensor, slope: float = 1.0) -> Tensor:
    t = np.tanh(x.data * slope)
    return op(t, (x,), lambda g: (g * (slope * (1.0 - t * t)),))


def relu(x: Tensor) -> Tensor:
    positive = x.data > 0
    return op(np.maximum(x.data, 0), (x,), lambda g: (g * positive,))


def leaky_relu(x: Tensor, gamma: float = 0.01) -> Tensor:
    """max(gamma * x, x); the derivative at 0 is gamma (torch's convention)."""
    positive = x.data > 0
    return op(np.where(positive, x.data, x.data * gamma), (x,), lambda g: (np.where(positive, g, g * gamma),))


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    positive = x.data > 0
    e = np.exp(np.minimum(x.data, 0))  # exp only of the negative part: no overflow
    return op(np.where(positive, x.data, alpha * (e - 1)), (x,), lambda g: (np.where(positive, g, g * alpha * e),))


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    e = np.exp(x.data - x.data.max(axis=axis, keepdims=True))  # shift: exp <= 1
    s = e / e.sum(axis=axis, keepdims=True)
    return op(s, (x,), lambda g: (s * (g - (g * s).sum(axis=axis, keepdims=True)),))


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    shifted = x.data - x.data.max(axis=axis, keepdims=True)
    out = shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return op(out, (x,), lambda g: (g - np.exp(out) * g.sum(axis=axis, keepdims=True),))


# ---- affine
def linear(x: Tensor, w: Tensor, b: Tensor | None = None) -> Tensor:
    """x @ w.T + b (torch's linear) as one op: x (..., in), w (out, in), b (out,) -> (..., out)."""
    if x.ndim < 2 or x.shape[-1] != w.shape[1]:
        raise ValueError(f"linear: input must be (N, {w.shape[1]}) for weight {w.shape}; found {x.shape}")
    out = x.data @ w.data.T
    if b is not None:
        out += b.data  # in place: no second array
    def backward(g):
        g2, x2 = g.reshape(-1, g.shape[-1]), x.data.reshape(-1, x.shape[-1])  # (N, out), (N, in)
        return g @ w.data, g2.T @ x2, None if b is None else g2.sum(0)
    return op(out, (x, w) if b is None else (x, w, b), backward)


# ---- losses (mean over the batch, torch's default reduction)
def cross_entropy(logits: Tensor, labels: np.ndarray) -> Tensor:
    """Mean of -log softmax(logits)[label] over the rows of ``logits`` (N, K)."""
    n, rows, k = len(labels), np.arange(len(labels)), logits.shape[-1]
    if logits.ndim != 2 or labels.shape != (len(logits.data),) or labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"cross_entropy: expects logits (N, K) and N integer labels in [0, K); found logits "
                         f"{logits.shape} and labels {labels.shape} in [{labels.min()}, {labels.max()}]")
    logp = log_softmax(Tensor(logits.data)).data
    def backward(g):
        d = np.exp(logp)
        d[rows, labels] -= 1.0
        return (d * (g / n),)
    return op(np.asarray(-logp[rows, labels].mean(), dtype=logits.dtype), (logits,), backward)


def mse_loss(pred: Tensor, target) -> Tensor:
    diff = pred - target
    return (diff * diff).mean()


def l1_loss(pred: Tensor, target) -> Tensor:
    return (pred - target).abs().mean()


def binary_cross_entropy(p: Tensor, target: np.ndarray) -> Tensor:
    """BCE on probabilities; log is clamped at -100 and the gradient's denominator at 1e-12, as torch does."""
    pd, n = p.data, p.size
    with np.errstate(divide="ignore"):  # log(0) = -inf is clamped to -100 right away, as in torch
        loss = -(target * np.maximum(np.log(pd), -100) + (1 - target) * np.maximum(np.log1p(-pd), -100))
    return op(np.asarray(loss.mean(), dtype=p.dtype), (p,),
              lambda g: (g * (pd - target) / np.maximum(pd * (1 - pd), 1e-12) / n,))


def binary_cross_entropy_with_logits(z: Tensor, target: np.ndarray) -> Tensor:
    """BCE on logits: max(z, 0) - z t + log(1 + exp(-|z|)), stable for any z."""
    zd, n = z.data, z.size
    loss = np.maximum(zd, 0) - zd * target + np.log1p(np.exp(-np.abs(zd)))
    return op(np.asarray(loss.mean(), dtype=z.dtype), (z,),
              lambda g: (g * (sigmoid(Tensor(zd)).data - target) / n,))


# ---- regularization
def dropout(x: Tensor, p: float, rng: np.random.Generator) -> Tensor:
    """Zero each entry with probability ``p`` and scale the rest by 1/(1-p) (inverted dropout)."""
    if p == 0:
        return x
    mask = (rng.random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    return op(x.data * mask, (x,), lambda g: (g * mask,))
