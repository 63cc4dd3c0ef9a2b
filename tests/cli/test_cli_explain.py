"""mllab explain / mllab probe through the command line (in process: typer's runner, the same app as the
``mllab`` script), on one briefly trained demo run."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import mllab
import mllab.explain as ex
from mllab.cli.main import app


def run_mllab(*args, check=True):
    result = CliRunner().invoke(app, list(args))
    if check and result.exit_code != 0:
        raise AssertionError(f"mllab {' '.join(args)} failed ({result.exit_code}):\n{result.output}")
    return result


@pytest.fixture
def run(demo_runs):
    return next(demo_runs.glob("demo/*/seed0"))  # 2 epochs, trained once for the CLI tests (conftest.py)


def test_list_layers_names_modules_with_output_shapes(run):
    out = run_mllab("explain", str(run), "--list-layers").output
    assert "features.0" in out and "Conv2d" in out and "(1, 32, 8, 8)" in out and "classifier" in out


def test_explain_writes_what_attribute_computes_and_the_report_shows_it(run):
    out = run_mllab("explain", str(run), "--method", "gradcam,saliency,pca", "--images", "4", "--layer", "features.3")
    assert "gradcam-features.3.png" in out.output
    with np.load(run / "explain" / "gradcam-features.3.npz") as z:
        assert z["attributions"].shape == (4, 1, 8, 8)
        assert len(set(z["labels"].tolist())) == 4  # one image per class
        again = ex.attribute(mllab.load_run(run).model(), z["inputs"], z["labels"], "gradcam", layer="features.3")
        assert z["attributions"] == pytest.approx(again, abs=1e-6)
    with np.load(run / "explain" / "pca-features.3.npz") as z:
        assert z["embeddings"].shape[0] == 1 and z["embeddings"].shape[2] == 2
    assert (run / "explain" / "attribution.png").is_file()  # gradcam and saliency rows on one grid
    run_mllab("report", str(run))
    page = (run / "report.html").read_text()
    assert "explain/gradcam-features.3.png" in page and "explain/pca-features.3.png" in page


def test_explain_refusals_are_one_line(run):
    bad = run_mllab("explain", str(run), "--method", "gradcam", "--layer", "head.0", check=False)
    assert bad.exit_code == 2 and isinstance(bad.exception, SystemExit)  # fail(): no traceback
    assert "not a conv feature map" in bad.output and "features.0" in bad.output
    assert len(bad.output.strip().splitlines()) == 1
    unknown = run_mllab("explain", str(run), "--method", "lime", check=False)
    assert unknown.exit_code == 2 and "gradcam" in unknown.output


def test_probe_writes_rows_in_depth_order(run):
    out = run_mllab("probe", str(run), "--layer", "features.0", "--layer", "head.1", "--layer", "classifier",
                    "--train-samples", "600", "--test-samples", "300").output
    rows = json.loads((run / "explain" / "probe.json").read_text())
    assert [r["layer"] for r in rows] == ["features.0", "head.1", "classifier"]
    assert rows[0]["dim"] == 2048  # 32 x 8 x 8 conv map average-pooled to 32 x 8 x 8 (= MAX_DIM)
    assert all(0 <= r["linear_probe_accuracy"] <= 1 for r in rows) and "linear" in out
    assert rows[-1]["linear_probe_accuracy"] > 0.5
    assert (run / "explain" / "probe.png").is_file()


def test_several_runs_make_one_grid_per_method_with_a_row_per_run(run, tmp_path):
    run_mllab("train", "demo", "training.epochs=1", "training.threads=1", "--seeds", "1", "-q", "--out",
              str(tmp_path / "runs"))
    other = next((tmp_path / "runs").glob("*/*/seed0"))
    out = run_mllab("explain", str(run), str(other), "--method", "guided_backprop,gradcam", "--images", "4",
                    "--out", str(tmp_path / "grid")).output
    assert "guided_backprop.png" in out and (tmp_path / "grid" / "gradcam.png").is_file()
    with np.load(tmp_path / "grid" / "guided_backprop.npz") as z:
        assert z["attributions"].shape == (2, 4, 1, 8, 8) and len(set(z["runs"].tolist())) == 2
        assert len(set(z["labels"].tolist())) == 4  # one image per class, the same for both rows
        for row, path in zip(z["attributions"], (run, other)):  # each row is that run's own model
            again = ex.attribute(mllab.load_run(path).model(), z["inputs"], z["labels"], "guided_backprop")
            assert row == pytest.approx(again, abs=1e-6)
        assert not np.allclose(z["attributions"][0], z["attributions"][1])
    run_mllab("explain", str(run), "--method", "guided_backprop", "--images", "4", "--out", str(tmp_path / "one"))
    with np.load(tmp_path / "one" / "guided_backprop.npz") as single, np.load(tmp_path / "grid" / "guided_backprop.npz") as z:
        assert np.array_equal(single["inputs"], z["inputs"])  # one run alone sees the same images
    no_out = run_mllab("explain", str(run), str(other), "--method", "saliency", check=False)
    assert no_out.exit_code == 2 and "--out" in no_out.output and len(no_out.output.strip().splitlines()) == 1
    embedding = run_mllab("explain", str(run), str(other), "--method", "pca", "--out", str(tmp_path), check=False)
    assert embedding.exit_code != 0 and "attribution" in embedding.output
    assert len(embedding.output.strip().splitlines()) == 1
