"""Each engine's checkpoint format, defined once: which files a run holds and how they are written and read.

A run's ``model.json`` names its format (``checkpoint_format``); only that format's files are opened,
whatever else lies in ``checkpoints/``. Nothing here unpickles, except a ``pickle`` checkpoint under an
explicit ``trust_pickle=True``.

============  ===========  ========================================  ==========================================
format        engine       files (``RUN/checkpoints/``)              read with
============  ===========  ========================================  ==========================================
``pt``        torch        ``last.pt``, ``best.pt``                  ``torch.load(weights_only=True)``:
                                                                     ``{"model": state_dict, ...}``
``npz``       numpy        ``last.npz`` (+ ``last_state.json``),     ``np.load(allow_pickle=False)``
                           ``best.npz``                              (:func:`mllab.scratch.train.save`)
``npz+json``  classical    ``last.npz`` (fitted arrays) +            ``np.load(allow_pickle=False)``; the
                           ``last.json`` (registered name, params)   estimator rebuilt through the registry
``pickle``    classical    ``last.pkl``: written by mllab before      refused unless ``trust_pickle=True``
                           ``npz+json`` (model.json without a
                           ``checkpoint_format``)
============  ===========  ========================================  ==========================================

Any damage to a checkpoint (garbage, truncation, missing keys, weights that do not fit the model) is a
:class:`CheckpointError` naming the file.

>>> sorted(WRITES.items())
[('classical', 'npz+json'), ('numpy', 'npz'), ('torch', 'pt')]
"""

from __future__ import annotations

import io
import json
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from mllab.core.errors import MllabError, NotARunError
from mllab.core.files import atomic_path, atomic_write_text

SUFFIX = {"pt": ".pt", "npz": ".npz", "npz+json": ".npz", "pickle": ".pkl"}  # format -> checkpoint file suffix
WRITES = {"torch": "pt", "numpy": "npz", "classical": "npz+json"}  # what this mllab writes, by engine
OLDER = {"torch": "pt", "numpy": "npz", "classical": "pickle"}  # a model.json that names no format
FORMATS_OF = {"torch": ("pt",), "numpy": ("npz",), "classical": ("npz+json", "pickle")}  # all an engine had
ESTIMATOR_FORMAT = "mllab-estimator/1"  # the "format" field of an npz+json checkpoint's JSON
MAX_JSON_BYTES = 1 << 20  # a checkpoint's JSON holds names, params and scalars: far below 1 MB
MAX_JOBS = 256


class CheckpointError(MllabError):
    """A checkpoint that cannot be loaded safely: damaged, missing, or of a format mllab does not open."""


def path_of(folder: Path, name: str, engine: str) -> Path:
    """``folder/<name><suffix>`` of the format this mllab writes for ``engine``."""
    return file_of(folder, name, WRITES[engine])


def file_of(folder: Path, name: str, fmt: str) -> Path:
    """``folder/<name><suffix>`` for checkpoint format ``fmt``."""
    return Path(folder) / f"{name}{SUFFIX[fmt]}"


