"""mllab export --to tensorboard|mlflow, read back with TensorBoard's own reader and MLflow's client."""

import json
from pathlib import Path

import pytest

from tests.trackers.conftest import cli, metrics

pytest.importorskip("tensorboard")


def event_runs(folder: Path):
    from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer

    mux = EventMultiplexer()
    mux.AddRunsFromDirectory(str(folder))
    mux.Reload()
    return mux


def scalars(mux, run: str) -> dict[str, list[tuple[int, float]]]:
    return {tag: [(e.step, e.value) for e in mux.Scalars(run, tag)] for tag in mux.GetAccumulator(run).Tags()["scalars"]}


def expected_scalars(run: Path) -> dict[str, list[tuple[int, float]]]:
    """What metrics.jsonl and summary.json say TensorBoard must hold."""
    rows = metrics(run)
    want = {k: [(r["epoch"], r[k]) for r in rows if r.get(k) is not None] for k in rows[0] if k != "epoch"}
    final = json.loads((run / "summary.json").read_text())["final"]
    want.update({f"{k}/final": [(rows[-1]["epoch"], v)] for k, v in final.items()})
    return want


def assert_same(got, want):
    assert set(got) == set(want)
    for tag in want:
        assert [s for s, _ in got[tag]] == [s for s, _ in want[tag]], tag
        assert [v for _, v in got[tag]] == pytest.approx([v for _, v in want[tag]], rel=1e-6), tag


def test_tensorboard_export_holds_the_runs_scalars_finals_hparams_tags_and_figures(trained, tmp_path):
    run = trained["torch"]
    result = cli("export", run.parent, "--to", "tensorboard", "--out", tmp_path / "tb")
    assert result.exit_code == 0, result.output
    label = "/".join(run.parts[-3:])
    mux = event_runs(tmp_path / "tb")
    assert mux.Runs().keys() == {label}
    assert_same(scalars(mux, label), expected_scalars(run))
    images = mux.GetAccumulator(label).Tags()["images"]
    assert sorted(images) == sorted(f"figures/{p.stem}" for p in (run / "figures").glob("*.png")) and images
    png = mux.GetAccumulator(label).Images(images[0])[0].encoded_image_string
    assert png == (run / "figures" / f"{images[0][8:]}.png").read_bytes()
    hparams = mux.PluginRunToTagToContent("hparams")[label]["_hparams_/session_start_info"]
    assert b"training.epochs" in hparams and b"model.name" in hparams
    assert mux.PluginRunToTagToContent("text")[label].keys() == {"tags"}

    again = cli("export", run, "--to", "tensorboard", "--out", tmp_path / "tb")
    assert again.exit_code == 2 and "holds event files already" in again.output and len(again.output.splitlines()) == 1


def assert_mlflow_runs_equal(client, run: Path, backend: str, count: int) -> None:
    """The experiment holds ``count`` MLflow runs of ``run`` and each equals its folder."""
    found = client.search_runs([client.get_experiment_by_name(f"trackers_{backend}").experiment_id])
    assert [r.info.run_name for r in found] == ["/".join(run.parts[-3:])] * count
    for mlrun in found:
        assert mlrun.info.status == "FINISHED"
        assert {k: mlrun.data.tags[k] for k in ("experiment", "seed", "group")} == \
            {"experiment": f"trackers_{backend}", "seed": "0", "group": run.parent.name}
        assert mlrun.data.params["training.epochs"] == "3" and mlrun.data.params["model.backend"] == backend
        for tag, points in expected_scalars(run).items():
            history = sorted((m.step, m.value) for m in client.get_metric_history(mlrun.info.run_id, tag))
            assert history == [(s, pytest.approx(v)) for s, v in points], tag
        figures = [f.path for f in client.list_artifacts(mlrun.info.run_id, "figures")]
        assert sorted(figures) == sorted(f"figures/{p.name}" for p in (run / "figures").glob("*.png"))


def test_mlflow_export_of_a_runs_folder_holds_every_run(trained):
    """Exported into the database the runs were logged to live: each experiment then holds the live run and
    the exported one, and both equal the run folder (one database: its creation costs seconds)."""
    from mlflow.tracking import MlflowClient

    result = cli("export", trained["torch"].parents[2], "--to", "mlflow", "--out", trained["db"])
    assert result.exit_code == 0, result.output
    for backend in ("torch", "numpy"):
        assert_mlflow_runs_equal(MlflowClient(trained["db"]), trained[backend], backend, count=2)
