"""Fused ops with hand-written backward: activations, softmax, losses, convolution, pooling.

Each function computes its forward result and the closure of its backward next to
it (see :mod:`mllab.scratch.tensor`). Convolution is im2col (windows taken as a
strided view of channel-major planes, copied once) and one matrix product per
layer for the whole batch; its backward adds columns back with a loop over kernel
offsets, never over samples. Pooling loops over kernel offsets the same way.
Arrays keep the memory order the ops hand them (a conv output is channel-major)
instead of being transposed back. The Toeplitz-matrix convolution of report 004
is here too, as an alternative with the same results.

>>> import numpy as np
>>> from mllab.scratch.tensor import Tensor
>>> x = Tensor(np.ones((1, 1, 4, 4)), requires_grad=True)
>>> w = Tensor(np.ones((2, 1, 3, 3)), requires_grad=True)
>>> conv2d(x, w, padding=1).shape
(1, 2, 4, 4)
"""

from __future__ import annotations

from typing import NamedTuple

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


# ---- im2col / col2im: the shared machinery of convolution
# Images live channel-major as "planes" (C, N, L): plane (c, n) is the zero-padded image flattened row by
# row (Hp*Wp) plus kw-1 slack entries. Window offset (i, j) is then one flat shift i*Wp + j of the plane.
# With stride 1 an output row is computed Wp wide ("pitch"; the last kw-1 entries are junk, dropped), so a
# window's rows are one contiguous run: im2col copies long runs, col2im adds them, and the matrices
# (C*kh*kw, N*OH*pitch) go to BLAS whole, one product per layer, never a loop over samples. Without a
# col2im to follow, rows are OW wide (pitch OW): no wasted multiply-adds.
class _Geometry(NamedTuple):
    n: int
    c: int
    h: int
    w: int
    kh: int
    kw: int
    stride: int
    padding: int
    hp: int
    wp: int
    oh: int
    ow: int
    pitch: int  # output row length in the matrices: Wp (wide) or OW
    length: int  # one plane: Hp*Wp and kw-1 slack entries for the last row's junk


def _geometry(x_shape: tuple, w_shape: tuple, stride: int, padding: int, wide: bool) -> _Geometry:
    """Wide rows cost (kw-1)/Wp more multiply-adds: worth it where a col2im follows (an input gradient)."""
    (n, c, h, w), (kh, kw) = x_shape, w_shape[2:]
    hp, wp = h + 2 * padding, w + 2 * padding
    oh, ow = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    pitch = wp if wide and stride == 1 else ow
    return _Geometry(n, c, h, w, kh, kw, stride, padding, hp, wp, oh, ow, pitch, hp * wp + kw - 1)


def _strided(planes: np.ndarray, offset: int, shape: tuple, strides: tuple) -> np.ndarray:
    """A view of ``planes`` (C, N, L) from flat position ``offset`` of every plane; strides in items."""
    return as_strided(planes[:, :, offset:], shape, tuple(s * planes.itemsize for s in strides))


def _interior(planes: np.ndarray, g: _Geometry) -> np.ndarray:
    """The unpadded images inside ``planes``, as a (C, N, H, W) view."""
    return _strided(planes, g.padding * (g.wp + 1), (g.c, g.n, g.h, g.w), (g.n * g.length, g.length, g.wp, 1))


def _window_view(planes: np.ndarray, g: _Geometry, i: int, j: int) -> np.ndarray:
    """Offset (i, j) of every window, (C, N, OH, pitch): a view of ``planes`` (writeable, for col2im)."""
    return _strided(planes, i * g.wp + j, (g.c, g.n, g.oh, g.pitch), (g.n * g.length, g.length,
                                                                      g.stride * g.wp, g.stride))


def _im2col(x: np.ndarray, g: _Geometry) -> np.ndarray:
    """(N, C, H, W) -> (C*kh*kw, N*OH*pitch): one column per output position, one row per weight."""
    planes = np.zeros((g.c, g.n, g.length), x.dtype)
    _interior(planes, g)[...] = x.transpose(1, 0, 2, 3)  # padding and slack stay 0
    windows = _strided(planes, 0, (g.c, g.kh, g.kw, g.n, g.oh, g.pitch),
                       (g.n * g.length, g.wp, 1, g.length, g.stride * g.wp, g.stride))
    return windows.reshape(g.c * g.kh * g.kw, -1)  # the one copy: runs of OH*Wp for stride 1


