import numpy as np
import pytest

from mllab.experiments.aggregate import aggregate, markdown_table, published_vs_measured
from mllab.experiments.executor import run_trials
from mllab.runs.config import resolve_config


def summaries(values, status="completed"):
    return [{"status": status, "seed": i, "final": {"test_accuracy": v}, "wall_seconds": 10.0 + i}
            for i, v in enumerate(values)]


def test_mean_sample_std_max_match_numpy_and_skip_failed_runs():
    runs = summaries([0.98, 0.99, 0.97]) + summaries([0.1], status="diverged")
    t = aggregate(runs)["test_accuracy"]
    v = np.array([0.98, 0.99, 0.97])
    assert (t["mean"], t["std"], t["max"], t["n"]) == pytest.approx((v.mean(), v.std(ddof=1), v.max(), 3))
    assert aggregate(summaries([0.98]))["test_accuracy"]["std"] is None  # one seed: no spread to estimate


def test_published_vs_measured_uses_the_reference_rows():
    table = aggregate(summaries([0.99, 0.991]))
    rows = published_vs_measured(["s003-lenet-mnist-l2"], table)
    assert rows[0]["published"] == 0.9901 and rows[0]["measured"]["n"] == 2
    md = markdown_table(resolve_config({}), table, rows)
    assert "| s003-lenet-mnist-l2 | lenet5 | mnist | test_accuracy | 0.9901 +- 0.0008 | 0.9905 +- 0.0007 |" in md
    assert "(mean +- std (n-1))" in md


def test_each_published_row_names_its_model_next_to_the_run_model():
    """An autoencoder recipe quoting PCA's published PSNR must say which number is PCA's."""
    rows = published_vs_measured(["s002-ae-psnr", "s002-pca-psnr"], aggregate(summaries([0.5])))
    assert [r["model"] for r in rows] == ["autoencoder_scratch", "pca"]
    md = markdown_table(resolve_config({"model": {"name": "conv_autoencoder"}}), {}, rows)
    assert "| published id | published model |" in md and "this conv_autoencoder (mean +- std (n-1))" in md
    assert "| s002-pca-psnr | pca | nist36 |" in md


def test_a_qualitative_published_result_reads_as_such_not_as_none():
    rows = published_vs_measured(["s001-vae-fashion"], aggregate(summaries([0.5])))
    assert rows[0]["published"] is None
    md = markdown_table(resolve_config({}), {}, rows)
    assert "| qualitative (no number) | - |" in md and "None" not in md


def test_unknown_published_id_is_an_error():
    with pytest.raises(KeyError, match="not in published.yaml"):
        published_vs_measured(["s999-nothing"], {})


def _square(x):
    return {"x": x * x}


def test_process_executor_returns_results_in_order():
    assert run_trials(_square, [(i,) for i in range(4)], jobs=2) == [{"x": i * i} for i in range(4)]
    assert run_trials(_square, [(3,)], jobs=1) == [{"x": 9}]
