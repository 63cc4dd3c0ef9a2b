"""Every page kind (run, seed group, sweep, runs/index.html) opens in headless Chromium from disk, with its
key elements, nothing fetched from the network, no machine or process ids, and a screenshot that is not blank.
Skipped where the Debian package ``chromium`` is not installed (.ci/run installs it)."""

import re
import shutil
import subprocess

import pytest

from mllab.runs.liveness import _boot_id, _machine_id
from mllab.sweep.sweep import run_sweep

CHROMIUM = shutil.which("chromium")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    result = run_sweep("demo", ["training.epochs=2", "training.batch_size=128"], ["optimizer.lr=0.003,0.01"],
                       seeds=2, out=root)
    sweep = result["folder"]
    return {"run": sweep / "lr0.01" / "seed0" / "report.html", "group": sweep / "lr0.01" / "report.html",
            "sweep": sweep / "report.html", "index": root / "index.html"}


KEYS = {  # what each page must show
    "run": ["Final metrics", "confusion", "misclassified", "<h2>Config</h2>", 'href="../report.html"'],
    "group": ["Over seeds", "mean +- std", 'href="seed0/report.html"', 'href="../report.html"'],
    "sweep": ['class="sortable"', 'class="best"', "Parallel coordinates", "mean +- std", 'href="lr0.003/report.html"'],
    "index": ['class="sortable"', "sweep-demo-", "seed1", "test_accuracy"],
}


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
    image = Image.open(shot).convert("RGB")
    assert image.size == (1280, 1600)
    colours = len(image.resize((160, 200)).getcolors(maxcolors=160 * 200))
    assert colours >= 20, f"{kind} page renders nearly blank ({colours} colours)"
