"""One-vs-rest SVM scoring: one shared kernel block (mllab) vs libsvm per binary machine, same fitted model.

    MLLAB_DATA=/work/shared/data:/usr/share/datasets .venv/bin/python bench/svm_predict.py

MNIST pixels in [0, 1], RBF kernel (gamma "scale", C 1), the report's ten binary SVMs on a stratified
10 000-image subset, scoring the 10 000 test images; 1 BLAS thread; both paths alternate, same process.
"""

import time

import numpy as np
from threadpoolctl import threadpool_limits

from mllab.data import load
from mllab.models.classical.svm import KernelSVM


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(repeats: int = 2) -> None:
    ds = load("mnist")
    x_train = ds.train.x.reshape(len(ds.train.x), -1).astype(np.float64) / 255
    x_test = ds.test.x.reshape(len(ds.test.x), -1).astype(np.float64) / 255
    with threadpool_limits(1):
        svm, fit = timed(lambda: KernelSVM(kernel="rbf", train_subset=10_000, random_state=0).fit(x_train, ds.train.y))
        per_machine = sum(len(s) for s in svm.support_vectors_per_class_)
        for _ in range(repeats):
            ours, shared = timed(lambda: svm.predict(x_test))
            ref, libsvm = timed(lambda: svm.model_.predict(x_test))
            print(f"fit {fit:.1f} s, {len(svm.support_vectors_)} shared support vectors ({per_machine} over the ten "
                  f"machines); predict: shared kernel {shared:.1f} s, libsvm per machine {libsvm:.1f} s, ratio "
                  f"{libsvm / shared:.1f}; same predictions {np.array_equal(ours, ref)}; test accuracy "
                  f"{np.mean(ours == ds.test.y):.4f}")


if __name__ == "__main__":
    main()
