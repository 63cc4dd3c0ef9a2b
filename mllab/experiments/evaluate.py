"""Evaluate a finished run again, possibly on changed test data (e.g. inverted MNIST).

The run's backend evaluates with the task it trained with (a VAE's loss, a
classifier's label smoothing), so on unchanged data every recorded test
metric is reproduced.
"""

from __future__ import annotations

from pathlib import Path

from mllab.core.errors import ConfigError
from mllab.experiments.backends import backend_for
from mllab.experiments.features import prepare_data
from mllab.runs.config import resolve_config
from mllab.runs.load import load_run


def evaluate_run(run_path: Path, overrides: list[str], checkpoint: str = "auto",
                 trust_pickle: bool = False) -> dict[str, float]:
    """Test metrics of a run's saved model; ``overrides`` may change ``data.*`` only. ``checkpoint`` is
    checked against the run's checkpoints before any data is loaded; ``trust_pickle``: see
    :func:`~mllab.runs.load.load_run`."""
    bad = [o for o in overrides if not o.startswith("data.")]
    if bad:
        raise ConfigError(f"eval overrides may change data.* only (the model is fixed); got {bad}")
    run = load_run(run_path, trust_pickle=trust_pickle)
    run.model(checkpoint)  # a wrong name, a damaged or untrusted checkpoint: said before the data loads
    cfg = resolve_config(run.config.model_dump(mode="json"), overrides)
    return backend_for(cfg).evaluate(cfg, run, prepare_data(cfg.data), checkpoint)
