"""Fused ops with hand-written backward: activations, softmax, losses, convolution, pooling.

Each function computes its forward result and the closure of its backward next to
it (see :mod:`mllab.scratch.tensor`). Convolution is im2col (windows taken as a
strided view, copied once) and one batched matrix product; its backward adds
columns back with a loop over kernel offsets, never over samples. Pooling loops
over kernel offsets the same way. The Toeplitz-matrix convolution of report 004
is here too, as an alternative with the same results.

>>> import numpy as np
>>> from mllab.scratch.tensor import Tensor
>>> x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
>>> w = Tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
>>> conv2d(x, w, padding=1).shape
(1, 2, 4, 4)
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

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


# ---- im2col / col2im: the shared machinery of convolution
def _pad(x: np.ndarray, p: int, value: float = 0.0) -> np.ndarray:
    return x if p == 0 else np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)


def _crop(a: np.ndarray, p: int) -> np.ndarray:
    return a if p == 0 else a[:, :, p:-p, p:-p]


def _im2col(xp: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """(N, C, H, W) -> (N, C*kh*kw, OH*OW): one column per window position.

    The windows are a strided view; the one copy reads rows of the image in order
    (the last axis is OW), and per-sample columns make ``w @ cols`` land in NCHW.
    """
    n, c, h, w = xp.shape
    sn, sc, sh, sw = xp.strides
    oh, ow = (h - kh) // stride + 1, (w - kw) // stride + 1
    win = as_strided(xp, (n, c, kh, kw, oh, ow), (sn, sc, sh, sw, sh * stride, sw * stride), writeable=False)
    return win.reshape(n, c * kh * kw, oh * ow)


def _col2im(cols: np.ndarray, padded_shape: tuple, stride: int, p: int) -> np.ndarray:
    """Adjoint of ``_im2col``: add columns (N, C, kh, kw, OH, OW) back onto the image, then crop the padding."""
    _, _, kh, kw, oh, ow = cols.shape
    out = np.zeros(padded_shape, cols.dtype)
    for i in range(kh):  # a loop over kernel offsets only (<= 49), never over samples
        for j in range(kw):
            out[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride] += cols[:, :, i, j]
    return _crop(out, p)


def _check_conv(x: Tensor, w: Tensor, channel_axis: int, what: str) -> None:
    if x.ndim != 4 or x.shape[1] != w.shape[channel_axis]:
        raise ValueError(f"{what}: input must be (N, {w.shape[channel_axis]}, H, W) for weight {w.shape}; "
                         f"found {x.shape}")


def conv2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """Cross-correlation (torch's conv2d): x (N, C, H, W), w (F, C, kh, kw), b (F,) -> (N, F, OH, OW)."""
    _check_conv(x, w, 1, "conv2d")
    f, c, kh, kw = w.shape
    xp = _pad(x.data, padding)
    cols = _im2col(xp, kh, kw, stride)  # (N, C*kh*kw, OH*OW)
    n, oh, ow = len(xp), (xp.shape[2] - kh) // stride + 1, (xp.shape[3] - kw) // stride + 1
    wmat = w.data.reshape(f, -1)  # (F, C*kh*kw)
    out = wmat @ cols  # (N, F, OH*OW): one small matrix product per sample
    if b is not None:
        out += b.data[:, None]
    def backward(g):
        # matmul runs BLAS only on row-major operands: transpose the small arrays, never the columns
        g3 = g.reshape(n, f, oh * ow)
        dw = (cols @ np.ascontiguousarray(g3.transpose(0, 2, 1))).sum(0).T.reshape(w.shape)  # sum_n cols g^T
        dx = None
        if x.requires_grad:
            dcols = np.ascontiguousarray(wmat.T) @ g3  # (N, C*kh*kw, OH*OW)
            dx = _col2im(dcols.reshape(n, c, kh, kw, oh, ow), xp.shape, stride, padding)
        return dx, dw, None if b is None else g3.sum((0, 2))
    return op(out.reshape(n, f, oh, ow), (x, w) if b is None else (x, w, b), backward)


def conv_transpose2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0,
                     output_padding: int = 0) -> Tensor:
    """The adjoint of conv2d (torch's conv_transpose2d): x (N, Cin, H, W), w (Cin, Cout, kh, kw)."""
    _check_conv(x, w, 0, "conv_transpose2d")
    cin, cout, kh, kw = w.shape
    n, _, h, wd = x.shape
    canvas = (n, cout, (h - 1) * stride + kh + output_padding, (wd - 1) * stride + kw + output_padding)
    x3 = x.data.reshape(n, cin, h * wd)
    wmat = w.data.reshape(cin, -1)  # (Cin, Cout*kh*kw)
    out = _col2im((np.ascontiguousarray(wmat.T) @ x3).reshape(n, cout, kh, kw, h, wd), canvas, stride, padding)
    if b is not None:
        out = out + b.data[:, None, None]
    def backward(g):
        gc = np.zeros(canvas, g.dtype)
        gc[:, :, padding:padding + g.shape[2], padding:padding + g.shape[3]] = g
        gcols = _im2col(gc, kh, kw, stride)  # (N, Cout*kh*kw, H*W)
        dw = (gcols @ np.ascontiguousarray(x3.transpose(0, 2, 1))).sum(0).T.reshape(w.shape)  # row-major operands
        return (wmat @ gcols).reshape(x.shape), dw, None if b is None else g.sum((0, 2, 3))
    return op(np.ascontiguousarray(out), (x, w) if b is None else (x, w, b), backward)


