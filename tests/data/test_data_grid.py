"""Sample grids: one image per class first, a readable PNG, clear errors for non-images."""

import numpy as np
import pytest

from mllab.data import Dataset, Split, load
from mllab.data.grid import sample_indices, save_sample_grid


def test_sample_indices_cycle_classes():
    y = np.array([2, 2, 0, 1, 0, 2])
    assert sample_indices(y, 5).tolist() == [2, 3, 0, 4, 1]
    assert sample_indices(y, 100).tolist() == [2, 3, 0, 4, 1, 5]


@pytest.mark.parametrize("channels", [1, 3])
def test_grid_png(tmp_path, channels):
    from PIL import Image

    x = np.random.default_rng(0).integers(0, 256, (12, channels, 8, 8), dtype=np.uint8)
    ds = Dataset("toy", Split(x, np.arange(12) % 4), Split(x[:2], np.arange(2)), ("a", "b", "c", "d"))
    path = save_sample_grid(ds, tmp_path / "g" / "toy.png", n=8, cols=4)
    with Image.open(path) as im:
        assert im.format == "PNG" and im.size[0] > im.size[1] > 50


def test_digits_grid(tmp_path):
    assert save_sample_grid(load("digits"), tmp_path / "d.png", split="test").stat().st_size > 1000


def test_grid_refuses_non_images(tmp_path):
    tokens = Split(np.zeros((3, 5), np.int64), np.arange(3))
    ds = Dataset("text", tokens, tokens, ("a", "b", "c"))
    with pytest.raises(ValueError, match=r"text x has shape \(3, 5\); images"):
        save_sample_grid(ds, tmp_path / "t.png")
    with pytest.raises(ValueError, match="split must be 'train' or 'test'; got 'valid'"):
        save_sample_grid(ds, tmp_path / "t.png", split="valid")
