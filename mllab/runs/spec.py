"""What rebuilds a run's model: ``model.json`` (engine, registered name, input shape, classes, parameters).

A run writes it when its model is built, so the model can be rebuilt (and its
checkpoint loaded) from the run folder alone, without loading the data again.
The parameters are complete: those of the config plus what the data told the
model (a text dataset's vocabulary size) and the seed a scratch net or an
estimator was built with.

>>> spec = ModelSpec("torch", "lenet5", (1, 28, 28), 10, {})
>>> type(spec.build()).__name__
'LeNet5'
"""

from __future__ import annotations

import inspect
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mllab.core.errors import ConfigError
from mllab.core.files import atomic_write_text

SPEC_FILE = "model.json"


@dataclass(frozen=True)
class ModelSpec:
    engine: str  # "torch", "numpy" or "classical"
    name: str
    input_shape: tuple[int, ...] | None
    num_classes: int | None
    params: dict[str, Any] = field(default_factory=dict)

    def build(self):
        """A fresh (untrained) model from this spec. A model that refuses its parameters or its data's shape
        is a :class:`~mllab.core.errors.ConfigError` (the config chose a model that cannot take these data)."""
        try:
            if self.engine == "numpy":
                from mllab.scratch.models import create_scratch_model

                return create_scratch_model(self.name, self.input_shape, self.num_classes, **self.params)
            from mllab.models.registry import create_model

            return create_model(self.name, self.input_shape, self.num_classes, **self.params)
        except (ValueError, TypeError) as err:
            if isinstance(err, ConfigError):
                raise
            raise ConfigError(f"model {self.name!r} on inputs of shape {self.input_shape}: {err}") from err

    def write(self, run_path: Path) -> None:
        atomic_write_text(Path(run_path) / SPEC_FILE, json.dumps(asdict(self)))

    @classmethod
    def read(cls, run_path: Path) -> "ModelSpec | None":
        path = Path(run_path) / SPEC_FILE
        if not path.is_file():
            return None
        d = json.loads(path.read_text())
        return cls(d["engine"], d["name"], tuple(d["input_shape"]) if d["input_shape"] else None,
                   d["num_classes"], d["params"])


def engine_of(model_cfg) -> str:
    """``numpy`` for ``model.backend: numpy``, else the registered model's kind (``torch`` or ``classical``)."""
    if model_cfg.backend == "numpy":
        return "numpy"
    from mllab.models.registry import MODELS

    return "classical" if MODELS.entry(model_cfg.name).meta.get("kind") == "classical" else "torch"


def spec_for(cfg, input_shape: tuple[int, ...], num_classes: int, info: dict[str, Any]) -> ModelSpec:
    """The spec of ``cfg``'s model (a RunConfig) for data of ``input_shape`` with ``num_classes`` and dataset
    ``info``: a scratch net gets the run's seed and init, an estimator with a ``random_state`` the run's seed
    (unless the params set one), a torch net what its dataset tells it (vocabulary)."""
    engine, params = engine_of(cfg.model), dict(cfg.model.params)
    if engine == "numpy":
        params = {"seed": cfg.seed, **params, **({"init": cfg.model.init} if cfg.model.init != "default" else {})}
        return ModelSpec(engine, cfg.model.name, tuple(input_shape), num_classes, params)
    from mllab.models.registry import MODELS, told_by_data

    if engine == "classical":
        if "random_state" in inspect.signature(MODELS.get(cfg.model.name)).parameters:
            params.setdefault("random_state", cfg.seed)
        return ModelSpec(engine, cfg.model.name, None, None, params)
    params = {**told_by_data(cfg.model.name, info), **params}
    return ModelSpec(engine, cfg.model.name, tuple(input_shape), num_classes, params)
