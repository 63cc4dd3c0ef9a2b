"""MATLAB ``.mat`` files (Flowers-102's labels and splits, NIST36, SVHN), checked before scipy reads them.

scipy's ``loadmat`` trusts the file: one flipped type byte can crash the process inside its compiled reader,
and sizes it reads are allocated as declared. So :func:`load_mat` first walks the whole file itself
(:func:`check_v5`): the v5 header (v4 and v7.3/HDF5 files are refused in one line), then every data element
at every depth, under a depth limit: a known type, a declared size that lies within its parent, array flags,
dimensions and a class mllab reads (numeric, text, cell, struct), a data size that equals what the dimensions
and type say. ``miCOMPRESSED`` elements are inflated under a cap for the whole file. Only a file that passes
goes to scipy, and anything scipy still raises becomes the same one-line :class:`DataFormatError`.

>>> import io, numpy as np, scipy.io
>>> buf = io.BytesIO(); scipy.io.savemat(buf, {"y": np.arange(3.0)})
>>> load_mat(buf.getvalue(), "demo", "y.mat", ["y"])["y"].tolist()
[[0.0, 1.0, 2.0]]
>>> load_mat(b"MATLAB 7.3 MAT-file" + bytes(105) + b"\\x00\\x02IM", "demo", "y.mat", ["y"])
Traceback (most recent call last):
...
mllab.data.errors.DataFormatError: demo: y.mat is a MATLAB v7.3 (HDF5) file, which mllab does not read; ...
"""

from __future__ import annotations

import io
import math
import struct
import warnings

import numpy as np

from mllab.data.errors import DataFormatError
from mllab.data.inflate import inflate, output_cap

HEADER = 128
MI_MATRIX, MI_COMPRESSED = 14, 15
# Element type -> item size (bytes) for the numeric types; text types; the rest are unknown (scipy may crash).
NUMERIC = {1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8}
TEXT = {1: 1, 2: 1, 4: 2, 16: 0, 17: 2, 18: 4}  # 16 is miUTF8: variable width
CELL, STRUCT, OBJECT, CHAR, SPARSE = 1, 2, 3, 4, 5
NUMERIC_CLASSES = range(6, 16)  # mxDOUBLE .. mxUINT64
COMPLEX_FLAG = 0x0800
MAX_DEPTH = 16
MAX_DIMS = 32
MAX_EMPTY_ITEMS = 1 << 16  # cells or structs without content still cost an object each in scipy


