"""bench/recipe_costs.py, which writes the cost column of `mllab recipes list`: the recipes it could not
measure before (a NumPy autoencoder, a frozen SqueezeNet without its ImageNet file, classical fits past the
time limit) now get a number."""

import importlib.util
import math
import time
from pathlib import Path

import numpy as np
import pytest

from mllab.experiments.recipes import config_for

BENCH = Path(__file__).resolve().parents[2] / "bench" / "recipe_costs.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("recipe_costs", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_fit_past_the_limit_is_scaled_from_two_smaller_fits(bench, monkeypatch):
    n = 16_000

    def fake_run(spec, splits, rows):  # a fit whose time grows as rows^2 and cannot finish on all rows
        if rows == n:
            raise TimeoutError
        return 1e-6 * rows ** 2

    class Splits:
        train = [0] * n

    class Spec:
        params = {}

    monkeypatch.setattr(bench, "timed_run", fake_run)
    cost = bench.classical_cost(None, Splits(), Spec())
    assert cost["method"] == "scaled" and "rows^2.00" in cost["note"]
    assert math.isclose(cost["cpu_seconds"], 1e-6 * n ** 2, rel_tol=1e-3)
    Spec.params = {"train_subset": 4_000}  # an SVM that fits a subset: scaled to the subset, not to all rows
    cost = bench.classical_cost(None, Splits(), Spec())
    assert "runs on 250 and 500 rows" in cost["note"] and math.isclose(cost["cpu_seconds"], 1e-6 * 4_000 ** 2,
                                                                         rel_tol=1e-3)


def test_a_fit_too_slow_even_on_a_32nd_of_the_rows_says_so(bench, monkeypatch):
    def never(spec, splits, rows):
        raise TimeoutError

    class Splits:
        train = [0] * 800

    class Spec:
        params = {}

    monkeypatch.setattr(bench, "timed_run", never)
    cost = bench.classical_cost(None, Splits(), Spec())
    assert cost["cpu_seconds"] is None and "1/32 of the rows" in cost["note"]


def test_a_classical_fit_is_timed_in_a_child_and_stopped_at_the_limit(bench, monkeypatch):
    from mllab.data.dataset import Split

    class Splits:
        train = Split(np.random.default_rng(0).random((200, 4)), np.arange(200) % 2)
        test = Split(np.random.default_rng(1).random((50, 4)), np.arange(50) % 2)

    class Spec:
        def __init__(self, seconds):
            self.seconds = seconds

        def build(self):
            from sklearn.linear_model import LogisticRegression

            model, fit = LogisticRegression(), LogisticRegression.fit
            model.fit = lambda x, y: (time.sleep(self.seconds), fit(model, x, y))
            return model

    assert 0 <= bench.timed_run(Spec(0), Splits(), 200) < 5
    with pytest.raises(RuntimeError, match="the fit on 1 rows failed: ValueError"):  # one class: a bad fit
        bench.timed_run(Spec(0), Splits(), 1)
    monkeypatch.setattr(bench, "FIT_LIMIT", 1)
    with pytest.raises(TimeoutError):
        bench.timed_run(Spec(30), Splits(), 200)


def test_the_numpy_autoencoder_is_timed_on_its_own_reconstruction_target(bench):
    """Bug: the bench fed class labels to the autoencoder's loss (ValueError: logits (64, 1, 32, 32))."""
    cost = bench.measure("s002_autoencoder_scratch")
    assert cost["method"] == "steps" and cost["cpu_seconds"] > 0 and cost["epochs"] == 30


def test_a_frozen_squeezenet_is_timed_with_random_weights_of_its_architecture(bench, tmp_path):
    from mllab.runs.spec import spec_for

    name = "s002_flowers17_squeezenet"
    overrides = bench.stand_in_weights(config_for(name), tmp_path)
    assert [o.split("=")[0] for o in overrides] == ["model.params.weights", "model.params.weights_sha256"]
    cfg = config_for(name, overrides)
    model = spec_for(cfg, (3, 128, 128), 17, {}).build()
    assert not any(p.requires_grad for p in model.features.parameters())  # frozen as the recipe runs it
    assert bench.stand_in_weights(config_for("best_mnist"), tmp_path) == []


