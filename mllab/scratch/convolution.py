"""Convolution and pooling with hand-written backward (batch-last im2col; report 004's Toeplitz form).

Convolution is im2col (windows taken as a strided view of the batch laid out batch-last, copied once) and one
matrix product per layer for the whole batch; its backward adds columns back with a loop over kernel offsets,
never over samples. Pooling loops over kernel offsets the same way. Arrays keep the memory order the ops hand
them (a conv output is batch-last) instead of being transposed back. The Toeplitz-matrix convolution of report
004 is here too, as an alternative with the same results. :mod:`mllab.scratch.functional` re-exports these ops
beside the activations and losses, as ``torch.nn.functional`` does.

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

from mllab.scratch import workspace
from mllab.scratch.tensor import Tensor, op


# ---- im2col / col2im: the shared machinery of convolution
# Convolutions work batch-last: a batch of images is laid out in memory as (C, H, W, N), the samples of one
# pixel side by side. Offset (i, j) of every window of every sample is then a plain slice of the padded batch
# whose rows are runs of OW*N contiguous numbers: im2col copies long runs, col2im adds them, and the matrices
# (C*kh*kw, OH*OW*N) go to BLAS whole, one product per layer, never a loop over samples. A conv output is
# handed on as a (N, F, OH, OW) view of that memory; activations and pooling keep the memory order they get.
def _batch_last(x: np.ndarray, p: int) -> np.ndarray:
    """(N, C, H, W) -> the zero-padded (C, H+2p, W+2p, N) array; no copy when ``x`` is batch-last already."""
    xt = x.transpose(1, 2, 3, 0)
    if p == 0 and xt.flags.c_contiguous:
        return xt
    n, c, h, w = x.shape
    xp = workspace.zeros("padded", (c, h + 2 * p, w + 2 * p, n), x.dtype)
    xp[:, p:p + h, p:p + w] = xt
    return xp


def _im2col(xp: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """(C, Hp, Wp, N) -> (C*kh*kw, OH*OW*N): one row per weight, one column per (window, sample)."""
    c, hp, wp, n = xp.shape
    sc, sh, sw, sn = xp.strides
    oh, ow = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    windows = as_strided(xp, (c, kh, kw, oh, ow, n), (sc, sh, sw, sh * stride, sw * stride, sn), writeable=False)
    cols = workspace.empty("cols", (c * kh * kw, oh * ow * n), xp.dtype)
    cols.reshape(windows.shape)[...] = windows  # the one copy
    return cols


def _col2im(cols: np.ndarray, padded: tuple, kh: int, kw: int, stride: int, p: int) -> np.ndarray:
    """Adjoint of ``_im2col``: add the columns back onto a zero (C, Hp, Wp, N) batch, crop the padding;
    returns a (N, C, H, W) view."""
    c, hp, wp, n = padded
    oh, ow = (hp - kh) // stride + 1, (wp - kw) // stride + 1
    cols = cols.reshape(c, kh, kw, oh, ow, n)
    xp = workspace.zeros("canvas", padded, cols.dtype)
    for i in range(kh):  # a loop over kernel offsets only (<= 49), never over samples
        for j in range(kw):
            xp[:, i:i + stride * (oh - 1) + 1:stride, j:j + stride * (ow - 1) + 1:stride] += cols[:, i, j]
    return xp[:, p:hp - p, p:wp - p].transpose(3, 0, 1, 2)


def _matmul(name: str, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (2-D) into a work array reused across steps (see :mod:`mllab.scratch.workspace`)."""
    return np.matmul(a, b, out=workspace.empty(name, (len(a), b.shape[1]), np.result_type(a, b)))


def _rows(a: np.ndarray) -> np.ndarray:
    """(N, F, OH, OW) -> (F, OH*OW*N), the layout of ``w @ cols``; a view when ``a`` is batch-last already."""
    return np.ascontiguousarray(a.transpose(1, 2, 3, 0)).reshape(a.shape[1], -1)


def _check_conv(x: Tensor, w: Tensor, channel_axis: int, what: str) -> None:
    if x.ndim != 4 or x.shape[1] != w.shape[channel_axis]:
        raise ValueError(f"{what}: input must be (N, {w.shape[channel_axis]}, H, W) for weight {w.shape}; "
                         f"found {x.shape}")


def conv2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0) -> Tensor:
    """Cross-correlation (torch's conv2d): x (N, C, H, W), w (F, C, kh, kw), b (F,) -> (N, F, OH, OW).

    The output is batch-last in memory (a transposed view of the product, no copy); values and shape are
    torch's.
    """
    _check_conv(x, w, 1, "conv2d")
    f, _, kh, kw = w.shape
    xp = _batch_last(x.data, padding)  # (C, Hp, Wp, N)
    cols = _im2col(xp, kh, kw, stride)  # (C*kh*kw, OH*OW*N)
    wmat = w.data.reshape(f, -1)  # (F, C*kh*kw)
    out = _matmul("conv out", wmat, cols)  # (F, OH*OW*N)
    if b is not None:
        out += b.data[:, None]
    oh, ow = (xp.shape[1] - kh) // stride + 1, (xp.shape[2] - kw) // stride + 1
    def backward(g):
        rows = _rows(g)  # (F, OH*OW*N)
        dx = None
        if x.requires_grad:
            dx = _col2im(_matmul("dcols", wmat.T, rows), xp.shape, kh, kw, stride, padding)  # (N, C, H, W)
        return dx, (rows @ cols.T).reshape(w.shape), None if b is None else rows.sum(1)
    return op(out.reshape(f, oh, ow, -1).transpose(3, 0, 1, 2), (x, w) if b is None else (x, w, b), backward)


def conv_transpose2d(x: Tensor, w: Tensor, b: Tensor | None = None, stride: int = 1, padding: int = 0,
                     output_padding: int = 0) -> Tensor:
    """The adjoint of conv2d (torch's conv_transpose2d): x (N, Cin, H, W), w (Cin, Cout, kh, kw).

    Its forward is conv2d's col2im and its input gradient conv2d's forward, over the padded output canvas.
    """
    _check_conv(x, w, 0, "conv_transpose2d")
    if not 0 <= output_padding < stride:
        raise ValueError(f"conv_transpose2d: output_padding must be in [0, stride={stride}); "
                         f"found {output_padding}")
    n, cin, h, wd = x.shape
    _, cout, kh, kw = w.shape
    canvas = (cout, (h - 1) * stride + kh + output_padding, (wd - 1) * stride + kw + output_padding, n)
    wmat = w.data.reshape(cin, -1)  # (Cin, Cout*kh*kw)
    rows = _rows(x.data)  # (Cin, H*W*N)
    out = _col2im(wmat.T @ rows, canvas, kh, kw, stride, padding)  # (N, Cout, Hout, Wout)
    out = np.ascontiguousarray(out) if b is None else out + b.data[:, None, None]
    def backward(g):
        cols = _im2col(_batch_last(g, padding), kh, kw, stride)  # (Cout*kh*kw, H*W*N)
        dx = (wmat @ cols).reshape(cin, h, wd, n).transpose(3, 0, 1, 2)
        return dx, (rows @ cols.T).reshape(w.shape), None if b is None else g.sum((0, 2, 3))
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
