"""Figures drawn from a run directory's files (never from live objects).

Each function reads what the run wrote (``metrics.jsonl``, ``predictions.npz``)
and saves one PNG, so a report can be rebuilt without retraining.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mllab.core import plotting


def curves(history: list[dict[str, Any]], path: Path) -> Path | None:
    """Loss and accuracy (or PSNR) per epoch, train vs validation; with a scratch CNN also the
    mean magnitude of the first conv layer's deltas (report 004's "Mag Conv Deltas")."""
    if len(history) < 1 or "train_loss" not in history[0]:
        return None
    epochs = [r["epoch"] for r in history]
    panels = ["loss", "accuracy" if "train_accuracy" in history[0] else "psnr"]
    panels += ["conv_delta"] if "train_conv_delta" in history[0] else []
    fig = plotting.figure(4.5 * len(panels), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, metric in zip(axes, panels):
        for split in ("train", "val"):
            key = f"{split}_{metric}"
            if key in history[0]:
                ax.plot(epochs, [r[key] for r in history], marker="o", ms=3, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.tight_layout()
    return plotting.save(fig, path)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Counts ``cm[true, predicted]``."""
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def confusion(pred: dict[str, np.ndarray], path: Path) -> Path:
    classes = [str(c) for c in pred["classes"]]
    k = len(classes)
    cm = confusion_matrix(pred["y_true"], pred["y_pred"], k)
    size = min(3 + 0.35 * k, 14)
    fig = plotting.figure(size, size)
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    if k <= 20:
        for i in range(k):
            for j in range(k):
                ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=7,
                        color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(k), classes, rotation=90, fontsize=7)
    ax.set_yticks(range(k), classes, fontsize=7)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    fig.tight_layout()
    return plotting.save(fig, path)


def misclassified(pred: dict[str, np.ndarray], path: Path) -> Path | None:
    """A grid of misclassified test inputs titled 'true -> predicted' (nothing when they are not images)."""
    if not len(pred["wrong_x"]) or plotting.displayable(pred["wrong_x"][0]) is None:
        return None
    classes = [str(c) for c in pred["classes"]]
    titles = [f"{classes[pred['y_true'][i]]} -> {classes[pred['y_pred'][i]]}" for i in pred["wrong_index"]]
    return plotting.save(plotting.image_grid(pred["wrong_x"], titles=titles, cell=1.4), path)


def image_grid(images: np.ndarray, path: Path, cols: int = 8, titles: list[str] | None = None) -> Path | None:
    """Images (N, C, H, W) in a grid PNG, optionally titled (nothing when they are not images)."""
    if not len(images) or plotting.displayable(images[0]) is None:
        return None
    return plotting.save(plotting.image_grid(images, cols=cols, titles=titles), path)


def generative(gen: dict[str, np.ndarray], folder: Path) -> list[Path | None]:
    """Reconstructions under their inputs; VAE samples and latent interpolation."""
    pairs = np.concatenate([gen["inputs"][:8], gen["reconstructions"][:8]])
    drawn = [image_grid(pairs, folder / "reconstructions.png")]
    if "samples" in gen:
        drawn.append(image_grid(gen["samples"], folder / "samples.png"))
        drawn.append(image_grid(gen["interpolation"], folder / "interpolation.png", cols=9,
                                titles=[f"a={a:.1f}" for a in gen["alphas"]]))
    return drawn
