"""Figures of fitted classical models (report 000): weight maps, support vectors, LDA outcomes.

Each function takes a fitted estimator, the data it needs and a path, draws
with :mod:`mllab.core.plotting` (no pyplot state) and saves one PNG; it returns the path.

>>> import tempfile, pathlib
>>> from sklearn.datasets import load_digits
>>> from mllab.models.classical.linear import RidgeClassifier
>>> X, y = load_digits(return_X_y=True)
>>> out = pathlib.Path(tempfile.mkdtemp()) / "ridge.png"
>>> plot_weight_maps(RidgeClassifier().fit(X / 16, y), out, image_shape=(8, 8)).stat().st_size > 0
True
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from mllab.core import plotting

OUTCOME_COLOURS = {"TP": "tab:green", "TN": "tab:blue", "FP": "tab:orange", "FN": "tab:red"}


def weight_maps(coef: np.ndarray, image_shape) -> np.ndarray:
    """(C, H*W*channels) weights -> (C, H, W) maps; several channels are averaged."""
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim != 2 or coef.shape[1] != math.prod(image_shape):
        raise ValueError(f"weight maps: coef_ has shape {coef.shape}, which does not reshape to "
                         f"(C, {'x'.join(map(str, image_shape))}); pass the image_shape of the training images")
    maps = coef.reshape(len(coef), *image_shape)
    return maps.mean(axis=1) if maps.ndim == 4 else maps  # (C, channels, H, W) -> (C, H, W)


def plot_weight_maps(estimator, path, *, image_shape, class_names=None) -> Path:
    """Each class's weight vector drawn on the image grid (report Fig. 1).

    ``image_shape`` is ``(H, W)`` or ``(channels, H, W)``. One diverging colour
    scale, symmetric around 0 and saturating at the 99th percentile of the
    weights' magnitudes, is shared by all maps; weights that are exactly 0
    (lasso, or pixels that never vary) are masked and drawn black.
    """
    from matplotlib import colormaps

    maps = weight_maps(estimator.coef_, image_shape)
    names = class_names if class_names is not None else [str(c) for c in estimator.classes_]
    if len(maps) == 1:  # one binary classifier: the score of classes_[1]
        names = [f"{names[-1]} vs {names[0]}"]
    cols = min(len(maps), 5)
    rows = math.ceil(len(maps) / cols)
    fig = plotting.figure(2.2 * cols + 0.8, 2.3 * rows)
    nonzero = np.abs(maps[maps != 0])
    # saturate at the 99th percentile: a few rarely-lit border pixels get huge weights and would wash out the rest
    limit = float(np.percentile(nonzero, 99)) if nonzero.size else 1.0
    cmap = colormaps["RdBu_r"].with_extremes(bad="black")
    for i, (m, name) in enumerate(zip(maps, names)):
        ax = fig.add_subplot(rows, cols, i + 1)
        image = ax.imshow(np.ma.masked_equal(m, 0.0), cmap=cmap, vmin=-limit, vmax=limit)
        ax.set_title(str(name), fontsize=9)
        ax.set_axis_off()
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="weight (black: exactly 0)")
    return plotting.save(fig, path)


def plot_support_vectors_pca(svm, X, y, path, *, class_index: int = -1) -> Path:
    """The support vectors of one class's SVM among the training data, in a 2-D PCA projection (report Fig. 2).

    ``X``, ``y`` are the data given to ``svm.fit`` (its ``train_subset`` rows are
    used). With ``strategy="ovr"`` the support vectors are those of the binary
    classifier "class vs rest"; with ``"ovo"`` the class's own support vectors.
    """
    from mllab.models.classical.pca import PCA

    X_fit, y_fit = np.asarray(X)[svm.train_index_], np.asarray(y)[svm.train_index_]
    label = svm.classes_[class_index]
    support = _class_support(svm, y_fit, class_index)
    Z = PCA(n_components=2).fit(X_fit).transform(X_fit)  # (n, 2)
    fig = plotting.figure(6, 5)
    ax = fig.add_subplot()
    ours = y_fit == label
    ax.scatter(*Z[~ours].T, s=4, c="lightgrey", label="other classes")
    ax.scatter(*Z[ours].T, s=4, c="tab:blue", label=f"class {label}")
    ax.scatter(*Z[support].T, s=18, facecolors="none", edgecolors="tab:red", linewidths=0.7,
               label=f"support vectors ({len(support)})")
    ax.set(xlabel="PC 1", ylabel="PC 2", title=f"{svm.kernel} SVM, class {label}")
    ax.legend(loc="best", fontsize=8, markerscale=2)
    return plotting.save(fig, path)


def _class_support(svm, y_fit: np.ndarray, class_index: int) -> np.ndarray:
    """Row indices (into the training subset) of the support vectors belonging to one class's decision."""
    k = class_index % len(svm.classes_)
    if svm.strategy == "ovr":
        estimator = svm.estimators_[0 if len(svm.estimators_) == 1 else k]
        return estimator.support_
    support = svm.estimators_[0].support_
    return support[y_fit[support] == svm.classes_[k]]


def lda_outcomes(lda, X, y) -> tuple[np.ndarray, np.ndarray, float]:
    """``(z, outcome, threshold)``: position on the discriminant, "TP"/"TN"/"FP"/"FN", decision point.

    Positive is ``classes_[1]``; the axis is oriented so that the positive
    class mean lies to the right.
    """
    if len(lda.classes_) != 2:
        raise ValueError(f"LDA outcomes: the LDA was fit on {len(lda.classes_)} classes; TP/TN/FP/FN need two. "
                         "Fit it on binary labels, e.g. y >= 5 (the report's digits 0-4 vs 5-9).")
    actual = np.asarray(y) == lda.classes_[1]
    predicted = lda.predict(X) == lda.classes_[1]
    outcome = np.where(predicted, np.where(actual, "TP", "FP"), np.where(actual, "FN", "TN"))
    m0, m1 = lda.projected_means_[:, 0]
    # score_1 - score_0 = (m1 - m0) z - (m1^2 - m0^2) / 2 + log(pi_1 / pi_0) vanishes here:
    threshold = (m0 + m1) / 2 - np.log(lda.priors_[1] / lda.priors_[0]) / (m1 - m0)
    sign = 1.0 if m1 >= m0 else -1.0
    return sign * lda.transform(X)[:, 0], outcome, sign * threshold


def plot_lda_outcomes(lda, X, y, path, *, bins: int = 60) -> Path:
    """Histogram of the examples along the discriminant, split into TP, TN, FP, FN (report Fig. 4)."""
    z, outcome, threshold = lda_outcomes(lda, X, y)
    edges = np.histogram_bin_edges(z, bins=bins)
    fig = plotting.figure(7, 4)
    ax = fig.add_subplot()
    for name, colour in OUTCOME_COLOURS.items():
        ax.hist(z[outcome == name], bins=edges, alpha=0.6, color=colour, label=f"{name} ({np.sum(outcome == name)})")
    ax.axvline(threshold, color="black", linestyle="--", linewidth=1, label="decision threshold")
    ax.set(xlabel="position on the discriminant", ylabel="examples",
           title=f"LDA: {lda.classes_[1]} (positive) vs {lda.classes_[0]}")
    ax.legend(fontsize=8)
    return plotting.save(fig, path)
