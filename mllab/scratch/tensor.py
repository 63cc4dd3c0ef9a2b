"""Reverse-mode automatic differentiation over NumPy arrays (micrograd, on tensors).

Every op computes its output and, beside it, a closure mapping the output's
gradient to its parents' gradients, so the forward and the backward math of an
op read together. ``backward()`` walks the graph in reverse topological order
(an explicit stack: no recursion limit for deep graphs).

Gradients ACCUMULATE into ``.grad`` of leaf tensors (and of tensors marked with
``retain_grad()``) across ``backward()`` calls until ``zero_grad``: calling
backward twice on the same graph doubles the gradients, like torch with
``retain_graph=True``. Intermediate gradients live only during one backward.

The dtype follows the inputs: Python numbers and integer arrays become float64
(exact tests), float32 arrays stay float32 (fast training).

>>> x = Tensor([[1.0, 2.0]], requires_grad=True)
>>> y = (x * x).sum()
>>> y.backward(); x.grad
array([[2., 4.]])
>>> y.backward(); x.grad  # accumulated
array([[4., 8.]])
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Sequence

import numpy as np

_GRAD_ENABLED = True


@contextmanager
def no_grad():
    """Run ops without recording the graph (evaluation: less memory, no closures)."""
    global _GRAD_ENABLED
    previous, _GRAD_ENABLED = _GRAD_ENABLED, False
    try:
        yield
    finally:
        _GRAD_ENABLED = previous


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``."""
    if grad.shape == shape:
        return grad
    grad = grad.sum(axis=tuple(range(grad.ndim - len(shape)))) if grad.ndim > len(shape) else grad
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=stretched, keepdims=True) if stretched else grad


