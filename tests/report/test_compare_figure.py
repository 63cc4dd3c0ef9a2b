"""``mllab runs compare``'s figure: legends name only what differs between the runs, plus the seed, outside the
axes; a run of one epoch is a marker; nothing is printed but the figure's path (no warnings)."""

import json

import yaml

from mllab.core import plotting
from mllab.report import compare
from tests.cli.cli_run import ENV, mllab


def fake_run(folder, lr, seed, epochs):
    """A run folder as far as compare reads it: config.yaml and metrics.jsonl."""
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump({"seed": seed, "optimizer": {"lr": lr, "momentum": 0.9},
                                                        "model": {"name": "mlp"}}))
    (folder / "metrics.jsonl").write_text("".join(json.dumps({"epoch": e, "train_loss": 1.0 / e}) + "\n"
                                                  for e in range(1, epochs + 1)))
    return folder


def test_legend_outside_names_differences_and_seed_and_one_epoch_is_a_marker(tmp_path, monkeypatch):
    runs = [fake_run(tmp_path / "a", 0.1, 0, 1), fake_run(tmp_path / "b", 0.01, 1, 3)]
    drawn = {}
    monkeypatch.setattr(plotting, "save", lambda fig, path: drawn.setdefault("fig", fig) and path)
    compare.compare_curves(runs, ["train_loss"], tmp_path / "c.png")
    fig = drawn["fig"]
    (ax,) = fig.axes
    assert ax.get_legend() is None and len(fig.legends) == 1  # the legend is the figure's, beside the axes
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["optimizer.lr=0.1, seed 0",
                                                                  "optimizer.lr=0.01, seed 1"]
    one_epoch = ax.get_lines()[0]
    assert len(one_epoch.get_xdata()) == 1 and one_epoch.get_marker() == "o"
    low, high = ax.get_xlim()
    assert low < 1 < high and high - low >= 1  # the point is inside the axes, not on a 0.1-epoch span


def test_the_command_prints_only_the_figure_path(tmp_path):
    runs = [fake_run(tmp_path / "a", 0.1, 0, 1), fake_run(tmp_path / "b", 0.1, 1, 1)]
    out = tmp_path / "c.png"
    proc = mllab("runs", "compare", *map(str, runs), "-o", str(out), env={**ENV, "PYTHONWARNINGS": "always"})
    assert proc.stdout == f"figure: {out}\n" and proc.stderr == "" and out.stat().st_size > 1000
    assert compare.legend_labels([{"seed": 0, "a": 1}, {"seed": 1, "a": 1}]) == ["seed 0", "seed 1"]
