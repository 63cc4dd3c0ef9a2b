"""2-D embeddings of a layer's features: PCA (mllab's SVD PCA), t-SNE (openTSNE) and the reports' "PCA to
m dimensions, then t-SNE to 2" (report 000 reduced to 10 before t-SNE).

>>> import numpy as np
>>> z = embed(np.random.default_rng(0).normal(size=(50, 6, 2)), method="pca")
>>> z.shape, z.dtype.name
((50, 2), 'float32')
"""

from __future__ import annotations

import numpy as np

from mllab.core.errors import MllabError
from mllab.explain.registry import EXPLAINERS

PCA_DIMS = 10  # report 000: "PCA to 10, then t-SNE to 2"


def embed(features, method: str = "pca_tsne", seed: int = 0) -> np.ndarray:
    """(N, ...) features (flattened per example) -> (N, 2) float32 points by the embedding ``method``."""
    entry = EXPLAINERS.entry(method)
    if entry.meta.get("kind") != "embedding":
        raise MllabError(f"{method!r} is an attribution method, not an embedding; embeddings: "
                         f"{', '.join(EXPLAINERS.names(kind='embedding'))}")
    x = np.asarray(features, np.float32)
    x = x.reshape(len(x), -1)  # (N, d)
    if len(x) < 3:
        raise MllabError(f"{method}: needs at least 3 examples to embed; got {len(x)}")
    return np.asarray(entry.factory(x, seed=seed), np.float32)


@EXPLAINERS.register("pca", kind="embedding")
def pca(x: np.ndarray, dims: int = 2, seed: int = 0) -> np.ndarray:
    """PCA by SVD of the centred features (mllab's classical ``pca``), first ``dims`` components."""
    from mllab.models.classical.pca import PCA

    return PCA(n_components=min(dims, *x.shape)).fit(x).transform(x)


@EXPLAINERS.register("tsne", kind="embedding")
def tsne(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """t-SNE to 2 dimensions by openTSNE (FFT-accelerated, one thread), perplexity 30 or less for few points."""
    from openTSNE import TSNE

    perplexity = min(30.0, (len(x) - 1) / 3)
    return np.asarray(TSNE(n_components=2, perplexity=perplexity, random_state=seed, n_jobs=1).fit(x))


@EXPLAINERS.register("pca_tsne", kind="embedding")
def pca_tsne(x: np.ndarray, seed: int = 0, dims: int = PCA_DIMS) -> np.ndarray:
    """PCA to 10 dimensions, then t-SNE to 2 (the reports' recipe)."""
    return tsne(pca(x, dims) if x.shape[1] > dims else x, seed=seed)
