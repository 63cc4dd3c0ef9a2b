"""Two tiny runs trained once for the tracker tests: a torch MLP and a NumPy MLP on the 8x8 digits, both with
``training.log=[tensorboard, mlflow]`` into one SQLite tracking database (MLflow's import and its database's
creation cost seconds: paid once per session)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

TINY = """experiment: trackers
data: {name: digits, train_subset: 300, val_fraction: 0.2}
model: {name: mlp, params: %s, backend: %s}
optimizer: {name: sgd, lr: 0.1}
training: {epochs: 3, augment: {}}
output: {figures: %s}
"""


def cli(*args):
    from mllab.cli.main import app

    return CliRunner().invoke(app, [str(a) for a in args])


def metrics(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """``{"torch": run folder, "numpy": run folder, "db": sqlite URI}``, both logged live to ``db``."""
    pytest.importorskip("tensorboard")
    pytest.importorskip("mlflow")
    root = tmp_path_factory.mktemp("trackers")
    db = f"sqlite:///{root}/live.db"
    out = {"db": db}
    for backend, params, figures in (("torch", "{widths: [8]}", "true"), ("numpy", "{hidden: [8]}", "false")):
        config = root / f"{backend}.yaml"
        config.write_text(TINY % (params, backend, figures))
        result = cli("train", config, "--out", root / "runs", "-q", "training.log=[tensorboard, mlflow]",
                     f"training.mlflow_uri={db}", f"experiment=trackers_{backend}")
        assert result.exit_code == 0, result.output
        out[backend] = next((root / "runs" / f"trackers_{backend}").glob("*/seed0"))
    return out
