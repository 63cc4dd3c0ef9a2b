"""Training loop for scratch networks: in-memory arrays, minibatch or per-sample SGD, exact resume.

``fit_epoch`` runs one pass and returns that epoch's metrics; ``evaluate`` scores
a split; ``save`` / ``load`` write and read an ``.npz`` checkpoint (parameters,
buffers, optimizer state, epoch, RNG state) so that a resumed run continues
bit for bit. Every batch is checked for non-finite activations, loss and
gradients (report 004's overflow at high learning rates): the error names the
layer and the step instead of a NumPy warning far from the cause.

>>> import numpy as np
>>> from mllab.scratch.models import SCRATCH_MODELS
>>> from mllab.scratch.optim import SGD
>>> rng = np.random.default_rng(0)
>>> x, y = rng.random((64, 1, 28, 28), dtype=np.float32), rng.integers(0, 10, 64)
>>> net = SCRATCH_MODELS.get("mlp")((1, 28, 28), 10)
>>> metrics = fit_epoch(net, SGD(net.parameters(), lr=0.1), x, y, batch_size=16, rng=rng)
>>> sorted(metrics)
['accuracy', 'loss', 'step']
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from mllab.core.errors import NonFiniteLossError
from mllab.core.files import atomic_path
from mllab.core.registry import Registry
from mllab.scratch import functional as F
from mllab.scratch.layers import Conv2d, Dropout, Module, Sequential
from mllab.scratch.optim import Optimizer
from mllab.scratch.tensor import Tensor, no_grad

# fn(output: Tensor, y: ndarray) -> scalar Tensor, mean over the batch. The names and their meaning are the torch
# engine's (mllab.training.losses.LOSSES), so a config's training.loss means the same in both engines (tested).
LOSSES = Registry("scratch loss")


def check_finite(a: np.ndarray, what: str, step: int) -> None:
    """Raise :class:`~mllab.core.errors.NonFiniteLossError` naming ``what`` and ``step`` if ``a`` holds a nan or inf."""
    if np.isfinite(a.max()) and np.isfinite(a.min()):  # two reductions, no temporary array
        return
    bad = int(a.size - np.isfinite(a).sum())
    raise NonFiniteLossError(
        f"non-finite values (nan/inf) in {what} at step {step}: {bad} of {a.size} entries. Training diverged: "
        "lower the learning rate, use a bounded activation or a smaller init (report 004 overflowed at lr 0.005).")


def _targets(out: Tensor, y: np.ndarray) -> np.ndarray:
    """Integer labels become one-hot rows for losses that compare whole output vectors."""
    if y.ndim == 1 and out.ndim == 2 and y.dtype.kind in "iu":
        return np.eye(out.shape[1], dtype=out.dtype)[y]
    return y.astype(out.dtype, copy=False)


LOSSES.add("cross_entropy", F.cross_entropy)  # softmax cross-entropy on logits
LOSSES.add("mse_onehot", lambda out, y: F.mse_loss(out, _targets(out, y)))  # against one-hot labels
LOSSES.add("mse", lambda out, y: F.mse_loss(out, y.astype(out.dtype, copy=False)))  # against a real target
LOSSES.add("l1", lambda out, y: F.l1_loss(out, _targets(out, y)))  # against one-hot labels
LOSSES.add("bce", lambda out, y: F.binary_cross_entropy_with_logits(out, _targets(out, y)))  # sigmoid per class


@LOSSES.register("half_sse")
def half_sse(out: Tensor, y: np.ndarray) -> Tensor:
    """Report 004's E = 1/2 sum_k (d_k - y_k)^2 with one-hot d, averaged over the batch."""
    diff = out - _targets(out, y)
    return (diff * diff).sum() * (0.5 / len(y))


def forward_traced(model: Module, x: Tensor, step: int, check: bool = True) -> tuple[Tensor, Tensor | None]:
    """Run ``model`` layer by layer (checking each output) and keep the first conv output's gradient."""
    layers = model.layers if isinstance(model, Sequential) else [model]
    conv_out = None
    for i, layer in enumerate(layers):
        x = layer(x)
        if check:
            check_finite(x.data, f"output of layer {i} ({type(layer).__name__})", step)
        if conv_out is None and isinstance(layer, Conv2d):
            conv_out = x.retain_grad()  # its gradient is the conv layer's delta
    return x, conv_out