def _col2im(cols: np.ndarray, g: _Geometry) -> np.ndarray:
    """Adjoint of ``_im2col`` (junk columns of ``cols`` must be 0): a (N, C, H, W) view."""
    cols = cols.reshape(g.c, g.kh, g.kw, g.n, g.oh, g.pitch)
    planes = np.zeros((g.c, g.n, g.length), cols.dtype)
    for i in range(g.kh):  # a loop over kernel offsets only (<= 49), never over samples
        for j in range(g.kw):
            _window_view(planes, g, i, j)[...] += cols[:, i, j]
    return _interior(planes, g).transpose(1, 0, 2, 3)


def _transposed(rows: np.ndarray, w: np.ndarray, g: _Geometry) -> np.ndarray:
    """``col2im(w^T @ rows)``: conv2d's input gradient, conv_transpose2d's output; (N, C, H, W) view.

    ``rows`` (F, N*OH*pitch), ``w`` (F, C, kh, kw). With wide rows (stride 1), window column j is a shift
    of j entries along the rows: one product per kernel column is added in shifted, then one shifted add per
    kernel row onto the planes; 2*kw + kh passes over small arrays instead of kh*kw over a kh*kw times
    larger one (the junk columns of ``rows`` are 0, so nothing leaks across rows).
    """
    if g.pitch != g.wp:
        return _col2im(w.reshape(len(w), -1).T @ rows, g)
    m = rows.shape[1]
    acc = np.zeros((g.c * g.kh, m + g.kw - 1), rows.dtype)  # (C*kh, N*OH*Wp) + slack
    for j in range(g.kw):
        acc[:, j:j + m] += w[:, :, :, j].reshape(len(w), -1).T @ rows
    acc = acc[:, :m].reshape(g.c, g.kh, g.n, g.oh * g.wp)
    planes = np.zeros((g.c, g.n, g.length), rows.dtype)
    for i in range(g.kh):
        _strided(planes, i * g.wp, (g.c, g.n, g.oh * g.wp), (g.n * g.length, g.length, 1))[...] += acc[:, i]
    return _interior(planes, g).transpose(1, 0, 2, 3)


def _rows(a: np.ndarray, g: _Geometry) -> np.ndarray:
    """Per-channel output maps (N, F, OH, OW) -> (F, N*OH*pitch), the layout of ``w @ cols``; junk columns 0."""
    if g.pitch == g.ow:  # no junk: a view when ``a`` is already channel-major (a conv output's gradient)
        return np.ascontiguousarray(a.transpose(1, 0, 2, 3)).reshape(a.shape[1], -1)
    rows = np.empty((a.shape[1], g.n, g.oh, g.pitch), a.dtype)
    rows[..., :g.ow] = a.transpose(1, 0, 2, 3)
    rows[..., g.ow:] = 0
    return rows.reshape(len(rows), -1)


def _unrows(rows: np.ndarray, g: _Geometry) -> np.ndarray:
    """Inverse of ``_rows``: (F, N*OH*pitch) -> (F, N, OH, OW), a view without junk or a contiguous copy."""
    maps = rows.reshape(len(rows), g.n, g.oh, g.pitch)
    return maps if g.pitch == g.ow else np.ascontiguousarray(maps[..., :g.ow])


def _check_conv(x: Tensor, w: Tensor, channel_axis: int, what: str) -> None:
    if x.ndim != 4 or x.shape[1] != w.shape[channel_axis]:
        raise ValueError(f"{what}: input must be (N, {w.shape[channel_axis]}, H, W) for weight {w.shape}; "
                         f"found {x.shape}")


