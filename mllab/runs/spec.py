"""What rebuilds a run's model: ``model.json`` (engine, registered name, input shape and dtype, classes,
parameters, and the format of its checkpoints: :mod:`mllab.runs.checkpoints`).

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

from mllab.core.errors import ConfigError, MllabError
from mllab.core.files import atomic_write_text
from mllab.core.yamlfile import one_line
from mllab.runs.checkpoints import FORMATS_OF, OLDER, WRITES

SPEC_FILE = "model.json"
MAX_SPEC_BYTES = 1 << 20  # a spec is a few hundred bytes; a vocabulary-sized one a few kB
ENGINES = ("torch", "numpy", "classical")
INPUT_DTYPES = ("float16", "float32", "float64", "int32", "int64", "uint8")


@dataclass(frozen=True)
class ModelSpec:
    engine: str  # "torch", "numpy" or "classical"
    name: str
    input_shape: tuple[int, ...] | None  # one example as the model takes it (after data.transforms)
    num_classes: int | None
    params: dict[str, Any] = field(default_factory=dict)
    checkpoint_format: str = ""  # mllab.runs.checkpoints' formats; "" = the one this mllab writes for the engine
    input_dtype: str | None = None  # the dtype the model takes (after data.transforms); None: not recorded

    def __post_init__(self):
        if not self.checkpoint_format and self.engine in WRITES:
            object.__setattr__(self, "checkpoint_format", WRITES[self.engine])

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
        """The spec in ``run_path/model.json`` (None when the run has none); a file that is damaged or not a
        spec is a :class:`ConfigError` naming it."""
        path = Path(run_path) / SPEC_FILE
        if not path.is_file():
            return None
        with open(path, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
        try:
            if len(data) > MAX_SPEC_BYTES:
                raise ValueError(f"larger than {MAX_SPEC_BYTES} bytes")
            return cls._from_dict(json.loads(data))
        except (ValueError, TypeError, KeyError, RecursionError) as err:  # JSONDecodeError is a ValueError
            what = f"missing key {err}" if isinstance(err, KeyError) else one_line(str(err) or type(err).__name__)
            raise ConfigError(f"{one_line(str(path))}: not a model spec mllab wrote ({what}); the run folder is "
                              f"damaged: copy it again, or train the run again") from None

    @classmethod
    def _from_dict(cls, d: Any) -> "ModelSpec":
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object, found {type(d).__name__}")
        engine, name, shape, classes, params = (d["engine"], d["name"], d["input_shape"], d["num_classes"],
                                                d["params"])
        if engine not in ENGINES or not isinstance(name, str) or not isinstance(params, dict):
            raise ValueError(f"engine {engine!r}, name {name!r}, params of type {type(params).__name__}: expected "
                             f"an engine of {', '.join(ENGINES)}, a name and a mapping")
        if shape is not None and not (isinstance(shape, list) and all(_is_count(n) for n in shape)):
            raise ValueError(f"input_shape {shape!r} is not a list of positive integers")
        if classes is not None and not _is_count(classes):
            raise ValueError(f"num_classes {classes!r} is not a positive integer")
        fmt, dtype = d.get("checkpoint_format", OLDER[engine]), d.get("input_dtype")  # absent: an older mllab's
        if fmt not in FORMATS_OF[engine]:
            raise ValueError(f"checkpoint_format {fmt!r} is not one of {engine}'s ({', '.join(FORMATS_OF[engine])})")
        if dtype is not None and dtype not in INPUT_DTYPES:
            raise ValueError(f"input_dtype {dtype!r} is not one of {', '.join(INPUT_DTYPES)}")
        return cls(engine, name, tuple(shape) if shape else None, classes, params, fmt, dtype)


def _is_count(n: Any) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and 0 < n < 2**31


def engine_of(model_cfg) -> str:
    """``numpy`` for ``model.backend: numpy``, else the registered model's kind (``torch`` or ``classical``)."""
    if model_cfg.backend == "numpy":
        return "numpy"
    from mllab.models.registry import MODELS

    return "classical" if MODELS.entry(model_cfg.name).meta.get("kind") == "classical" else "torch"


def spec_for(cfg, input_shape: tuple[int, ...], num_classes: int, info: dict[str, Any],
             input_dtype: str | None = None) -> ModelSpec:
    """The spec of ``cfg``'s model (a RunConfig) for data of ``input_shape`` (and ``input_dtype``) with
    ``num_classes`` and dataset ``info``: a scratch net gets the run's seed and init, an estimator with a
    ``random_state`` the run's seed (unless the params set one), a torch net what its dataset tells it
    (vocabulary). An estimator's input shape and classes are recorded only to check inputs by."""
    engine, params = engine_of(cfg.model), dict(cfg.model.params)
    shape, dtype = tuple(input_shape), (input_dtype if input_dtype in INPUT_DTYPES else None)
    if engine == "numpy":
        params = {"seed": cfg.seed, **params, **({"init": cfg.model.init} if cfg.model.init != "default" else {})}
        return ModelSpec(engine, cfg.model.name, shape, num_classes, params, input_dtype=dtype)
    from mllab.models.registry import MODELS, told_by_data

    if engine == "classical":
        if "random_state" in inspect.signature(MODELS.get(cfg.model.name)).parameters:
            params.setdefault("random_state", cfg.seed)
        return ModelSpec(engine, cfg.model.name, shape, num_classes, params, input_dtype=dtype)
    params = {**told_by_data(cfg.model.name, info), **params}
    return ModelSpec(engine, cfg.model.name, shape, num_classes, params, input_dtype=dtype)