def toeplitz_indices(in_shape: tuple, w_shape: tuple, stride: int = 1, padding: int = 0):
    """Row, column and weight index of each non-zero of the convolution matrix of report 004.

    The matrix maps the flattened padded input (C*Hp*Wp) to the flattened output
    (F*OH*OW); entry (row, col) holds weight ``w.ravel()[widx]``.
    """
    c, h, w = in_shape
    f, _, kh, kw = w_shape
    hp, wp = h + 2 * padding, w + 2 * padding
    oh, ow = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    F, Y, X, C, I, J = np.ix_(range(f), range(oh), range(ow), range(c), range(kh), range(kw))
    shape = (f, oh, ow, c, kh, kw)
    rows = np.broadcast_to((F * oh + Y) * ow + X, shape).ravel()
    cols = np.broadcast_to((C * hp + Y * stride + I) * wp + X * stride + J, shape).ravel()
    widx = np.broadcast_to(((F * c + C) * kh + I) * kw + J, shape).ravel()
    return rows, cols, widx, (f * oh * ow, c * hp * wp), (f, oh, ow)


def toeplitz_matrix(w: np.ndarray, in_shape: tuple, stride: int = 1, padding: int = 0) -> np.ndarray:
    """The dense (F*OH*OW, C*Hp*Wp) matrix T with conv2d(x) == T @ pad(x).ravel() for one sample."""
    rows, cols, widx, shape, _ = toeplitz_indices(in_shape, w.shape, stride, padding)
    t = np.zeros(shape, w.dtype)
    t[rows, cols] = w.ravel()[widx]  # each weight appears once per output position it touches
    return t


def conv2d_toeplitz(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """conv2d as one product with the Toeplitz matrix (report 004); same result as :func:`conv2d`."""
    _check_conv(x, w, 1, "conv2d_toeplitz")
    rows, cols, widx, _, out_shape = toeplitz_indices(x.shape[1:], w.shape, stride, padding)
    t = toeplitz_matrix(w.data, x.shape[1:], stride, padding)  # (F*OH*OW, C*Hp*Wp)
    xp = _pad(x.data, padding)
    xf = xp.reshape(len(xp), -1)  # (N, C*Hp*Wp)
    out = (xf @ t.T).reshape(len(xp), *out_shape)
    if b is not None:
        out = out + b.data[:, None, None]
    def backward(g):
        g2 = g.reshape(len(g), -1)  # (N, F*OH*OW)
        dx = _crop((g2 @ t).reshape(xp.shape), padding)
        dt = g2.T @ xf  # gradient of every matrix entry; each weight sums its copies
        dw = np.bincount(widx, weights=dt[rows, cols], minlength=w.size).reshape(w.shape).astype(w.dtype)
        return dx, dw, None if b is None else g.sum((0, 2, 3))
    return op(out, (x, w) if b is None else (x, w, b), backward)


# ---- pooling: a loop over the kernel's offsets, each a strided view of the whole batch
def _offset_views(xp: np.ndarray, kernel: int, stride: int):
    """Yield (rows, cols) slices so that ``xp[:, :, rows, cols]`` is offset (i, j) of every window."""
    oh, ow = (xp.shape[2] - kernel) // stride + 1, (xp.shape[3] - kernel) // stride + 1
    for i in range(kernel):
        for j in range(kernel):
            yield slice(i, i + stride * (oh - 1) + 1, stride), slice(j, j + stride * (ow - 1) + 1, stride)


def max_pool2d(x: Tensor, kernel: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """Max over each window; the gradient goes to the first maximum in row-major order, as in torch."""
    stride = stride or kernel
    xp = _pad(x.data, padding, -np.inf)
    offsets = list(_offset_views(xp, kernel, stride))
    out = xp[:, :, offsets[0][0], offsets[0][1]].copy()
    for rows, cols in offsets[1:]:
        np.maximum(out, xp[:, :, rows, cols], out=out)
    def backward(g):
        dxp, free = np.zeros_like(xp), np.ones(out.shape, bool)  # free: window's maximum not yet claimed
        for rows, cols in offsets:
            first = xp[:, :, rows, cols] == out
            first &= free
            free ^= first
            if stride >= kernel:  # windows do not overlap: each entry is written once
                np.multiply(g, first, out=dxp[:, :, rows, cols])
            else:
                dxp[:, :, rows, cols] += g * first
        return (_crop(dxp, padding),)
    return op(out, (x,), backward)


def avg_pool2d(x: Tensor, kernel: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """Mean over each window, zero padding counted (torch's count_include_pad=True)."""
    stride = stride or kernel
    xp = _pad(x.data, padding)
    offsets = list(_offset_views(xp, kernel, stride))
    out = sum(xp[:, :, rows, cols] for rows, cols in offsets) * x.dtype.type(1.0 / kernel**2)
    def backward(g):
        dxp, share = np.zeros_like(xp), g * x.dtype.type(1.0 / kernel**2)
        for rows, cols in offsets:
            dxp[:, :, rows, cols] += share
        return (_crop(dxp, padding),)
    return op(out, (x,), backward)