def conv2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """Cross-correlation (torch's conv2d): x (N, C, H, W), w (F, C, kh, kw), b (F,) -> (N, F, OH, OW).

    The output is channel-major in memory (a transposed view: no copy); the next layers take any memory
    order, and its values and shape are torch's.
    """
    _check_conv(x, w, 1, "conv2d")
    g = _geometry(x.shape, w.shape, stride, padding, wide=x.requires_grad)
    cols = _im2col(x.data, g)  # (C*kh*kw, N*OH*pitch)
    wmat = w.data.reshape(len(w.data), -1)  # (F, C*kh*kw)
    out = _unrows(wmat @ cols, g)  # (F, N, OH, OW)
    if b is not None:
        out += b.data[:, None, None, None]
    def backward(grad):
        rows = _rows(grad, g)  # (F, N*OH*pitch)
        dx = _transposed(rows, w.data, g) if x.requires_grad else None
        return dx, (rows @ cols.T).reshape(w.shape), None if b is None else rows.sum(1)
    return op(out.transpose(1, 0, 2, 3), (x, w) if b is None else (x, w, b), backward)


def conv_transpose2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0,
                     output_padding: int = 0) -> Tensor:
    """The adjoint of conv2d (torch's conv_transpose2d): x (N, Cin, H, W), w (Cin, Cout, kh, kw).

    Its forward is conv2d's input gradient and its input gradient conv2d's forward, over the geometry of
    the conv2d that maps the (N, Cout, Hout, Wout) output back to x.
    """
    _check_conv(x, w, 0, "conv_transpose2d")
    if not 0 <= output_padding < stride:
        raise ValueError(f"conv_transpose2d: output_padding must be in [0, stride={stride}); "
                         f"found {output_padding}")
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    size = lambda d, k: (d - 1) * stride - 2 * padding + k + output_padding  # noqa: E731
    g = _geometry((n, cout, size(h, kh), size(wd, kw)), w.shape, stride, padding, wide=True)
    wmat = w.data.reshape(cin, -1)  # (Cin, Cout*kh*kw)
    rows = _rows(x.data, g)  # (Cin, N*H*pitch)
    out = _transposed(rows, w.data, g)  # (N, Cout, Hout, Wout)
    out = np.ascontiguousarray(out) if b is None else out + b.data[:, None, None]
    def backward(grad):
        cols = _im2col(grad, g)  # (Cout*kh*kw, N*H*pitch)
        dx = _unrows(wmat @ cols, g).transpose(1, 0, 2, 3)
        return dx, (rows @ cols.T).reshape(w.shape), None if b is None else grad.sum((0, 2, 3))
    return op(out, (x, w) if b is None else (x, w, b), backward)


def _pad(x: np.ndarray, p: int, value: float = 0.0) -> np.ndarray:
    return x if p == 0 else np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=value)


def _crop(a: np.ndarray, p: int) -> np.ndarray:
    return a if p == 0 else a[:, :, p:-p, p:-p]


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


def _in_order_of(a: np.ndarray, like: np.ndarray) -> np.ndarray:
    """``a`` laid out in memory as ``like`` (same shape); a copy only where their orders differ."""
    if a.strides == like.strides:
        return a
    out = np.empty_like(like)
    out[...] = a
    return out


def max_pool2d(x: Tensor, kernel: int, stride: int | None = None, padding: int = 0) -> Tensor:
    """Max over each window; the gradient goes to the first maximum in row-major order, as in torch.

    Every array keeps the input's memory order (ufuncs' order "K"): no transposing copies.
    """
    stride = stride or kernel
    xp = _pad(x.data, padding, -np.inf)
    views = [xp[:, :, rows, cols] for rows, cols in _offset_views(xp, kernel, stride)]  # each (N, C, OH, OW)
    out = np.maximum(views[0], views[1]) if len(views) > 1 else views[0].copy(order="K")
    for v in views[2:]:
        np.maximum(out, v, out=out)
    tiled = stride == kernel and xp.shape[2] % kernel == 0 and xp.shape[3] % kernel == 0  # windows cover xp once
    def backward(g):
        g = _in_order_of(g, out)  # e.g. after Flatten: each pass below then walks both in the same order
        dxp = np.empty_like(xp) if tiled else np.zeros_like(xp)
        free = None  # the windows whose maximum is not yet claimed (None: all of them)
        for k, (v, (rows, cols)) in enumerate(zip(views, _offset_views(xp, kernel, stride))):
            first = v == out
            if free is not None:
                first &= free
            if k < len(views) - 1:
                free = ~first if free is None else np.logical_xor(free, first, out=free)
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
