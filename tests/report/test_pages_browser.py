"""Every page kind (run, seed group, sweep, runs/index.html) opens in headless Chromium from disk, with its
key elements, nothing fetched from the network, no machine or process ids, no user text as live markup (nor
inside the plotly figures' JSON), and a screenshot that is not blank. The browser parts are skipped where the
Debian package ``chromium`` is not installed (.ci/run installs it). The sweep: ``conftest.py``."""

import re
import shutil
import subprocess

import pytest

from mllab.runs.liveness import _boot_id, _machine_id
from tests.report.sweep_pages import MARKUP

CHROMIUM = shutil.which("chromium")


KEYS = {  # what each page must show
    "run": ["Final metrics", "confusion", "misclassified", "<h2>Config</h2>", 'href="../report.html"',
            "&lt;img src=y onerror=alert(9)&gt;", "e&lt;b&gt;x"],
    "group": ["Over seeds", "mean +- std", 'href="seed0/report.html"', 'href="../report.html"',
              "&lt;/script&gt;&lt;img src=y onerror=alert(8)&gt;"],
    "sweep": ['class="sortable"', 'class="best"', "Parallel coordinates", "mean +- std", 'href="lr0.003-',
              "&lt;img src=y onerror=alert(7)&gt;", "&lt;/script&gt;&lt;img src=y onerror=alert(8)&gt;", "c&lt;i&gt;x"],
    "index": ['class="sortable"', "sweep-c", "seed1", "test_accuracy", "val_accuracy", "<th>experiment</th>",
              'type="search"', 'class="pick"'],
}


@pytest.mark.parametrize("kind", list(KEYS))
def test_no_user_text_reaches_a_page_as_markup(pages, kind):
    """The sweep page once printed its command, override values included, raw."""
    html = pages[kind].read_text()
    for field, text in MARKUP.items():
        assert text not in html, f"{kind} page holds the {field} {text!r} as live markup"
    assert "<img src=y" not in html and "<i>x" not in html and "<b>x" not in html
    assert html.count("</script>") == html.count("<script")  # no user text ends a script early (figure JSON)


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
