"""One-vs-rest SVM scoring: one shared kernel block (mllab) vs libsvm per binary machine, same fit.

MLLAB_DATA=... .venv/bin/python bench/svm_predict.py   (MNIST, RBF, 10 000-image subset, 1 BLAS thread)
"""
import time, numpy as np
from threadpoolctl import threadpool_limits
from mllab.data import load
from mllab.models.classical.svm import KernelSVM
ds = load("mnist")
X = ds.train.x.reshape(60000, -1).astype(np.float64) / 255; Xt = ds.test.x.reshape(10000, -1).astype(np.float64) / 255
with threadpool_limits(1):
    t=time.perf_counter(); svm = KernelSVM(kernel="rbf", train_subset=10000, random_state=0).fit(X, ds.train.y); fit=time.perf_counter()-t
    for rep in range(2):
        t=time.perf_counter(); a = svm.predict(Xt); new=time.perf_counter()-t
        t=time.perf_counter(); b = svm.model_.predict(Xt); old=time.perf_counter()-t
        print(f"fit {fit:.1f}s  n_sv {len(svm.support_vectors_)}  sum per-machine {sum(len(s) for s in svm.support_vectors_per_class_)}  shared-kernel predict {new:.1f}s  libsvm OvR predict {old:.1f}s  ratio {old/new:.1f}  same {np.array_equal(a,b)}  acc {np.mean(a==ds.test.y):.4f}")