def test_flowers102_arrays_follow_the_recipes_size_and_split(bench):
    assert bench.synthetic_shape(config_for("s002_flowers102_squeezenet")) == (2_040, 6_149, (3, 128, 128), 102)


def test_a_recipe_on_a_network_runs_features_says_what_its_cost_is_made_of(bench):
    cost = bench.measure("s000_svm_rbf_feat")
    assert cost["cpu_seconds"] is None and "data.features_from" in cost["note"]


def test_a_time_dominated_by_a_fixed_part_is_extrapolated_linearly_not_as_a_power(bench):
    """An LDA's covariance of 3 072 features costs the same on 1 144 and 2 289 rows: a power law through
    the two times (exponent 0.3) would under-count the rows, one of 1 would count the fixed part 32 times."""
    seconds, how = bench.extrapolate((1_144, 2_289), (10.0, 12.5), 73_257)
    per_row = 2.5 / 1_145
    assert math.isclose(seconds, 12.5 + per_row * (73_257 - 2_289)) and how.startswith("linearly")
    assert bench.extrapolate((625, 1_250), (1.0, 8.0), 10_000) == (8.0 * 8 ** 3, "as rows^3.00")


def test_method_retimes_only_the_rows_measured_so_with_mllabs_allocator(bench, monkeypatch, tmp_path):
    """``--method steps`` re-times the step-timed rows (after the per-step cost changed) and keeps the others;
    every row is timed with the allocator mllab trains with."""
    import yaml

    table = tmp_path / "costs.yaml"
    table.write_text(yaml.safe_dump({"recipes": {"demo": {"method": "steps", "cpu_seconds": 1.0},
                                                 "s000_knn": {"method": "fit", "cpu_seconds": 2.0}}}))
    allocator = []
    monkeypatch.setattr("mllab.core.allocator.keep_memory", lambda: allocator.append(True))
    monkeypatch.setattr(bench.torch, "set_num_threads", lambda n: None)  # this test process keeps its threads
    monkeypatch.setattr(bench, "measure", lambda name: {"cpu_seconds": 9.0, "method": "steps", "name": name})
    bench.main("*", "steps", table)
    recipes = yaml.safe_load(table.read_text())["recipes"]
    assert recipes == {"demo": {"cpu_seconds": 9.0, "method": "steps", "name": "demo"},
                       "s000_knn": {"method": "fit", "cpu_seconds": 2.0}}
    assert allocator == [True]


def test_rescale_scales_steps_and_evaluation_by_their_paired_ratios(bench, tmp_path):
    """A per-step change measured in pairs on a loaded machine re-times the packaged rows; rows not timed in both
    tables, and rows of other methods, stay as they were."""
    import yaml

    epochs = config_for("demo").training.epochs
    row = lambda step, evaluation: {"method": "steps", "epochs": epochs, "steps_per_epoch": 10,  # noqa: E731
                                    "step_seconds": step, "cpu_seconds": epochs * 10 * step + evaluation}
    table, before, after = tmp_path / "costs.yaml", tmp_path / "before.yaml", tmp_path / "after.yaml"
    table.write_text(yaml.safe_dump({"recipes": {"demo": row(1.0, 5.0), "s000_mlp": row(2.0, 1.0),
                                                 "s000_knn": {"method": "fit", "cpu_seconds": 3.0}}}))
    before.write_text(yaml.safe_dump({"recipes": {"demo": row(4.0, 10.0), "s000_knn": row(1.0, 1.0)}}))
    after.write_text(yaml.safe_dump({"recipes": {"demo": row(3.0, 5.0), "s000_knn": row(0.5, 0.5)}}))
    bench.rescale(before, after, table)
    rows = yaml.safe_load(table.read_text())["recipes"]
    assert rows["demo"]["step_seconds"] == 0.75 and math.isclose(rows["demo"]["cpu_seconds"], epochs * 10 * 0.75 + 2.5)
    assert rows["s000_mlp"] == row(2.0, 1.0) and rows["s000_knn"] == {"method": "fit", "cpu_seconds": 3.0}
