"""Figures drawn from a run directory's files (never from live objects).

Each function reads what the run wrote (``metrics.jsonl``, ``predictions.npz``)
and saves one PNG, so a report can be rebuilt without retraining.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from mllab.core import plotting
from mllab.core.table import number


def curves(history: list[dict[str, Any]], path: Path) -> Path | None:
    """Loss and accuracy (or PSNR) per epoch, train vs validation; with a scratch CNN also the
    mean magnitude of the first conv layer's deltas (report 004's "Mag Conv Deltas")."""
    if len(history) < 1 or "train_loss" not in history[0]:
        return None
    panels = ["loss", "accuracy" if "train_accuracy" in history[0] else "psnr"]
    panels += ["conv_delta"] if "train_conv_delta" in history[0] else []
    fig = plotting.figure(4.5 * len(panels), 3.4)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, metric in zip(axes, panels):
        for split in ("train", "val"):
            key = f"{split}_{metric}"
            rows = [r for r in history if key in r]  # validation may be evaluated on some epochs only
            if rows:
                ax.plot([r["epoch"] for r in rows], [r[key] for r in rows], marker="o", ms=3, label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.xaxis.set_major_locator(plotting.integer_ticks())
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
    size = min(3 + 0.32 * k, 13)  # 36 classes: 13 inches, a cell of a third of an inch: counts stay legible
    fig = plotting.figure(size, size)
    ax = fig.subplots()
    ax.imshow(cm, cmap="Blues")
    if k <= 36:
        font = 8 if k <= 12 else 6
        for i in range(k):
            for j in range(k):
                if cm[i, j] or k <= 12:  # zeros off the diagonal are left blank past 12 classes
                    ax.text(j, i, cm[i, j], ha="center", va="center", fontsize=font,
                            color="white" if cm[i, j] > cm.max() / 2 else "black")
    ax.set_xticks(range(k), classes, rotation=90 if max(map(len, classes)) > 2 else 0, fontsize=8)
    ax.set_yticks(range(k), classes, fontsize=8)
    ax.set_title(f"confusion matrix: {int(cm.trace())} of {int(cm.sum())} test examples on the diagonal", fontsize=9)
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


def band_curves(groups: list[tuple[str, list[list[dict[str, Any]]]]], metrics: list[str], path: Path) -> Path | None:
    """One panel per metric: each group's mean over its seeds per epoch, with a mean +- sample std band.

    ``groups``: ``(label, [history of each seed])``; epochs that not every seed reached use the seeds that did.
    """
    metrics = [m for m in metrics if any(m in r for _, hs in groups for h in hs for r in h)]
    if not metrics:
        return None
    fig = plotting.figure(4.6 * len(metrics), 3.5)
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    for ax, metric in zip(axes, metrics):
        for label, histories in groups:
            by_epoch: dict[int, list[float]] = {}
            for h in histories:
                for r in h:
                    if metric in r:
                        by_epoch.setdefault(r["epoch"], []).append(r[metric])
            if not by_epoch:
                continue
            epochs = sorted(by_epoch)
            mean = np.array([np.mean(by_epoch[e]) for e in epochs])
            # the sample std, as the tables give it; one seed: no band
            std = np.array([np.std(by_epoch[e], ddof=1) if len(by_epoch[e]) > 1 else 0.0 for e in epochs])
            line = ax.plot(epochs, mean, marker="o" if len(epochs) < 12 else None, ms=3, label=label)[0]
            ax.fill_between(epochs, mean - std, mean + std, color=line.get_color(), alpha=0.2, linewidth=0)
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric.replace("_", " "))
        ax.xaxis.set_major_locator(plotting.integer_ticks())
        ax.grid(alpha=0.3)
    axes[-1].legend(fontsize=7)
    fig.tight_layout()
    return plotting.save(fig, path)


def parallel_coordinates(columns: list[str], rows: list[list[float]], colour: list[float], path: Path,
                         labels: list[list[str]] | None = None) -> Path | None:
    """A parallel-coordinates view: one vertical axis per column (scaled to its range), one line per row,
    coloured by ``colour`` (the headline metric). ``labels[j]``: tick texts of a categorical column."""
    if not rows or len(columns) < 2:
        return None
    data = np.array(rows, dtype=float)  # (rows, columns)
    lo, hi = data.min(0), data.max(0)
    scaled = (data - lo) / np.where(hi > lo, hi - lo, 1.0)
    fig = plotting.figure(max(5.0, 1.6 * len(columns)), 3.8)
    ax = fig.subplots()
    c = np.asarray(colour, dtype=float)
    cn = (c - c.min()) / (c.max() - c.min()) if c.max() > c.min() else np.full_like(c, 0.5)
    from matplotlib import colormaps

    cmap = colormaps["viridis"]
    for row, v in zip(scaled, cn):
        ax.plot(range(len(columns)), row, color=cmap(v), alpha=0.8, lw=1.5)
    for j, name in enumerate(columns):
        ax.axvline(j, color="#888", lw=0.8)
        ax.text(j, 1.04, number(float(hi[j])), ha="center", fontsize=7)
        ax.text(j, -0.08, number(float(lo[j])), ha="center", fontsize=7)
    ax.set_xticks(range(len(columns)), columns, fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.12, 1.1)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return plotting.save(fig, path)

