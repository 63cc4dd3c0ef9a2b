"""Figures drawn from a run directory's files (never from live objects).

Each function reads what the run wrote (``metrics.jsonl``, ``predictions.npz``)
and saves one PNG, so a report can be rebuilt without retraining.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def curves(history: list[dict[str, Any]], path: Path) -> Path | None:
    """Loss and accuracy (or PSNR) per epoch, train vs validation; with a scratch CNN also the
    mean magnitude of the first conv layer's deltas (report 004's "Mag Conv Deltas")."""
    if len(history) < 1 or "train_loss" not in history[0]:
        return None
    plt = _pyplot()
    epochs = [r["epoch"] for r in history]
    panels = ["loss", "accuracy" if "train_accuracy" in history[0] else "psnr"]
    panels += ["conv_delta"] if "train_conv_delta" in history[0] else []
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.4))
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
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Counts ``cm[true, predicted]``."""
    return np.bincount(y_true * k + y_pred, minlength=k * k).reshape(k, k)


def confusion(pred: dict[str, np.ndarray], path: Path) -> Path:
    plt = _pyplot()
    classes = [str(c) for c in pred["classes"]]
    k = len(classes)
    cm = confusion_matrix(pred["y_true"], pred["y_pred"], k)
    size = min(3 + 0.35 * k, 14)
    fig, ax = plt.subplots(figsize=(size, size))
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
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def as_image(x: np.ndarray) -> np.ndarray | None:
    """One example as an (H, W) or (H, W, 3) array in [0, 1] for imshow; None if not an image."""
    if x.ndim == 1:
        side = int(round(np.sqrt(x.size)))
        if side * side != x.size:
            return None
        x = x.reshape(1, side, side)
    if x.ndim != 3:
        return None
    x = x.astype(np.float64)
    x = (x - x.min()) / (np.ptp(x) or 1.0)
    return x[0] if x.shape[0] == 1 else x.transpose(1, 2, 0)


def misclassified(pred: dict[str, np.ndarray], path: Path) -> Path | None:
    """A grid of misclassified test inputs titled 'true -> predicted'."""
    images = [as_image(x) for x in pred["wrong_x"]]
    if not images or any(im is None for im in images):
        return None
    plt = _pyplot()
    classes = [str(c) for c in pred["classes"]]
    cols = min(8, len(images))
    rows = (len(images) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.4 * cols, 1.6 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, im, i in zip(axes.flat, images, pred["wrong_index"]):
        ax.imshow(im, cmap="gray" if im.ndim == 2 else None)
        ax.set_title(f"{classes[pred['y_true'][i]]} -> {classes[pred['y_pred'][i]]}", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def image_grid(images: np.ndarray, path: Path, cols: int = 8, titles: list[str] | None = None) -> Path | None:
    """Images (N, C, H, W) in a grid, optionally titled."""
    shown = [as_image(x) for x in images]
    if not shown or any(im is None for im in shown):
        return None
    plt = _pyplot()
    cols = min(cols, len(shown))
    rows = (len(shown) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(1.2 * cols, 1.3 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for i, (ax, im) in enumerate(zip(axes.flat, shown)):
        ax.imshow(im, cmap="gray" if im.ndim == 2 else None)
        if titles:
            ax.set_title(titles[i], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def generative(gen: dict[str, np.ndarray], folder: Path) -> list[Path | None]:
    """Reconstructions under their inputs; VAE samples and latent interpolation."""
    pairs = np.concatenate([gen["inputs"][:8], gen["reconstructions"][:8]])
    drawn = [image_grid(pairs, folder / "reconstructions.png")]
    if "samples" in gen:
        drawn.append(image_grid(gen["samples"], folder / "samples.png"))
        drawn.append(image_grid(gen["interpolation"], folder / "interpolation.png", cols=9,
                                titles=[f"a={a:.1f}" for a in gen["alphas"]]))
    return drawn
