"""Optimizers with per-layer learning-rate multipliers, and L1/L2 penalties.

``optimizer.lr_mult`` maps a parameter-name prefix to a multiplier (report
000 trains NiN's last layer at 0.1x: ``{"classifier": 0.1}``); the first
matching prefix wins. Penalties add ``l1 * sum|w| + l2 * sum w^2`` over the
parameters whose names match ``penalty.params`` (a glob), as the reports'
Keras ``kernel_regularizer`` did.
"""

from __future__ import annotations

import fnmatch

import torch

from mllab.core.registry import Registry

OPTIMIZERS = Registry("optimizer")


@OPTIMIZERS.register("sgd")
def sgd(groups, cfg) -> torch.optim.Optimizer:
    """SGD with optional momentum and Nesterov."""
    return torch.optim.SGD(groups, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov,
                           weight_decay=cfg.weight_decay)


@OPTIMIZERS.register("adam")
def adam(groups, cfg) -> torch.optim.Optimizer:
    """Adam (weight_decay is the coupled L2 form)."""
    return torch.optim.Adam(groups, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, fused=fusable(groups))


@OPTIMIZERS.register("adamw")
def adamw(groups, cfg) -> torch.optim.Optimizer:
    """AdamW (decoupled weight decay)."""
    return torch.optim.AdamW(groups, lr=cfg.lr, betas=cfg.betas, weight_decay=cfg.weight_decay, fused=fusable(groups))


def fusable(groups) -> bool | None:
    """True where torch's fused Adam kernel applies (floating-point parameters on the CPU or a GPU): one pass
    per tensor instead of a chain of element-wise ops, the same update up to float rounding; about 10x faster
    steps on a CPU for a large embedding (bench/optimizer_step.py). None (torch's default) elsewhere."""
    params = [p for g in groups for p in g["params"]]
    return bool(params) and all(p.is_floating_point() and p.device.type in ("cpu", "cuda") for p in params) or None


def param_groups(model: torch.nn.Module, lr: float, lr_mult: dict[str, float]) -> list[dict]:
    """Split trainable parameters into groups by name prefix with their own lr."""
    buckets: dict[float, list] = {}
    matched = set()
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        prefix = next((k for k in lr_mult if name.startswith(k)), None)
        matched.add(prefix)
        buckets.setdefault(lr_mult.get(prefix, 1.0), []).append(p)
    unused = set(lr_mult) - matched
    if unused:
        names = [n for n, _ in model.named_parameters()]
        raise ValueError(f"optimizer.lr_mult: prefix {sorted(unused)} matches no parameter; "
                         f"parameter names start with: {sorted({n.split('.')[0] for n in names})}")
    return [{"params": ps, "lr": lr * mult} for mult, ps in buckets.items()]


def build_optimizer(model: torch.nn.Module, cfg) -> torch.optim.Optimizer:
    return OPTIMIZERS.get(cfg.name)(param_groups(model, cfg.lr, cfg.lr_mult), cfg)


def penalized(model: torch.nn.Module, cfg) -> list[torch.Tensor]:
    """Parameters the L1/L2 penalties apply to (empty when both are zero)."""
    if not (cfg.l1 or cfg.l2):
        return []
    chosen = [p for n, p in model.named_parameters() if fnmatch.fnmatchcase(n, cfg.params)]
    if not chosen:
        raise ValueError(f"penalty.params={cfg.params!r} matches no parameter name; "
                         f"e.g. {[n for n, _ in model.named_parameters()][:4]}")
    return chosen


def penalty_term(params: list[torch.Tensor], cfg) -> torch.Tensor | float:
    """``l1 * sum|w| + l2 * sum w^2`` over ``params``."""
    total = 0.0
    if cfg.l1:
        total = total + cfg.l1 * sum(p.abs().sum() for p in params)
    if cfg.l2:
        total = total + cfg.l2 * sum(p.pow(2).sum() for p in params)
    return total
