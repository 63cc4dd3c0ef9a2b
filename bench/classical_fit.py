"""Classical models on MNIST: mllab's fit time next to scikit-learn's equivalent, and test accuracy.

Ridge, lasso and LDA fit all 60 000 training images (784 pixels scaled to
[0, 1]); the RBF SVM a stratified 10 000-image subset (the report's size); the
GMM (K = 10 full-covariance components labelled by majority, the report's
use) 10 000 x 1024 features ``relu(x W / sqrt(784))`` with a fixed Gaussian
``W`` (a stand-in for the report's 1024-d network features: full rank, unlike
the 784 pixels), both implementations from the same k-means start for the
same number of EM iterations. Other registered models are timed alone.
Accuracy is on the 10 000 test images. One fit per row: these take seconds
to minutes, so one run is the measurement; BLAS and torch use ``--threads``.

    MLLAB_DATA=../shared/data .venv/bin/python bench/classical_fit.py [--threads 1] [--only ridge,lda]
"""

from __future__ import annotations

import argparse
import platform
import time
import warnings

import numpy as np
import scipy
import sklearn
import torch
from sklearn.decomposition import PCA as SkPCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import Lasso, RidgeClassifier
from sklearn.mixture import GaussianMixture
from sklearn.svm import SVC
from threadpoolctl import threadpool_info, threadpool_limits

from mllab.core.metrics import psnr
from mllab.data import load
from mllab.data.subsets import stratified_partition
from mllab.data.transforms import apply_transforms
from mllab.models.classical.gmm import majority_class
from mllab.models.registry import MODELS

GMM_ITERATIONS = 10
SVM_SUBSET = 10_000


class OneHotArgmax:
    """A scikit-learn regressor on one-hot targets, read as a classifier (the equivalent of ours)."""

    def __init__(self, regressor):
        self.regressor = regressor

    def fit(self, X, y):
        self.regressor.fit(X, np.eye(10)[y])
        return self

    def predict(self, X):
        return self.regressor.predict(X).argmax(axis=1)


class MajorityMixture:
    """sklearn ``GaussianMixture`` with components labelled by majority, as our ``mode="clusters"``."""

    def __init__(self, **params):
        self.mixture = GaussianMixture(**params)

    def fit(self, X, y):
        self.component_classes_ = majority_class(self.mixture.fit_predict(X), y, self.mixture.n_components)
        return self

    def predict(self, X):
        return self.component_classes_[self.mixture.predict(X)]


def mnist():
    ds = apply_transforms(load("mnist"), ["scale", "flatten"])
    return ds.train.x, ds.train.y, ds.test.x, ds.test.y


def relu_features(X: np.ndarray, width: int = 1024) -> np.ndarray:
    W = np.random.default_rng(0).normal(size=(X.shape[1], width)) / np.sqrt(X.shape[1])
    return np.maximum(X @ W, 0.0)  # (n, 1024) float64


def timed_fit(model, X, y, X_test, y_test, score=None):
    """(fit seconds, test seconds, test score): accuracy, or ``score(model)`` for a transformer."""
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fixed-iteration GMM runs warn that they did not converge
        model.fit(X, y)
    fitted = time.perf_counter()
    value = score(model) if score else float(np.mean(model.predict(X_test) == y_test))
    return fitted - start, time.perf_counter() - fitted, value