class Tensor:
    """An array, an optional gradient, and the op that made it."""

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_retain")
    __array_priority__ = 1000  # ndarray + Tensor -> Tensor.__radd__, not an object array

    def __init__(self, data, requires_grad: bool = False):
        data = np.asarray(data)
        self.data = data if data.dtype.kind == "f" else data.astype(np.float64)
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None
        self._retain = False

    shape = property(lambda self: self.data.shape)
    ndim = property(lambda self: self.data.ndim)
    dtype = property(lambda self: self.data.dtype)
    size = property(lambda self: self.data.size)

    def __repr__(self) -> str:
        return f"Tensor({self.data!r}, requires_grad={self.requires_grad})"

    def item(self) -> float:
        return float(self.data)

    def numpy(self) -> np.ndarray:
        return self.data

    def retain_grad(self) -> Tensor:
        """Keep (and accumulate) this non-leaf tensor's gradient, e.g. a layer's deltas."""
        self._retain = True
        return self

    def zero_grad(self) -> None:
        self.grad = None

    def backward(self, grad: np.ndarray | None = None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (seed 1 for a scalar)."""
        if grad is None:
            if self.size != 1:
                raise ValueError(f"backward() without grad needs a scalar output; found shape {self.shape}. "
                                 "Reduce it (.sum(), .mean()) or pass grad= of the same shape.")
            grad = np.ones_like(self.data)
        grads = {id(self): np.asarray(grad, dtype=self.dtype)}
        for node in reversed(_topological_order(self)):
            g = grads.pop(id(node), None)
            if g is None:
                continue
            if node._backward is None or node._retain:  # a leaf or a retained tensor
                g = g.astype(node.dtype, copy=False)  # a float64 constant must not turn float32 grads float64
                node.grad = g.copy(order="K") if node.grad is None else node.grad + g  # K: keep g's memory order
            if node._backward is not None:
                for parent, pg in zip(node._parents, node._backward(g)):
                    if pg is not None and parent.requires_grad:
                        key = id(parent)
                        grads[key] = pg if key not in grads else grads[key] + pg

    # ---- elementwise arithmetic (broadcasting; backward sums over broadcast axes)
    def __add__(self, other):
        other = lift(other, self)
        return op(self.data + other.data, (self, other),
                  lambda g: (unbroadcast(g, self.shape), unbroadcast(g, other.shape)))

    def __mul__(self, other):
        other = lift(other, self)
        return op(self.data * other.data, (self, other),
                  lambda g: (unbroadcast(g * other.data, self.shape), unbroadcast(g * self.data, other.shape)))

    def __truediv__(self, other):
        other = lift(other, self)
        return op(self.data / other.data, (self, other),
                  lambda g: (unbroadcast(g / other.data, self.shape),
                             unbroadcast(-g * self.data / other.data**2, other.shape)))

    def __pow__(self, k: float):
        if isinstance(k, Tensor):
            raise TypeError("Tensor ** Tensor is not supported; use exp(k * log(x)) for a tensor exponent")
        return op(self.data**k, (self,), lambda g: (g * k * self.data ** (k - 1),))

    def __neg__(self):
        return op(-self.data, (self,), lambda g: (-g,))

    def __sub__(self, other):
        return self + (-lift(other, self))

    __radd__, __rmul__ = __add__, __mul__

    def __rsub__(self, other):
        return lift(other, self) - self

    def __rtruediv__(self, other):
        return lift(other, self) / self

    def __matmul__(self, other):
        other = lift(other, self)
        if self.ndim < 2 or other.ndim < 2:
            raise ValueError(f"matmul needs tensors of >= 2 dims; found shapes {self.shape} and {other.shape}. "
                             "Reshape vectors to (1, n) or (n, 1).")
        a, b = self.data, other.data
        return op(a @ b, (self, other), lambda g: (unbroadcast(g @ b.swapaxes(-1, -2), self.shape),
                                                   unbroadcast(a.swapaxes(-1, -2) @ g, other.shape)))

    # ---- reductions and shape ops
    def sum(self, axis=None, keepdims: bool = False):
        def backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, self.shape),)
        return op(self.data.sum(axis=axis, keepdims=keepdims), (self,), backward)

    def mean(self, axis=None, keepdims: bool = False):
        axes = range(self.ndim) if axis is None else np.atleast_1d(axis)
        count = int(np.prod([self.shape[a] for a in axes]))
        return self.sum(axis, keepdims) * (1.0 / count)

    def reshape(self, *shape):
        shape = shape[0] if len(shape) == 1 and isinstance(shape[0], (tuple, list)) else shape
        return op(self.data.reshape(shape), (self,), lambda g: (g.reshape(self.shape),))

    def transpose(self, *axes):
        axes = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else axes or None
        inverse = None if axes is None else tuple(np.argsort(axes))
        return op(self.data.transpose(axes), (self,), lambda g: (g.transpose(inverse),))

    T = property(lambda self: self.transpose())

    def __getitem__(self, index):
        def backward(g):
            full = np.zeros_like(self.data)
            np.add.at(full, index, g)  # repeated indices add up, as in torch
            return (full,)
        return op(self.data[index], (self,), backward)

    # ---- elementwise functions
    def exp(self):
        with np.errstate(over="ignore"):  # inf is reported by the non-finite check, not a warning
            out = np.exp(self.data)
        return op(out, (self,), lambda g: (g * out,))

    def log(self):
        return op(np.log(self.data), (self,), lambda g: (g / self.data,))

    def abs(self):
        return op(np.abs(self.data), (self,), lambda g: (g * np.sign(self.data),))


def lift(x, like: Tensor) -> Tensor:
    """A Tensor for ``x``; Python numbers take ``like``'s dtype so float32 stays float32."""
    if isinstance(x, Tensor):
        return x
    return Tensor(np.asarray(x, dtype=like.dtype) if np.isscalar(x) else x)


def op(data: np.ndarray, parents: Sequence[Tensor], backward: Callable) -> Tensor:
    """The output of an op; records ``parents`` and ``backward`` only when a gradient is needed.

    ``backward(g)`` returns one gradient (or None) per parent, each of the parent's shape.
    """
    out = Tensor.__new__(Tensor)
    out.data, out.grad, out._retain = data, None, False
    out.requires_grad = _GRAD_ENABLED and any(p.requires_grad for p in parents)
    out._parents = tuple(parents) if out.requires_grad else ()
    out._backward = backward if out.requires_grad else None
    return out


def _topological_order(root: Tensor) -> list[Tensor]:
    """Parents before children; iterative depth-first search (deep graphs are fine)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in node._parents if id(p) not in seen)
    return order
