"""NIST36 and EMNIST as the OCR classifier's input (the glyphs36 transform), on small files in their formats."""

import gzip

import numpy as np
import pytest

import mllab.data.idx_datasets as idx_datasets
from data_formats import write_emnist, write_idx_gz, write_nist36_mat
from mllab.data import MissingDataError, load
from mllab.data.glyphs import normalize_glyph
from mllab.data.handwritten36 import CLASSES
from mllab.data.transforms import apply_transforms, transform_inputs


def _shapes(n, size, seed):
    """n boolean masks (n, size, size): bars and boxes of random sizes (distinct glyphs)."""
    rng = np.random.default_rng(seed)
    masks = np.zeros((n, size, size), bool)
    for m in masks:
        y0, x0 = rng.integers(2, size // 3, 2)
        y1, x1 = rng.integers(2 * size // 3, size - 2, 2)
        m[y0:y1, x0:x0 + 3] = m[y0:y0 + 3, x0:x1] = True
        if rng.random() < 0.5:
            m[y0:y1, x1 - 3:x1] = True
    return masks


def test_nist36_course_files_become_glyphs(data_root):
    masks = {s: _shapes(n, 32, i) for i, (s, n) in enumerate((("train", 12), ("valid", 4), ("test", 5)))}
    labels = {s: (np.arange(len(m)) * 5) % 36 for s, m in masks.items()}
    for s, m in masks.items():  # the course's polarity: dark ink on white
        write_nist36_mat(data_root / "nist36" / f"nist36_{s}.mat", s, (255 * ~m[:, None]).astype(np.uint8), labels[s])
    ds = apply_transforms(load("nist36"), ["glyphs36"])
    assert ds.classes == CLASSES and ds.train.x.shape == (12, 1, 28, 28) and ds.train.y.tolist() == labels["train"].tolist()
    expected = np.stack([normalize_glyph(m) for m in masks["test"]])[:, None]  # as a page crop of that ink
    assert np.array_equal(ds.test.x, expected) and ds.info["glyphs36_dropped"] == []


def test_emnist_lower_case_is_dropped_and_labels_follow_the_names(data_root, patch_files):
    masks = _shapes(9, 28, 3)
    x = (255 * masks[:, None]).astype(np.uint8)  # EMNIST: bright ink on black
    y = np.array([0, 9, 10, 35, 36, 46, 11, 40, 1])  # 0 9 A Z a t B f 1 (balanced labels)
    write_emnist(data_root / "emnist", x[:4], y[:4], x, y)
    ds = apply_transforms(load("emnist"), ["glyphs36"])
    kept = [i for i, label in enumerate(y) if label < 36]
    assert [CLASSES[c] for c in ds.test.y] == ["0", "9", "A", "Z", "B", "1"]
    assert np.array_equal(ds.test.x[:, 0], np.stack([normalize_glyph(masks[i]) for i in kept]))
    assert ds.info["glyphs36_dropped"] == list("abdefghnqrt")


def test_emnist_byclass_with_its_mapping_file(data_root):
    folder = data_root / "emnist" / "gzip"
    masks = _shapes(4, 28, 4)
    for part in ("train", "test"):  # byclass labels: 0-9, A-Z (10-35), a-z (36-61)
        write_idx_gz(folder / f"emnist-byclass-{part}-images-idx3-ubyte.gz",
                     np.ascontiguousarray((255 * masks).astype(np.uint8).transpose(0, 2, 1)))
        write_idx_gz(folder / f"emnist-byclass-{part}-labels-idx1-ubyte.gz", np.array([61, 12, 3, 47], np.uint8))
    codes = [*range(48, 58), *range(65, 91), *range(97, 123)]
    (folder / "emnist-byclass-mapping.txt").write_text("".join(f"{i} {c}\n" for i, c in enumerate(codes)))
    raw = load("emnist", split="byclass")
    assert raw.num_classes == 62 and raw.info["mapping"].endswith("emnist-byclass-mapping.txt")
    ds = apply_transforms(raw, ["glyphs36"])
    assert [CLASSES[c] for c in ds.train.y] == ["C", "3"]  # z and l dropped
    assert np.array_equal(ds.train.x[1, 0], normalize_glyph(masks[2]))  # upright: the files store it transposed
    with gzip.open(folder / "emnist-byclass-test-images-idx3-ubyte.gz") as f:
        assert f.read()[16:16 + 28 * 28] != masks[0].tobytes()  # (the fixture really is transposed)


def test_missing_files_are_all_named_with_where_and_how(data_root):
    with pytest.raises(MissingDataError) as err:
        load("nist36")
    message = str(err.value)
    assert all(f"nist36_{s}.mat" in message for s in ("train", "valid", "test")) and "\n" not in message
    assert str(data_root / "nist36") in message and "MLLAB_DATA" in message and "data.zip" in message
    with pytest.raises(MissingDataError, match=r"emnist-byclass-train-images.*gzip\.zip"):
        load("emnist", split="byclass")


def test_new_inputs_of_a_run_pass_as_the_reader_normalized_them():
    crops = np.stack([normalize_glyph(m) for m in _shapes(3, 40, 5)])[:, None]
    assert np.array_equal(transform_inputs(crops, ["glyphs36", "scale"]), crops / np.float32(255))


def test_emnist_mapping_file_checked():
    assert idx_datasets.emnist_mapping("1 65\n0 48\n") == ("0", "A")
    with pytest.raises(ValueError, match="labels are not 0..1"):
        idx_datasets.emnist_mapping("0 48\n2 65\n")