def cases(X, y, X_test, y_test):
    """(name, data, mllab model, scikit-learn model or None, train X, y, test X, y, score)."""
    ours = lambda name, **p: MODELS.get(name)(**p)  # noqa: E731 - registry factories by name
    part, _ = stratified_partition(y, SVM_SUBSET / len(y), seed=0)
    sub = np.sort(part)
    F, F_test = relu_features(X[:10_000]), relu_features(X_test)
    gmm = dict(covariance_type="full", reg_covar=1e-6, max_iter=GMM_ITERATIONS, tol=0.0, random_state=0)
    test_psnr = lambda m: psnr(X_test, m.inverse_transform(m.transform(X_test)))  # noqa: E731
    full, subset, feats = "60000 x 784", f"{len(sub)} x 784", "10000 x 1024 relu"
    return [
        ("ridge alpha=1", full, ours("ridge", alpha=1.0), RidgeClassifier(alpha=1.0), X, y, X_test, y_test, None),
        ("lasso alpha=1e-3", full, ours("lasso", alpha=1e-3), OneHotArgmax(Lasso(alpha=1e-3)),
         X, y, X_test, y_test, None),
        ("lda shrinkage=auto", full, ours("lda", shrinkage="auto"),
         LinearDiscriminantAnalysis(solver="eigen", shrinkage="auto"), X, y, X_test, y_test, None),
        ("svm rbf (ours ovr / sk ovo)", subset, ours("svm", kernel="rbf"), SVC(kernel="rbf"),
         X[sub], y[sub], X_test, y_test, None),
        ("svm rbf ovo", subset, ours("svm", kernel="rbf", strategy="ovo"), SVC(kernel="rbf"),
         X[sub], y[sub], X_test, y_test, None),
        (f"gmm clusters K=10 full, {GMM_ITERATIONS} EM it.", feats, ours("gmm", mode="clusters", **gmm),
         MajorityMixture(n_components=10, **gmm), F, y[:10_000], F_test, y_test, None),
        ("pca 50 (test PSNR dB)", full, ours("pca", n_components=50), SkPCA(50, svd_solver="full"),
         X, y, X_test, y_test, test_psnr),
        ("logistic softmax (report: 10 ep.)", full, ours("logistic", form="softmax", random_state=0, device="cpu"),
         None, X, y, X_test, y_test, None),
        ("logistic multi_binary", full, ours("logistic", form="multi_binary", random_state=0, device="cpu"),
         None, X, y, X_test, y_test, None),
        ("logistic ovr (10 binary)", full, ours("logistic", form="ovr", random_state=0, device="cpu"),
         None, X, y, X_test, y_test, None),
        ("spline 3 uniform knots, alpha=10", full, ours("spline_regression", n_knots=3, knots="uniform",
                                                         alpha=10.0), None, X, y, X_test, y_test, None),
        ("gmm per_class 1 comp. diag", full, ours("gmm", covariance_type="diag", reg_covar=1e-2),
         None, X, y, X_test, y_test, None),
        ("knn k=5", full, ours("knn", n_neighbors=5), None, X, y, X_test, y_test, None),
    ]


def environment(threads: int) -> str:
    blas = {f"{i['internal_api']} {i['version']}" for i in threadpool_info() if i["user_api"] == "blas"}
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
               platform.processor())
    return (f"{cpu}, {platform.system()} {platform.release()}; Python {platform.python_version()}, numpy "
            f"{np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__}, torch "
            f"{torch.__version__}, BLAS {', '.join(sorted(blas))}; {threads} thread(s) for BLAS and torch")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="", help="comma-separated prefixes of row names to run")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with threadpool_limits(limits=args.threads):
        rows = run(args)
    print(environment(args.threads))
    print("\n| model | train data | mllab fit s | sklearn fit s | mllab / sklearn | mllab test | sklearn test "
          "| mllab test-set predict s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def run(args) -> list[list[str]]:
    only = [p for p in args.only.split(",") if p]
    rows = []
    for name, data, ours, theirs, X, y, X_test, y_test, score in cases(*mnist()):
        if only and not any(name.startswith(p) for p in only):
            continue
        t_ours, p_ours, v_ours = timed_fit(ours, X, y, X_test, y_test, score)
        t_sk, _, v_sk = timed_fit(theirs, X, y, X_test, y_test, score) if theirs is not None else (None, None, None)
        fmt = (lambda v: f"{v:.2f}") if score else (lambda v: f"{100 * v:.2f} %")
        rows.append([name, data, f"{t_ours:.1f}", "-" if t_sk is None else f"{t_sk:.1f}",
                     "-" if t_sk is None else f"{t_ours / t_sk:.2f}", fmt(v_ours), "-" if v_sk is None else fmt(v_sk),
                     f"{p_ours:.1f}"])
        print(" ".join(rows[-1]), flush=True)  # progress: the run takes minutes
    return rows


if __name__ == "__main__":
    main()
