"""Each engine's checkpoint format, defined once: where it lives in a run and how it is written and read.

============  =====================================  ==========================================
engine        files (``RUN/checkpoints/``)            content
============  =====================================  ==========================================
``torch``     ``last.pt``, ``best.pt``                ``{"model": state_dict, ...}``; loaded with
                                                      ``weights_only=True``
``numpy``     ``last.npz`` (+ ``last_state.json``),   parameters, optimizer state, epoch, RNG
              ``best.npz``                            (:func:`mllab.scratch.train.save`)
``classical`` ``last.pkl``                            the fitted estimator, pickled: load only
                                                      runs you (or someone you trust) made
============  =====================================  ==========================================

>>> sorted(SUFFIX)
['classical', 'numpy', 'torch']
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

from mllab.core.errors import NotARunError
from mllab.core.files import atomic_path

SUFFIX = {"torch": ".pt", "numpy": ".npz", "classical": ".pkl"}


def path_of(folder: Path, name: str, engine: str) -> Path:
    """``folder/<name><suffix>`` for ``engine``."""
    return Path(folder) / f"{name}{SUFFIX[engine]}"


def find(folder: Path, name: str) -> tuple[Path, str] | None:
    """The checkpoint ``name`` in ``folder`` whatever its engine, as (path, engine); None when there is none."""
    for engine in SUFFIX:
        path = path_of(folder, name, engine)
        if path.is_file():
            return path, engine
    return None


def missing(run_path: Path, name: str) -> NotARunError:
    return NotARunError(f"run {run_path}: no checkpoint {name!r} in checkpoints/ (the run stopped before its "
                        f"first epoch ended, or never saved one): start it again instead of resuming")


def save_torch(path: Path, state: dict[str, Any]) -> Path:
    import torch

    buffer = io.BytesIO()  # torch's own file writer reports a full disk as "unexpected pos": write it ourselves
    torch.save(state, buffer)
    with atomic_path(path, suffix=".pt") as tmp:
        tmp.write_bytes(buffer.getbuffer())
    return path


def load_torch(path: Path, map_location="cpu") -> dict[str, Any]:
    import torch

    return torch.load(path, map_location=map_location, weights_only=True)


def save_estimator(path: Path, estimator) -> Path:
    with atomic_path(path, suffix=".pkl") as tmp:
        tmp.write_bytes(pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL))
    return path


def load_estimator(path: Path):
    return pickle.loads(Path(path).read_bytes())


def restore(model, path: Path, engine: str):
    """Load the weights of checkpoint ``path`` into a freshly built ``model``; returns the model (for
    ``classical``, the unpickled estimator: ``model`` is ignored)."""
    if engine == "torch":
        model.load_state_dict(load_torch(path)["model"])
        return model
    if engine == "numpy":
        from mllab.scratch.train import load

        load(path, model)
        return model
    return load_estimator(path)