class _Walk:
    """State of one check: the byte order, the file's name, and the inflation budget left."""

    def __init__(self, order: str, where: str, budget: int):
        self.order, self.where, self.budget = order, where, budget

    def fail(self, what: str) -> DataFormatError:
        return DataFormatError(f"{self.where}: {what}; the file is corrupt or not the official one: delete it "
                               f"and fetch it again")

    def elements(self, buf: memoryview, padded: bool, path: str) -> list[tuple[int, memoryview]]:
        """``(type, data)`` of the elements tiling ``buf`` (8-byte aligned when ``padded``), small ones too."""
        out, pos = [], 0
        while pos < len(buf):
            if len(buf) - pos < 8:
                raise self.fail(f"{path}: {len(buf) - pos} stray bytes at offset {pos}, too few for an element tag")
            first, second = struct.unpack_from(self.order + "II", buf, pos)
            if first >> 16:  # small data element: size and type packed in 4 bytes, data in the next 4
                kind, size = first & 0xFFFF, first >> 16
                if size > 4:
                    raise self.fail(f"{path}: a small data element at offset {pos} declares {size} bytes (at most 4)")
                out.append((kind, buf[pos + 4:pos + 4 + size]))
                pos += 8
                continue
            kind, size, start = first, second, pos + 8
            if size > len(buf) - start:
                raise self.fail(f"{path}: the element at offset {pos} declares {size} bytes but only "
                                f"{len(buf) - start} remain")
            out.append((kind, buf[start:start + size]))
            pos = start + (size + 7) // 8 * 8 if padded else start + size
        return out

    def top(self, body: bytes) -> None:
        for index, (kind, data) in enumerate(self.elements(body, padded=False, path="top level")):
            path = f"variable {index + 1}"
            if kind == MI_COMPRESSED:
                data = self.inflated(data, path)
            elif kind != MI_MATRIX:
                raise self.fail(f"{path}: element type {kind}, expected a matrix (14) or compressed data (15)")
            if not data:
                raise self.fail(f"{path}: an empty element")
            self.matrix(data, path, depth=0)

    def inflated(self, data: bytes, path: str) -> bytes:
        """A compressed element's single matrix element, inflated within the file's budget."""
        out = inflate(data, f"{self.where} ({path})", max(self.budget, 0))
        self.budget -= len(out)
        inner = self.elements(memoryview(out), padded=False, path=path)
        if len(inner) != 1 or inner[0][0] != MI_MATRIX:
            raise self.fail(f"{path}: compressed data that is not exactly one matrix element")
        return inner[0][1]

    def matrix(self, data: bytes, path: str, depth: int) -> None:
        """One miMATRIX element's content: flags, dimensions, name, then what its class holds."""
        if depth > MAX_DEPTH:
            raise self.fail(f"{path}: cells or structs nested deeper than {MAX_DEPTH}")
        if not data and depth:  # an empty matrix inside a cell or struct is how MATLAB writes []
            return
        parts = self.elements(data, padded=True, path=path)
        if len(parts) < 3:
            raise self.fail(f"{path}: a matrix without flags, dimensions and name")
        (kf, flags), (kd, dims_raw), (kn, name) = parts[:3]
        if kf != 6 or len(flags) != 8:
            raise self.fail(f"{path}: array flags of type {kf} and {len(flags)} bytes, expected uint32 x 2")
        if kd != 5 or len(dims_raw) % 4 or not 8 <= len(dims_raw) <= 4 * MAX_DIMS:
            raise self.fail(f"{path}: dimensions of type {kd} and {len(dims_raw)} bytes, expected 2..{MAX_DIMS} "
                            f"int32 values")
        if kn not in (1, 2):
            raise self.fail(f"{path}: a name of element type {kn}, expected int8 text")
        dims = struct.unpack(f"{self.order}{len(dims_raw) // 4}i", dims_raw)
        if min(dims) < 0:
            raise self.fail(f"{path}: negative dimension in {dims}")
        cls, count = struct.unpack_from(self.order + "I", flags)[0], math.prod(dims)
        label = f"{path} ({bytes(name).decode('latin-1')!r})" if depth == 0 else path
        self.content(cls & 0xFF, bool(cls & COMPLEX_FLAG), count, parts[3:], label, depth)

    def content(self, cls: int, complex_: bool, count: int, rest: list[tuple[int, bytes]], path: str,
                depth: int) -> None:
        if cls in NUMERIC_CLASSES:
            self.numeric(rest, count, 2 if complex_ else 1, path)
        elif cls == CHAR:
            self.text(rest, count, path)
        elif cls == CELL:
            self.children(rest, count, path, depth)
        elif cls == STRUCT:
            self.fields(rest, count, path, depth)
        elif cls == OBJECT and rest and rest[0][0] in (1, 2):  # a class name, then a struct
            self.fields(rest[1:], count, path, depth)
        else:
            what = {SPARSE: "a sparse matrix"}.get(cls, f"array class {cls}")
            raise self.fail(f"{path}: {what}, which mllab does not read (numeric arrays, text, cells and structs)")

    def numeric(self, rest: list[tuple[int, bytes]], count: int, parts: int, path: str) -> None:
        if len(rest) != parts:
            raise self.fail(f"{path}: {len(rest)} data elements, expected {parts}")
        for kind, data in rest:
            if kind not in NUMERIC or len(data) != count * NUMERIC[kind]:
                raise self.fail(f"{path}: data of element type {kind} and {len(data)} bytes, expected a numeric "
                                f"type and {count} values")

    def text(self, rest: list[tuple[int, bytes]], count: int, path: str) -> None:
        if len(rest) != 1 or rest[0][0] not in TEXT:
            raise self.fail(f"{path}: text held in {[k for k, _ in rest]} elements, expected one text element")
        kind, data = rest[0]
        width = TEXT[kind]
        fits = len(data) == count * width if width else count <= len(data) <= 4 * count  # UTF-8: 1..4 bytes each
        if not fits:
            raise self.fail(f"{path}: {len(data)} bytes of text for {count} characters")

    def children(self, rest: list[tuple[int, bytes]], count: int, path: str, depth: int) -> None:
        if len(rest) != count or (count > MAX_EMPTY_ITEMS and not all(d for _, d in rest)):
            raise self.fail(f"{path}: {len(rest)} elements for {count} cells")
        for index, (kind, data) in enumerate(rest):
            if kind != MI_MATRIX:
                raise self.fail(f"{path}: cell {index} has element type {kind}, expected a matrix")
            self.matrix(data, f"{path}[{index}]", depth + 1)

    def fields(self, rest: list[tuple[int, bytes]], count: int, path: str, depth: int) -> None:
        if len(rest) < 2 or rest[0][0] != 5 or len(rest[0][1]) != 4 or rest[1][0] not in (1, 2):
            raise self.fail(f"{path}: a struct without its field-name length and names")
        width = struct.unpack(self.order + "i", rest[0][1])[0]
        names = rest[1][1]
        if width <= 0 or len(names) % width:
            raise self.fail(f"{path}: field names of {len(names)} bytes in slots of {width}")
        nfields = len(names) // width
        if nfields == 0 and count > MAX_EMPTY_ITEMS:
            raise self.fail(f"{path}: {count} structs without fields")
        self.children(rest[2:], count * nfields, path, depth)