def names(folder: Path, fmt: str) -> list[str]:
    """The checkpoints in ``folder`` in format ``fmt``, by name (``['best', 'last']``)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p.stem for p in folder.glob(f"*{SUFFIX[fmt]}") if p.is_file() and not p.name.startswith("."))


def find(folder: Path, name: str) -> Path | None:
    """A file of checkpoint ``name`` in any format (whether a run has saved one; what to load is the
    format's business: :func:`restore`)."""
    return next((p for p in (Path(folder) / f"{name}{s}" for s in set(SUFFIX.values())) if p.is_file()), None)


def missing(run_path: Path, name: str, present: list[str] | None = None, fmt: str | None = None) -> NotARunError:
    """The error for checkpoint ``name`` absent from run ``run_path``, naming the ones ``present`` (in the
    run's format ``fmt``) and any files of another format, which mllab does not open for this run."""
    if present:
        return NotARunError(f"run {run_path}: no checkpoint {name!r}; it has {', '.join(present)}: pass one of "
                            f"them (--checkpoint {present[0]}) or auto")
    folder = Path(run_path) / "checkpoints"
    others = sorted(p.name for p in folder.glob("*") if p.is_file() and not p.name.startswith(".")) \
        if fmt and folder.is_dir() else []
    if others:
        return NotARunError(f"run {run_path}: no checkpoint {name!r} in the format its model.json names "
                            f"({fmt}: {name}{SUFFIX[fmt]}); checkpoints/ holds {', '.join(others[:6])}, which "
                            "mllab does not open for this run: restore the run's own files or retrain it")
    return NotARunError(f"run {run_path}: no checkpoint {name!r} in checkpoints/ (the run stopped before its "
                        f"first epoch ended, or never saved one): start it again instead of resuming")


# --- torch ------------------------------------------------------------------------------------------
def save_torch(path: Path, state: dict[str, Any]) -> Path:
    import torch

    buffer = io.BytesIO()  # torch's own file writer reports a full disk as "unexpected pos": write it ourselves
    torch.save(state, buffer)
    with atomic_path(path, suffix=".pt") as tmp:
        tmp.write_bytes(buffer.getbuffer())
    return path


def load_torch(path: Path, map_location="cpu") -> dict[str, Any]:
    """A torch checkpoint, tensors and plain containers only (``weights_only=True``); a :class:`CheckpointError`
    naming the file for anything else (torch's own message advises turning that protection off)."""
    import torch

    try:
        with warnings.catch_warnings():  # torch warns about odd pickle protocols before refusing the file
            warnings.simplefilter("ignore")
            state = torch.load(path, map_location=map_location, weights_only=True)
    except Exception as err:  # a hostile or damaged file meets torch's unpickler: any error is the file's
        raise damaged(path, err, "not a torch checkpoint mllab reads (tensors and plain containers only)",
                      quote=False) from err
    if not isinstance(state, dict) or "model" not in state:
        raise CheckpointError(f"{path}: a torch checkpoint without the 'model' entry mllab writes (found "
                              f"{_keys(state)}); the file is not mllab's: retrain the run or restore the file")
    return state


def _keys(state) -> str:
    return f"keys {sorted(map(str, state))[:5]}" if isinstance(state, dict) else type(state).__name__


def load_weights(model, path: Path):
    """``model`` with the weights of torch checkpoint ``path``; a mismatch is a :class:`CheckpointError`."""
    state = load_torch(path)
    try:
        model.load_state_dict(state["model"])
    except Exception as err:  # missing / unexpected keys, a size mismatch, not a state dict at all
        reason = (str(err).strip().splitlines() or [""])[-1].strip()[:160]
        raise CheckpointError(f"{path}: its weights do not fit the model model.json describes ({reason}); "
                              "the checkpoint belongs to another run: retrain this one or restore the file") from err
    return model


# --- numpy engine and estimators: .npz, never pickled ------------------------------------------------
def read_npz(path: Path) -> dict[str, np.ndarray]:
    """Every array of the ``.npz`` at ``path`` (``allow_pickle=False``; members stored, not compressed, as
    ``np.savez`` writes them, so what is read is no larger than the file)."""
    with zipfile.ZipFile(path) as archive:
        packed = [i.filename for i in archive.infolist() if i.compress_type != zipfile.ZIP_STORED]
    if packed:
        raise ValueError(f"compressed members {packed[:3]} (mllab writes them stored)")
    with np.load(path, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def load_scratch(model, path: Path, opt=None):
    """Numpy-engine checkpoint ``path`` into ``model`` (a scratch net) and ``opt``; returns (epoch, rng)."""
    from mllab.scratch.train import load

    try:
        read_npz(path)  # the file's members checked before the engine reads it
        return load(path, model, opt)
    except Exception as err:  # a damaged file: any error is the file's
        raise damaged(path, err, "not a numpy-engine checkpoint mllab reads") from err


def read_json(path: Path) -> dict[str, Any]:
    """A checkpoint's (or ``last_state.json``'s) JSON object; a :class:`CheckpointError` naming it otherwise."""
    try:
        if Path(path).stat().st_size > MAX_JSON_BYTES:
            raise ValueError(f"over {MAX_JSON_BYTES} bytes")
        data = json.loads(Path(path).read_text())
    except (OSError, ValueError, RecursionError) as err:
        raise damaged(path, err, "not readable JSON") from err
    if not isinstance(data, dict):
        raise CheckpointError(f"{path}: expected a JSON object, found {type(data).__name__}; restore the file")
    return data


def save_estimator(path: Path, estimator, name: str | None = None) -> Path:
    """Write fitted ``estimator`` as ``path`` (``.npz``: its fitted arrays) and ``path.with_suffix('.json')``
    (registered ``name``, hyper-parameters, fitted scalars). Nothing is pickled."""
    from mllab.models.classical._state import encode

    arrays, described = encode(estimator.get_fitted_state())
    meta = {"format": ESTIMATOR_FORMAT, "model": name or _registered_name(estimator),
            "params": estimator.get_params(deep=False), **described}
    text = json.dumps(meta, indent=1)  # before any file is written: a param JSON cannot hold fails here
    with atomic_path(Path(path), suffix=".npz") as tmp:
        np.savez(tmp, **arrays)
    atomic_write_text(Path(path).with_suffix(".json"), text)
    return path


def load_estimator(path: Path):
    """The fitted estimator saved by :func:`save_estimator` at ``path``, rebuilt through the model registry."""
    from mllab.models.classical._state import check_described, decode, restored_ok

    path = Path(path)
    meta_path = path.with_suffix(".json")
    meta = read_json(meta_path)
    try:
        check_described(meta, ESTIMATOR_FORMAT)
        estimator = _unfitted(meta["model"], meta["params"])
    except Exception as err:  # the JSON is data from anywhere: any inconsistency is the file's
        raise damaged(meta_path, err, "not an estimator description mllab reads") from err
    try:
        estimator.set_fitted_state(decode(read_npz(path), meta))
        restored_ok(estimator)
    except Exception as err:
        raise damaged(path, err, "its arrays do not make the fitted estimator its JSON describes") from err
    return estimator


def _unfitted(name: str, params: dict[str, Any]):
    from mllab.models.registry import MODELS, create_model

    if MODELS.entry(name).meta.get("kind") != "classical":
        raise ValueError(f"{name!r} is not a classical model")
    jobs = params.get("n_jobs")  # a file must not make prediction start a million workers
    if jobs is not None and not (isinstance(jobs, int) and abs(jobs) <= MAX_JOBS):
        raise ValueError(f"n_jobs={jobs!r}, expected None or an integer within +-{MAX_JOBS}")
    return create_model(name, **params)


def _registered_name(estimator) -> str:
    from mllab.models.registry import MODELS

    for name in MODELS.names(kind="classical"):
        if type(estimator) is MODELS.get(name):
            return name
    raise TypeError(f"{type(estimator).__name__} is not a registered classical model; pass its name")


# --- the one place a format is chosen --------------------------------------------------------------
def restore(model, path: Path, fmt: str, trust_pickle: bool = False):
    """The trained model of checkpoint ``path`` in format ``fmt``: ``model`` (built fresh from model.json)
    with its weights for ``pt`` and ``npz``; for the classical formats the saved estimator (``model`` unused).
    A ``pickle`` checkpoint is opened only with ``trust_pickle=True``."""
    if fmt == "pt":
        return load_weights(model, path)
    if fmt == "npz":
        load_scratch(model, path)
        return model
    if fmt == "npz+json":
        return load_estimator(path)
    if fmt == "pickle":
        return _unpickle(path, trust_pickle)
    raise CheckpointError(f"{path}: unknown checkpoint format {fmt!r}; expected one of {sorted(SUFFIX)}")


def _unpickle(path: Path, trust_pickle: bool):
    if not trust_pickle:
        raise CheckpointError(
            f"{path}: a pickled estimator from an older mllab; unpickling runs whatever code the file holds, so "
            "mllab does not open it. Retrain the run (mllab train RUN/config.yaml) for a checkpoint without "
            "pickle, or, only for a file you made yourself, pass --trust-pickle (load_run(..., trust_pickle=True))")
    import pickle

    from sklearn.base import BaseEstimator

    try:
        estimator = pickle.loads(Path(path).read_bytes())
    except Exception as err:  # the owner vouched for the file; a damaged one is still named
        raise damaged(path, err, "not a readable pickle") from err
    if not isinstance(estimator, BaseEstimator):
        raise CheckpointError(f"{path}: holds a {type(estimator).__name__}, not a fitted estimator; retrain the run")
    return estimator


def damaged(path: Path, err: BaseException, what: str, quote: bool = True) -> CheckpointError:
    """One line naming ``path`` and the reason: the error's type, and its first line when short and ``quote``."""
    detail = (str(err).strip().splitlines() or [""])[0] if quote else ""
    reason = type(err).__name__ + (f": {detail}" if detail and len(detail) <= 160 else "")
    return CheckpointError(f"{path}: {what} ({reason}); the file is damaged or not mllab's: retrain the run "
                           "or restore the file")
