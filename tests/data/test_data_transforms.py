"""Transforms and subsets: statistics from train only, exact shapes and orders, seeded subsets."""

import numpy as np
import pytest

from mllab.data import Dataset, Split
from mllab.data.subsets import first_per_class, keep_classes, stratified_partition, stratified_subset, train_val_split
from mllab.data.transforms import apply_transforms, one_hot


@pytest.fixture
def ds():
    rng = np.random.default_rng(0)
    train = Split(rng.integers(0, 256, (40, 3, 4, 5), dtype=np.uint8), np.arange(40) % 4)
    test = Split(np.full((6, 3, 4, 5), 255, np.uint8), np.arange(6) % 4)
    return Dataset("toy", train, test, ("a", "b", "c", "d"))


def test_standardize_uses_train_statistics_only(ds):
    out = apply_transforms(ds, ["scale", "standardize"])
    x = ds.train.x.astype(np.float64) / 255
    mean, std = x.mean(axis=(0, 2, 3)), x.std(axis=(0, 2, 3))
    assert np.allclose(out.train.x.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    assert np.allclose(out.train.x.std(axis=(0, 2, 3)), 1, atol=1e-4)
    assert np.allclose(out.test.x[0, :, 0, 0], (1 - mean) / std, atol=1e-5)  # test mapped with train's mean/std
    assert np.allclose(out.info["standardize"]["mean"], mean, atol=1e-6)
    assert out.info["transforms"] == ["scale", "standardize"]


def test_scale_and_invert(ds):
    scaled = apply_transforms(ds, ["scale"])
    assert scaled.train.x.dtype == np.float32 and scaled.train.x.max() <= 1
    inverted = apply_transforms(ds, ["scale", "invert"])
    assert np.allclose(inverted.train.x, 1 - scaled.train.x) and inverted.test.x.max() == 0
    raw = apply_transforms(ds, ["invert"])
    assert raw.train.x.dtype == np.uint8 and np.array_equal(raw.train.x, 255 - ds.train.x)
    with pytest.raises(ValueError, match="expects uint8"):
        apply_transforms(scaled, ["scale"])


def test_rows_as_sequence_shape_and_order(ds):
    out = apply_transforms(ds, ["rows_as_sequence"])
    assert out.train.x.shape == (40, 4, 15)  # (N, H, W*C)
    x = ds.train.x
    # time step h holds row h, pixel by pixel, the C channel values of a pixel side by side
    assert out.train.x[7, 2, 0:3].tolist() == x[7, :, 2, 0].tolist()
    assert out.train.x[7, 2, 3:6].tolist() == x[7, :, 2, 1].tolist()
    with pytest.raises(ValueError, match="needs images shaped"):
        apply_transforms(ds, ["flatten", "rows_as_sequence"])


def test_flatten_matches_reshape(ds):
    assert np.array_equal(apply_transforms(ds, ["flatten"]).train.x, ds.train.x.reshape(40, -1))


def test_one_hot():
    assert one_hot(np.array([2, 0, 1]), 3).tolist() == np.eye(3)[[2, 0, 1]].tolist()
    with pytest.raises(ValueError, match=r"labels must lie in 0..2; found 0..3"):
        one_hot(np.array([0, 3]), 3)


def test_first_per_class_keeps_order():
    s = Split(np.arange(10), np.array([1, 0, 1, 1, 0, 2, 0, 2, 1, 2]))
    out = first_per_class(s, 2)
    assert out.x.tolist() == [0, 1, 2, 4, 5, 7]
    with pytest.raises(ValueError, match="n must be a positive"):
        first_per_class(s, 0)


def test_keep_classes_selects_and_relabels_in_the_given_order(ds):
    out = keep_classes(ds, [3, 1])
    assert out.classes == ("d", "b") and out.info["kept_classes"] == ["d", "b"]
    assert np.array_equal(out.train.x, ds.train.x[np.isin(ds.train.y, [3, 1])])
    assert np.array_equal(out.train.y, np.where(ds.train.y[np.isin(ds.train.y, [3, 1])] == 3, 0, 1))
    assert sorted(set(out.test.y.tolist())) == [0, 1] and len(out.test) == 3


@pytest.mark.parametrize("classes", [[1], [1, 1], [0, 4], [-1, 2]])
def test_keep_classes_refuses_bad_lists_naming_the_choices(ds, classes):
    with pytest.raises(ValueError, match=r"data.classes: expected at least two distinct label indices in 0..3"):
        keep_classes(ds, classes)


def test_stratified_subset_proportions_and_seed():
    y = np.repeat([0, 1, 2], [500, 300, 200])
    s = Split(np.arange(1000), y)
    a, b, c = (stratified_subset(s, 100, seed) for seed in (0, 0, 1))
    assert np.bincount(a.y).tolist() == [50, 30, 20]
    assert np.array_equal(a.x, b.x) and not np.array_equal(a.x, c.x)
    assert np.all(np.diff(a.x) > 0)  # kept in original order
    assert len(stratified_subset(s, 5000, 0)) == 1000


def test_train_val_split_is_a_partition():
    y = np.repeat([0, 1], [80, 20])
    train, val = train_val_split(Split(np.arange(100), y), 0.25, seed=3)
    assert np.bincount(val.y).tolist() == [20, 5] and len(train) == 75
    assert sorted(train.x.tolist() + val.x.tolist()) == list(range(100))
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        train_val_split(Split(np.arange(100), y), 1.0, 0)


def test_a_grouped_split_keeps_every_group_on_one_side():
    groups = np.repeat(np.arange(20), np.arange(1, 21))  # 20 groups of 1..20 rows
    s = Split(np.arange(len(groups)), np.arange(len(groups)) % 2, groups=groups)
    train, val = train_val_split(s, 0.25, seed=1)
    assert len(np.unique(val.groups)) == 5 and not set(val.groups) & set(train.groups)
    assert sorted(train.x.tolist() + val.x.tolist()) == list(range(len(groups)))
    assert np.array_equal(val.groups, groups[val.x])  # rows keep their group


def test_stratified_partition_covers_everything():
    y = np.array([0] * 7 + [1] * 3)
    part, rest = stratified_partition(y, 0.5, seed=0)
    assert sorted(np.concatenate([part, rest]).tolist()) == list(range(10))
