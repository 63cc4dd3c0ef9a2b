"""mllab explain's choices through the command: --target (whose evidence a map shows), the --method help read from
the explainer registry, and closest-name suggestions for explainers, datasets and config keys (issues 29, 30)."""

import re

import numpy as np
import pytest
from typer.testing import CliRunner

import mllab
import mllab.explain as ex
from mllab.cli.main import app
from mllab.explain.registry import KINDS
from tests.runs.run_folders import cnn_run


def run_mllab(*args):
    return CliRunner().invoke(app, [str(a) for a in args])


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """The demo's small CNN on 8x8 digits, as built (its predictions differ from the labels on most images)."""
    return cnn_run(tmp_path_factory.mktemp("run"))


@pytest.mark.parametrize("target", ["true", "pred", "3"])
def test_target_chooses_the_class_each_map_explains(run, tmp_path, target):
    result = run_mllab("explain", run, "--method", "saliency", "--images", 6, "--target", target,
                       "--out", tmp_path)
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "saliency.npz") as z:
        expected = {"true": z["labels"], "pred": z["predictions"], "3": np.full(6, 3)}[target]
        assert z["targets"].tolist() == expected.tolist() and str(z["target"]) == target
        again = ex.attribute(mllab.load_run(run).model(), z["inputs"], expected, "saliency")
        assert z["attributions"] == pytest.approx(again, abs=1e-6)
        if target != "true":  # (the choice matters here: the maps differ from the true class's)
            differs = expected != z["labels"]
            assert differs.any()
            truth = ex.attribute(mllab.load_run(run).model(), z["inputs"], z["labels"], "saliency")
            assert not np.allclose(z["attributions"][differs], truth[differs])


def test_target_refusals_are_one_line_naming_the_choices(run, tmp_path):
    for bad in ("10", "cat", "-1"):
        result = run_mllab("explain", run, "--method", "saliency", "--target", bad, "--out", tmp_path)
        assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
        assert "expected true, pred or a class index 0-9" in result.output


def method_groups(help_text: str) -> list[list[str]]:
    """The name lists of the --method help: ``a, b (what they are); c, d (...)``, lines re-joined."""
    text = " ".join(help_text.partition("-m, --method")[2].partition("-l, --layer")[0].split())
    return [group.split(", ") for group in re.findall(r"([a-z_0-9]+(?:, [a-z_0-9]+)*) \(", text)]


def test_method_help_lists_exactly_the_registered_explainers_by_kind():
    result = run_mllab("explain", "--help")
    assert result.exit_code == 0
    groups = method_groups(result.output)
    assert groups == [ex.EXPLAINERS.names(kind="attribution"), ex.EXPLAINERS.names(kind="embedding")]
    assert sorted(sum(groups, [])) == ex.EXPLAINERS.names()
    assert {entry.meta["kind"] for entry in ex.EXPLAINERS} == set(KINDS)  # each kind described, none left over


def test_method_groups_sees_a_missing_name():
    """The parser above is what the previous test trusts: it tells 'pca' from 'pca_tsne'."""
    text = "-m, --method Comma-separated methods: saliency (maps); pca_tsne, tsne_numpy (embeddings). -l, --layer"
    assert method_groups(text) == [["saliency"], ["pca_tsne", "tsne_numpy"]]
    assert "pca" not in sum(method_groups(text), [])


@pytest.mark.parametrize("args, suggestion", [
    (["explain", "RUN", "--method", "saliancy"], "did you mean saliency?"),
    (["data", "info", "mnistt"], "did you mean mnist,"),
    (["train", "demo", "training.epoch=2"], "did you mean training.epochs?"),
    (["train", "demo", "model.params.chanels=8"], "did you mean model.params.channels?"),
], ids=["explainer", "dataset", "config key", "model parameter"])
def test_an_unknown_name_suggests_the_closest(run, tmp_path, args, suggestion):
    args = [str(run) if a == "RUN" else a for a in args] + (["--out", str(tmp_path)] if args[0] == "train" else [])
    result = run_mllab(*args)
    assert result.exit_code == 2 and suggestion in result.output, result.output
    assert len(result.output.strip().splitlines()) == 1