def fit_epoch(model: Module, opt: Optimizer, x: np.ndarray, y: np.ndarray | None, *, batch_size: int = 128,
              rng: np.random.Generator, loss: str = "cross_entropy", shuffle: bool = True, step: int = 0,
              check: bool = True) -> dict[str, float]:
    """One epoch of SGD on (x, y); ``y=None`` trains a reconstruction (target x). Returns the epoch's metrics.

    ``batch_size=1`` is per-sample SGD (report 004); ``shuffle=False`` keeps the data's order. ``rng`` draws
    the order and the dropout masks. Metrics: mean ``loss``; ``accuracy`` (with class labels);
    ``conv_delta`` (with a conv layer) = (1/N) sum_n sum_m |delta_nm| over the first conv layer's M outputs,
    delta being the gradient of sample n's own loss w.r.t. the conv output (report 004's "Mag Conv Deltas");
    ``step``, the global step count after the epoch (pass it back in as ``step``).
    """
    loss_fn, n = LOSSES.get(loss), len(x)
    model.train()
    for _, m in model.named_modules():
        if isinstance(m, Dropout):
            m.rng = rng  # one generator for everything random: the checkpoint's RNG state resumes it exactly
    order = rng.permutation(n) if shuffle else np.arange(n)
    sums = {"loss": 0.0}
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        xb, yb = x[idx], (x if y is None else y)[idx]
        out, conv_out = forward_traced(model, Tensor(xb), step, check)
        value = loss_fn(out, yb)
        opt.zero_grad()
        value.backward()
        if check:
            check_finite(value.data, "loss", step)
            for name, p in model.named_parameters():
                if p.grad is not None:
                    check_finite(p.grad, f"gradient of {name}", step)
        opt.step()
        sums["loss"] += value.item() * len(idx)
        if y is not None and out.ndim == 2 and yb.ndim == 1:
            sums["accuracy"] = sums.get("accuracy", 0.0) + float((out.data.argmax(1) == yb).sum())
        if conv_out is not None:  # x len(idx): the gradient of the mean loss -> of each sample's own loss
            sums["conv_delta"] = sums.get("conv_delta", 0.0) + float(np.abs(conv_out.grad).sum()) * len(idx)
        step += 1
    return {**{k: v / n for k, v in sums.items()}, "step": step}


def evaluate(model: Module, x: np.ndarray, y: np.ndarray | None = None, *, loss: str = "cross_entropy",
             batch_size: int = 1000) -> dict[str, float]:
    """Mean ``loss`` (and ``accuracy`` for class labels) of ``model`` in eval mode, no graph; ``y=None``:
    reconstruction."""
    loss_fn = LOSSES.get(loss)
    model.eval()
    sums = {"loss": 0.0}
    with no_grad():
        for start in range(0, len(x), batch_size):
            xb = x[start:start + batch_size]
            yb = xb if y is None else y[start:start + batch_size]
            out = model(Tensor(xb))
            sums["loss"] += loss_fn(out, yb).item() * len(xb)
            if y is not None and out.ndim == 2 and yb.ndim == 1:
                sums["accuracy"] = sums.get("accuracy", 0.0) + float((out.data.argmax(1) == yb).sum())
    model.train()
    return {k: v / len(x) for k, v in sums.items()}


def save(path: str | Path, model: Module, opt: Optimizer, *, epoch: int, rng: np.random.Generator) -> None:
    """Write an ``.npz`` checkpoint atomically: model state, optimizer state and lr, epoch, RNG state."""
    arrays = {f"model/{k}": v for k, v in model.state_dict().items()}
    arrays.update({f"optim/{k}": v for k, v in opt.state_dict().items()})
    arrays.update(epoch=np.array(epoch), lr=np.array(opt.lr), rng=np.array(json.dumps(rng.bit_generator.state)))
    with atomic_path(Path(path), suffix=".npz") as tmp:
        np.savez(tmp, **arrays)


def load(path: str | Path, model: Module, opt: Optimizer | None = None) -> tuple[int, np.random.Generator]:
    """Restore a checkpoint written by :func:`save` into ``model`` (and ``opt``); returns (epoch, rng)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    model.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("model/")})
    if opt is not None:
        opt.load_state_dict({k[6:]: v for k, v in arrays.items() if k.startswith("optim/")})
        opt.lr = float(arrays["lr"])
    state = json.loads(str(arrays["rng"]))
    rng = np.random.Generator(getattr(np.random, state["bit_generator"])())
    rng.bit_generator.state = state
    return int(arrays["epoch"]), rng
