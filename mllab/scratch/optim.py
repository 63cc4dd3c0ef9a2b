"""SGD (momentum, Nesterov, weight decay) and Adam with torch's exact update rules.

Same formulas, same order of operations as ``torch.optim.SGD`` / ``torch.optim.Adam``
(L2 weight decay added to the gradient), so a scratch network and a torch network
started from the same weights follow the same trajectory.

>>> import numpy as np
>>> from mllab.scratch.tensor import Tensor
>>> p = Tensor(np.array([1.0]), requires_grad=True)
>>> p.grad = np.array([0.5])
>>> SGD([p], lr=0.1).step(); p.data
array([0.95])
"""

from __future__ import annotations

import math

import numpy as np

from mllab.scratch.tensor import Tensor


class Optimizer:
    def __init__(self, params, lr: float):
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list; pass model.parameters()")
        self.lr = lr
        self.state: dict[str, np.ndarray] = {}  # "<kind>.<param index>" -> array; saved in checkpoints

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None

    def state_dict(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self.state.items()}

    def load_state_dict(self, state: dict[str, np.ndarray]) -> None:
        self.state = {k: np.array(v) for k, v in state.items()}

    def step(self) -> None:
        for i, p in enumerate(self.params):
            if p.grad is not None:
                p.data -= self._update(i, p.data, p.grad)

    def _update(self, i: int, w: np.ndarray, g: np.ndarray) -> np.ndarray:
        """The step to subtract from ``w`` (state arrays are updated in place, as torch's are)."""
        raise NotImplementedError


class SGD(Optimizer):
    def __init__(self, params, lr: float, momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening 0 (as in torch)")
        self.momentum, self.dampening, self.nesterov, self.weight_decay = momentum, dampening, nesterov, weight_decay

    def _update(self, i, w, g):
        d = g + self.weight_decay * w if self.weight_decay else g
        if self.momentum:
            buf = self.state.get(f"momentum_buffer.{i}")
            if buf is None:  # first step: buf = d
                buf = self.state[f"momentum_buffer.{i}"] = d.copy()
            else:
                buf *= self.momentum
                buf += d if self.dampening == 0 else (1 - self.dampening) * d
            d = d + self.momentum * buf if self.nesterov else buf
        return self.lr * d


class Adam(Optimizer):
    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0):
        super().__init__(params, lr)
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay

    def _update(self, i, w, g):
        b1, b2 = self.betas
        g = g + self.weight_decay * w if self.weight_decay else g
        t = int(self.state.get(f"step.{i}", 0)) + 1
        m = self.state.get(f"exp_avg.{i}", np.zeros_like(w)) * b1 + (1 - b1) * g
        v = self.state.get(f"exp_avg_sq.{i}", np.zeros_like(w)) * b2 + (1 - b2) * g * g
        self.state.update({f"step.{i}": np.array(t), f"exp_avg.{i}": m, f"exp_avg_sq.{i}": v})
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + self.eps  # math: a Python float keeps float32 float32
        return (self.lr / (1 - b1**t)) * m / denom
