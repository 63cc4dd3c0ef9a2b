"""t-SNE written out in NumPy, for reading: exact O(N^2) affinities and gradients (teaching code; fine up to
about 5 000 points; :func:`mllab.explain.embedding.tsne` uses openTSNE for real work).

The steps of van der Maaten and Hinton (2008), with the optimiser openTSNE and scikit-learn use:

1. Input affinities: for each point i a Gaussian over its squared distances whose precision ``beta_i`` is
   found by bisection so that the conditional distribution p(j|i) has perplexity ``2**H(p(.|i))`` equal to
   the chosen perplexity; then symmetrised, ``P = (P + P.T) / 2N``.
2. Output affinities: a Student-t (one degree of freedom) kernel ``w_ij = 1 / (1 + |y_i - y_j|^2)``,
   ``Q = W / sum(W)``.
3. Gradient of KL(P || Q): ``dC/dy_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j)``.
4. Gradient descent with momentum (0.5, then 0.8) and per-coordinate gains (delta-bar-delta), "early
   exaggeration" (P multiplied by 12) for the first 250 iterations, learning rate max(N / 12, 200), and a
   PCA initialisation scaled to standard deviation 1e-4.

>>> import numpy as np
>>> x = np.random.default_rng(0).normal(size=(60, 5))
>>> tsne_numpy(x, iterations=50).shape
(60, 2)
"""

from __future__ import annotations

import numpy as np

from mllab.explain.registry import EXPLAINERS


def squared_distances(x: np.ndarray) -> np.ndarray:
    """(N, N) squared Euclidean distances, clipped at 0 against rounding."""
    sq = (x * x).sum(1)
    return np.maximum(sq[:, None] + sq[None, :] - 2 * x @ x.T, 0)


def affinities(x: np.ndarray, perplexity: float = 30.0, steps: int = 64) -> np.ndarray:
    """Symmetric input affinities P (N, N), summing to 1 (step 1); bisection on every row at once."""
    d = squared_distances(x.astype(np.float64))
    np.fill_diagonal(d, np.inf)
    target = np.log(perplexity)  # entropy in nats
    lo, hi = np.zeros(len(x)), np.full(len(x), np.inf)
    beta = np.ones(len(x))
    d_min = d.min(1, keepdims=True)  # shifting by the row's nearest distance keeps exp() from underflowing
    for _ in range(steps):
        p = np.exp(-(d - d_min) * beta[:, None])
        p /= p.sum(1, keepdims=True)
        entropy = -(p * np.log(np.maximum(p, 1e-300))).sum(1)
        too_flat = entropy > target  # too many neighbours: a sharper Gaussian (larger beta)
        lo = np.where(too_flat, beta, lo)
        hi = np.where(too_flat, hi, beta)
        beta = np.where(np.isinf(hi), beta * 2, (lo + hi) / 2)
    p = (p + p.T) / (2 * len(x))
    return np.maximum(p, 1e-12)


def kl_gradient(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """dKL(P || Q)/dY (N, 2) for output points ``y`` (steps 2 and 3)."""
    w = 1 / (1 + squared_distances(y))
    np.fill_diagonal(w, 0)
    pq = (p - w / w.sum()) * w  # (N, N)
    return 4 * (pq.sum(1)[:, None] * y - pq @ y)


def tsne_numpy(x: np.ndarray, perplexity: float = 30.0, iterations: int = 750, exaggeration: float = 12.0,
               early: int = 250, seed: int = 0) -> np.ndarray:
    """(N, d) -> (N, 2) t-SNE embedding by exact gradient descent (step 4)."""
    x = np.asarray(x, np.float64).reshape(len(x), -1)
    p = affinities(x, min(perplexity, (len(x) - 1) / 3)).astype(np.float32)  # float32 loop: twice as fast
    y = _pca_init(x, seed).astype(np.float32)
    rate = np.float32(max(len(x) / exaggeration, 200.0))
    update, gains = np.zeros_like(y), np.ones_like(y)
    for it in range(iterations):
        grad = kl_gradient(p * exaggeration if it < early else p, y)
        momentum = 0.5 if it < early else 0.8
        gains = np.where(np.sign(grad) != np.sign(update), gains + 0.2, gains * 0.8).clip(0.01)
        update = momentum * update - rate * gains * grad
        y = y + update
        y -= y.mean(0)
    return y.astype(np.float64)


def _pca_init(x: np.ndarray, seed: int) -> np.ndarray:
    centred = x - x.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    y = centred @ vt[:2].T
    y = y * np.sign(y[np.random.default_rng(seed).integers(len(y))] + 1e-12)  # sign fixed by the seed
    return y / y[:, 0].std() * 1e-4


@EXPLAINERS.register("tsne_numpy", kind="embedding")
def tsne_teaching(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE written out in NumPy (exact O(N^2) gradients; teaching code, up to ~5 000 points)."""
    return tsne_numpy(x, seed=seed)