def check_v5(payload: bytes, where: str) -> None:
    """Raise :class:`DataFormatError` (naming ``where``) unless ``payload`` is a well-formed MATLAB v5 file."""
    if len(payload) < HEADER:
        raise DataFormatError(f"{where}: {len(payload)} bytes, too short for a MATLAB file (128-byte header); the "
                              f"file is truncated or not a .mat file: delete it and fetch it again")
    marker = payload[126:128]
    order = {b"IM": "<", b"MI": ">"}.get(marker)
    version = struct.unpack_from((order or "<") + "H", payload, 124)[0]
    if order and version == 0x0200:
        raise DataFormatError(f"{where} is a MATLAB v7.3 (HDF5) file, which mllab does not read; save it in "
                              f"MATLAB with save(..., '-v7') or fetch the official file again")
    if order is None or version != 0x0100:
        raise DataFormatError(f"{where}: not a MATLAB v5/v7 file (header version {version:#06x}, endian marker "
                              f"{marker!r}; expected 0x0100 and 'IM' or 'MI'); it is corrupt or a MATLAB v4 file: "
                              f"delete it and fetch it again")
    _Walk(order, where, output_cap(len(payload))).top(memoryview(payload)[HEADER:])  # views: no copies


def read_variables(payload: bytes, where: str, names: list[str] | None = None) -> dict:
    """scipy's ``loadmat`` of ``names`` (all variables when None), the file checked first (:func:`check_v5`);
    anything scipy still raises becomes a :class:`DataFormatError` naming ``where``."""
    from scipy.io import loadmat

    check_v5(payload, where)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a variable scipy cannot read comes back as a string: refused later
            return loadmat(io.BytesIO(payload), variable_names=None if names is None else list(names))
    except Exception as err:  # anything scipy raises on the checked bytes: still the file's fault
        raise DataFormatError(f"{where} is not a readable MATLAB file ({type(err).__name__}: {err}); delete it "
                              f"and fetch it again") from err


def load_mat(payload: bytes, dataset: str, source: str, names: list[str]) -> dict[str, np.ndarray]:
    """Variables ``names`` of a MATLAB v5/v7 payload as real numeric arrays (:func:`read_variables`); every
    failure is one :class:`DataFormatError` naming ``dataset`` and ``source``."""
    where = f"{dataset}: {source}"
    mat = read_variables(payload, where, names)
    absent = [n for n in names if n not in mat]
    if absent:
        raise DataFormatError(f"{where} lacks variable(s) {absent} (found {sorted(k for k in mat if k[0] != '_')})")
    for name in names:
        value = mat[name]
        if not isinstance(value, np.ndarray) or value.dtype.kind not in "biuf":
            kind = value.dtype if isinstance(value, np.ndarray) else type(value).__name__
            raise DataFormatError(f"{where}: variable {name} holds {kind}, expected a real numeric array")
    return {name: mat[name] for name in names}
