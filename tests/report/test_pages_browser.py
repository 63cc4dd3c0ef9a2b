"""Every page kind (run, seed group, sweep, runs/index.html) opens in headless Chromium from disk, with its
key elements, nothing fetched from the network, no machine or process ids, no user text as live markup, and a
screenshot that is not blank. The browser parts are skipped where the Debian package ``chromium`` is not
installed (.ci/run installs it)."""

import re
import shutil
import subprocess

import pytest

from mllab.report.html import write_report
from mllab.runs.liveness import _boot_id, _machine_id
from mllab.runs.rundir import RunDir
from tests.cli.cli_run import mllab

CHROMIUM = shutil.which("chromium")


# markup in every text a user sets: the config file's name, the experiment, an override, a grid value, a file name
MARKUP = {"file": "c<i>x", "experiment": "e<b>x", "description": "<img src=y onerror=alert(7)>",
          "grid": "<img src=y onerror=alert(8)>", "explain": "<img src=y onerror=alert(9)>"}


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """A 2-setting x 2-seed sweep made through the command, with markup in every user-settable text field."""
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
    write_report(run)  # as 'mllab explain' leaves it: the file's name is its caption
    return {"run": run.path / "report.html", "group": setting / "report.html",
            "sweep": sweep / "report.html", "index": root / "index.html"}


KEYS = {  # what each page must show
    "run": ["Final metrics", "confusion", "misclassified", "<h2>Config</h2>", 'href="../report.html"',
            "&lt;img src=y onerror=alert(9)&gt;", "e&lt;b&gt;x"],
    "group": ["Over seeds", "mean +- std", 'href="seed0/report.html"', 'href="../report.html"',
              "&lt;img src=y onerror=alert(8)&gt;"],
    "sweep": ['class="sortable"', 'class="best"', "Parallel coordinates", "mean +- std", 'href="lr0.003-',
              "&lt;img src=y onerror=alert(7)&gt;", "&lt;img src=y onerror=alert(8)&gt;", "c&lt;i&gt;x"],
    "index": ['class="sortable"', "sweep-c", "seed1", "test_accuracy"],
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_no_user_text_reaches_a_page_as_markup(pages, kind):
    """The sweep page once printed its command, override values included, raw."""
    html = pages[kind].read_text()
    for field, text in MARKUP.items():
        assert text not in html, f"{kind} page holds the {field} {text!r} as live markup"
    assert "<img src=y" not in html and "<i>x" not in html and "<b>x" not in html


@pytest.mark.parametrize("kind", list(KEYS))
def test_page_has_its_elements_and_no_ids_or_network(pages, kind):
    html = pages[kind].read_text()
    for key in KEYS[kind]:
        assert key in html, f"{kind} page lacks {key!r}"
    assert not re.search(r'(src|href)="https?://', html)
    for secret in filter(None, (_machine_id(), _boot_id())):
        assert secret not in html
    assert '"pid"' not in html and "owner" not in html
    assert not re.search(r">(\d+\.\d*0|[1-9]\d*\.\d{4,}|0\.0*[1-9]\d{4,})<", html)  # no 148.5400, 4 digits


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
@pytest.mark.parametrize("kind", list(KEYS))
def test_page_renders_in_headless_chromium(pages, kind, tmp_path):
    from PIL import Image

    shot = tmp_path / "shot.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--screenshot={shot}", "--window-size=1280,1600", f"file://{pages[kind]}"],
                   capture_output=True, timeout=120, check=True)
    dom = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--dump-dom",
                          f"file://{pages[kind]}"], capture_output=True, text=True, timeout=120, check=True).stdout
    assert "<img src=\"y\"" not in dom and "onerror=\"" not in dom  # no live element, only its text
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1600)
    colours = len(image.resize((160, 200)).getcolors(maxcolors=160 * 200))
    assert colours >= 20, f"{kind} page renders nearly blank ({colours} colours)"
