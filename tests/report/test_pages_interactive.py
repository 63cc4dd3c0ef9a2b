"""The pages' plotly figures: drawn in headless Chromium from the one plotly.min.js beside the runs root's pages
(never the network), the index's search box and URL state (``?select=ID,ID&metric=...``) selecting and
overlaying runs without a click, the sweep's table best first, and figure JSON that no name can break out of.
The sweep is the one of ``conftest.py``; the browser tests are skipped without the Debian package chromium."""

import base64
import json
from html import unescape
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest

from mllab.report import interactive
from mllab.report.sweep import write_sweep_report
from mllab.runs.index import list_runs
from tests.cli.cli_run import mllab

CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")


def dom(page: Path, query: str = "") -> str:
    """The page's DOM after its scripts ran (virtual time: plotly's drawing finishes)."""
    return subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                           "--virtual-time-budget=5000", "--dump-dom", f"file://{page}{query}"],
                          capture_output=True, text=True, timeout=120, check=True).stdout


def test_one_plotly_js_per_runs_root_loaded_by_relative_path(pages):
    root = pages["root"]
    copies = list(root.rglob("plotly*.js"))
    assert copies == [root / "_static" / "plotly.min.js"]
    for kind in ("run", "group", "sweep", "index"):
        srcs = re.findall(r'<script src="([^"]+)"', pages[kind].read_text())
        assert len(srcs) == 1 and (pages[kind].parent / srcs[0]).resolve() == copies[0].resolve(), (kind, srcs)


def test_no_figure_appears_twice_on_a_run_page(pages):
    """The fixture put a copy of the run's first-layer filters under explain/, as an explainer could."""
    run = pages["run"].parent
    data = base64.b64encode((run / "figures" / "filters_init.png").read_bytes()).decode()
    html = pages["run"].read_text()
    assert html.count(data) == 1 and "explain/filters_again.png" not in html
    assert html.count('<figure class="plotly">') == 1  # the curves, drawn by plotly (their PNG is not shown)


def test_figure_json_cannot_end_its_script_and_reads_back_unchanged():
    name = "</script><script>alert(1)</script>"
    html = str(interactive.plot({"data": [{"type": "scatter", "name": name, "y": [1.0, float("nan")]}]}, "c"))
    assert "</script><script>" not in html and html.count("</script>") == 1
    text = re.search(r'<script type="application/json">(.*?)</script>', html).group(1)
    shown = name.replace("<", "&lt;").replace(">", "&gt;")  # as plotly shows text literally (it reads tags)
    assert json.loads(text)["data"][0] == {"type": "scatter", "name": shown, "y": [1.0, None]}  # JSON has no NaN


def test_sweep_table_is_best_first_and_report_static_writes_pages_without_script(pages, tmp_path):
    html = pages["sweep"].read_text()
    table = html[html.index('<table class="sortable">'):]
    rows = re.findall(r"<tr( class=\"best\")?><td><a href=\"(lr[^/]+)/report.html\"", table)[:2]
    assert rows[0][0] and not rows[1][0], "the marked best setting is not the first row"
    run = shutil.copytree(pages["run"].parent, tmp_path / "run")
    mllab("report", str(run), "--static")
    sweep = shutil.copytree(pages["sweep"].parent, tmp_path / "sweep")
    for page in (run / "report.html", write_sweep_report(sweep, static=True)):
        text = page.read_text()
        assert "<script" not in text and "data:image/png" in text, page
    assert "Parallel coordinates" in (sweep / "report.html").read_text()


@needs_chromium
def test_run_and_group_curves_and_sweep_parallel_coordinates_draw_in_the_browser(pages):
    for kind in ("run", "group"):
        assert dom(pages[kind]).count('class="main-svg"') >= 1, f"{kind} page draws no plotly figure"
    sweep = dom(pages["sweep"])
    assert "parcoords" in sweep and sweep.count('class="main-svg"') >= 3  # curves and parallel coordinates


@needs_chromium
def test_index_url_selects_and_overlays_the_runs_it_names_and_filters_rows(pages):
    ids = [r["id"] for r in list_runs(pages["root"] / "index.sqlite")][:2]
    page = dom(pages["index"], f"?select={quote(','.join(ids))}&metric=val_loss&q={quote('lr=0.003')}")
    assert re.search(r'<input[^>]+type="search"', page)
    ticked = re.findall(r'<input type="checkbox" class="pick" value="([^"]+)"[^>]* checked', page)
    assert sorted(map(unescape, ticked)) == sorted(ids)
    overlay = page[page.index('id="overlay"'):page.index("<h2>Runs</h2>")]
    assert overlay.count('class="main-svg"') >= 1 and "val_loss" in overlay
    assert sorted(map(unescape, re.findall(r'class="legendtext"[^>]*>([^<]+)<', overlay))) == sorted(ids)
    shown = re.findall(r"<tr data-id=\"[^\"]+\" data-search=\"[^\"]*\"( hidden)?", page)
    assert len(shown) == 4 and shown.count(" hidden") == 2  # the two runs with lr 0.01 are filtered out
