"""scikit-learn's bundled 8x8 digits: the embedded default dataset (no files needed)."""

from __future__ import annotations

import numpy as np

from mllab.data.dataset import Dataset, Split
from mllab.data.registry import DATASETS

TEST_FRACTION = 0.25
SPLIT_SEED = 0  # fixed: every run and report uses the same split


@DATASETS.register("digits", kind="image", folders=(), files=())
def digits() -> Dataset:
    """8x8 grey digits bundled with scikit-learn: 1 797 images, fixed stratified 75/25 split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    bunch = load_digits()
    # Pixel values are 0..16; rescale to the 0..255 uint8 convention of the other image sets.
    x = np.round(bunch.images * (255 / 16)).astype(np.uint8)[:, None]  # (N, 1, 8, 8)
    y = bunch.target.astype(np.int64)
    idx_train, idx_test = train_test_split(
        np.arange(len(y)), test_size=TEST_FRACTION, stratify=y, random_state=SPLIT_SEED
    )
    return Dataset("digits", Split(x[idx_train], y[idx_train]), Split(x[idx_test], y[idx_test]),
                   tuple("0123456789"), {"source": "sklearn.datasets.load_digits", "split_seed": SPLIT_SEED})
