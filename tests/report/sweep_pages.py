"""One sweep made through the command, with markup in every text a user sets: the pages the page tests read."""

import shutil

from mllab.report.html import write_report
from mllab.runs.rundir import RunDir
from tests.cli.cli_run import mllab

# markup in every text a user sets: the config file's name, the experiment, an override, a grid value (it names
# the curves in the plotly figures' JSON, so it also tries to end their script element), a file name
MARKUP = {"file": "c<i>x", "experiment": "e<b>x", "description": "<img src=y onerror=alert(7)>",
          "grid": "</script><img src=y onerror=alert(8)>", "explain": "<img src=y onerror=alert(9)>"}


def make_sweep_pages(tmp_path_factory):
    """A 2-setting x 2-seed sweep made through the command, with markup in every user-settable text field;
    the paths of its pages and its runs root."""
    root = tmp_path_factory.mktemp("runs")
    config = root.parent / f"{MARKUP['file']}.yaml"
    config.write_text("extends: demo\n")
    mllab("sweep", str(config), f"experiment={MARKUP['experiment']}", f"description={MARKUP['description']}",
          "training.epochs=2", "training.batch_size=128", "--grid", "optimizer.lr=0.003,0.01",
          "--grid", f"description={MARKUP['grid']}", "--seeds", "2", "-q", "--out", str(root))
    (sweep,) = root.glob("*/sweep-*")
    setting = next(sweep.glob("lr0.01-*"))
    run = RunDir(setting / "seed0")
    (run.path / "explain").mkdir()
    shutil.copy(run.figures / "curves.png", run.path / "explain" / f"{MARKUP['explain']}.png")
    (run.path / "explain" / "filters_again.png").write_bytes((run.figures / "filters_init.png").read_bytes())
    write_report(run)  # as 'mllab explain' leaves it: the file's name is its caption
    return {"run": run.path / "report.html", "group": setting / "report.html",
            "sweep": sweep / "report.html", "index": root / "index.html", "root": root}
