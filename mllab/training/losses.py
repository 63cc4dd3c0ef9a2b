"""Losses by name: ``loss(output, target_labels, num_classes) -> scalar``."""

from __future__ import annotations

import torch.nn.functional as F

from mllab.core.registry import Registry

LOSSES = Registry("loss")


@LOSSES.register("cross_entropy")
def cross_entropy(out, y, num_classes, label_smoothing=0.0):
    """Softmax cross-entropy on logits."""
    return F.cross_entropy(out, y, label_smoothing=label_smoothing)


@LOSSES.register("nll")
def nll(out, y, num_classes, label_smoothing=0.0):
    """Negative log-likelihood on log-probabilities (a LogSoftmax output, report 001)."""
    return F.nll_loss(out, y)


@LOSSES.register("mse_onehot")
def mse_onehot(out, y, num_classes, label_smoothing=0.0):
    """Mean squared error against one-hot targets (report 004)."""
    return F.mse_loss(out, F.one_hot(y, num_classes).to(out.dtype))


@LOSSES.register("half_sse")
def half_sse(out, y, num_classes, label_smoothing=0.0):
    """Half the summed squared error against one-hot targets, averaged over the batch (report 004)."""
    return 0.5 * (out - F.one_hot(y, num_classes).to(out.dtype)).pow(2).sum(1).mean()


@LOSSES.register("bce")
def bce(out, y, num_classes, label_smoothing=0.0):
    """Binary cross-entropy on logits against one-hot targets (sigmoid outputs per class)."""
    return F.binary_cross_entropy_with_logits(out, F.one_hot(y, num_classes).to(out.dtype))


@LOSSES.register("l1")
def l1(out, y, num_classes, label_smoothing=0.0):
    """Mean absolute error against one-hot targets."""
    return F.l1_loss(out, F.one_hot(y, num_classes).to(out.dtype))


@LOSSES.register("mse")
def mse(out, target, num_classes=None, label_smoothing=0.0):
    """Mean squared error against a real-valued target (reconstruction)."""
    return F.mse_loss(out, target)


def get_loss(name: str):
    return LOSSES.get(name)
