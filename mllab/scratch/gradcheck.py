"""Central-difference gradient check, in float64, for any function of tensors or any layer.

The output is projected on a fixed random direction ``v`` (scalar ``sum(out * v)``),
so every output entry takes part and one backward gives the whole gradient. Each
input entry is then moved by +-eps and the numeric slope compared with backprop.

Relative error: ``|analytic - numeric| / max(|analytic|, |numeric|, floor)``; the
floor (default 1e-3) makes tiny gradients compare absolutely, where the
difference quotient's own round-off (~1e-10) would otherwise dominate.

>>> import numpy as np
>>> report = gradcheck(lambda x: (x * x).sum(), [np.arange(3.0)])
>>> report.ok, report.worst < 1e-6
(True, True)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from mllab.scratch.tensor import Tensor


@dataclass
class GradcheckReport:
    ok: bool
    worst: float  # worst relative error over all checked entries
    where: str  # "input 1 (weight) at index (0, 2)"
    analytic: float
    numeric: float
    checked: int
    tolerance: float

    def __str__(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (f"gradcheck {verdict}: worst relative error {self.worst:.2e} (tolerance {self.tolerance:.0e}) "
                f"at {self.where}: analytic {self.analytic:.8g} vs numeric {self.numeric:.8g}; "
                f"{self.checked} entries checked")


def gradcheck(fn: Callable[..., Tensor], inputs: Sequence[np.ndarray], *, names: Sequence[str] | None = None,
              eps: float = 1e-6, tol: float = 1e-5, floor: float = 1e-3, seed: int = 0) -> GradcheckReport:
    """Compare backprop through ``fn(*tensors)`` with central differences for every entry of every input."""
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    names = list(names or [f"input {i}" for i in range(len(arrays))])
    tensors = [Tensor(a, requires_grad=True) for a in arrays]  # share memory with ``arrays``
    out = fn(*tensors)
    v = np.random.default_rng(seed).standard_normal(out.shape)
    (out * v).sum().backward()

    def projected() -> float:
        return float((fn(*[Tensor(a) for a in arrays]).data * v).sum())

    worst = (-1.0, "nowhere", 0.0, 0.0)
    for name, a, t in zip(names, arrays, tensors):
        analytic = t.grad if t.grad is not None else np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            saved = a[idx]
            a[idx] = saved + eps
            up = projected()
            a[idx] = saved - eps
            down = projected()
            a[idx] = saved
            num, ana = (up - down) / (2 * eps), float(analytic[idx])
            err = abs(ana - num) / max(abs(ana), abs(num), floor)
            if err > worst[0]:
                worst = (err, f"{name} at index {idx}", ana, num)
    checked = sum(a.size for a in arrays)
    return GradcheckReport(worst[0] <= tol, max(worst[0], 0.0), worst[1], worst[2], worst[3], checked, tol)


def gradcheck_module(module, x: np.ndarray, **kwargs) -> GradcheckReport:
    """Gradcheck a layer with respect to its input and every parameter (the layer is cast to float64)."""
    module.astype(np.float64)
    named = list(module.named_parameters())

    def run(xt: Tensor, *params: Tensor) -> Tensor:
        saved = [p for _, p in named]
        _swap(module, named, params)
        try:
            return module(xt)
        finally:
            _swap(module, named, saved)

    return gradcheck(run, [x] + [p.data for _, p in named], names=["input"] + [n for n, _ in named], **kwargs)


def _swap(module, named, tensors) -> None:
    """Point the module's parameter attributes at ``tensors`` (so gradients flow to them)."""
    owners = dict(module.named_modules())
    for (name, _), t in zip(named, tensors):
        prefix, _, attr = name.rpartition(".")
        setattr(owners[prefix], attr, t)
