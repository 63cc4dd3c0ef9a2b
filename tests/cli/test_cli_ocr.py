"""``mllab ocr`` through the command line: a synthetic page read and scored, and each kind of bad input."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.test_cli import mllab


def _error_lines(proc):
    return [ln for ln in proc.stderr.splitlines() if ln.strip()]


def test_not_an_image_is_one_line_and_fails(tmp_path):
    page = tmp_path / "notes.jpg"
    page.write_text("not a picture")
    proc = mllab("ocr", str(page), check=False)
    assert proc.returncode != 0 and proc.stdout == ""
    assert _error_lines(proc) == [_error_lines(proc)[0]] and "notes.jpg is not an image" in proc.stderr


def test_missing_page_names_it(tmp_path):
    proc = mllab("ocr", str(tmp_path / "gone.png"), check=False)
    assert proc.returncode != 0 and "gone.png: no such file" in proc.stderr


def test_missing_truth_stops_before_any_page_is_read(tmp_path):
    Image.new("L", (64, 64), 230).save(tmp_path / "page.png")
    proc = mllab("ocr", str(tmp_path / "page.png"), "--truth", str(tmp_path / "none.txt"), "--out", str(tmp_path),
                 check=False)
    assert proc.returncode == 2 and "no truth for page.png" in proc.stderr and not list(tmp_path.glob("*.json"))


def test_empty_page_says_so_and_fails(tmp_path):
    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(225, 3, (300, 400)), 0, 255).astype(np.uint8)  # grain, no ink
    Image.fromarray(paper).save(tmp_path / "blank.png")
    proc = mllab("ocr", str(tmp_path / "blank.png"), check=False)
    assert proc.returncode == 1 and "no characters found" in proc.stderr and proc.stdout.strip() == ""


def test_huge_page_is_downscaled_and_says_so(tmp_path):
    Image.new("L", (9000, 60), 230).save(tmp_path / "strip.png")
    proc = mllab("ocr", str(tmp_path / "strip.png"), check=False)
    assert "9000x60 pixels: downscaled to 4000x27" in proc.stderr and proc.returncode == 1


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    pytest.importorskip("skimage")
    from mllab.core.errors import MllabError
    from mllab.ocr.synthetic import render_page

    try:
        page = render_page(("HELLO 42", "WORLD"), height=48, rng=np.random.default_rng(1))
    except (MllabError, FileNotFoundError) as err:
        pytest.skip(f"synthetic pages need the handwriting fonts and MNIST: {err}")
    folder = tmp_path_factory.mktemp("page")
    Image.fromarray(page.image).save(folder / "hello.png")
    (folder / "hello.txt").write_text(page.text + "\n")
    return folder


def test_page_read_written_and_scored(synthetic, tmp_path):
    proc = mllab("ocr", str(synthetic / "hello.png"), "--truth", str(synthetic / "hello.txt"), "--out", str(tmp_path))
    lines = proc.stdout.splitlines()
    assert len(lines) >= 3 and lines[2].startswith("line 1:")
    score = float(lines[-1].split("character accuracy ")[1].split()[0])
    assert score >= 0.8, proc.stdout
    chars = json.loads((tmp_path / "hello.json").read_text())
    assert len(chars) == 12 and set(chars[0]) == {"box", "text", "confidence", "line", "word"}
    assert [c["line"] for c in chars] == [0] * 7 + [1] * 5 and chars[5]["word"] == 1
    assert Image.open(tmp_path / "hello.overlay.png").size[0] > 0


@pytest.mark.parametrize("degrees,turn", [(180, "180 degrees"), (90, "90 degrees counter-clockwise")])
def test_rotated_page_is_detected_and_read_turned_back(tmp_path, degrees, turn):
    import os
    from pathlib import Path

    from mllab.ocr.metric import char_accuracy

    found = [Path(r) / "ocr" / "02_letters.jpg" for r in os.environ.get("MLLAB_DATA", "").split(":") if r]
    found = [p for p in found if p.is_file()]
    if not found:
        pytest.skip("the handout page ocr/02_letters.jpg is not under MLLAB_DATA")
    with Image.open(found[0]) as im:
        im.convert("L").rotate(degrees, expand=True).save(tmp_path / "p.png")
    proc = mllab("ocr", str(tmp_path / "p.png"))
    assert f"rotated by {turn}" in proc.stderr, proc.stderr
    assert char_accuracy(proc.stdout, "ABCDEFG HIJKLMN OPQRSTU VWXYZ 1234567890") >= 0.9, proc.stdout


def test_the_ocr_recipe_trains_on_nist36_course_files(tmp_path):
    # `mllab train ocr_handwritten36 data.name=nist36`: the course's .mat files become the classifier's glyphs
    import os

    from scipy.io import savemat

    from tests.cli.cli_run import ENV

    rng = np.random.default_rng(0)
    for split, n in (("train", 360), ("valid", 36), ("test", 36)):  # 10 per class: 1 each to validation
        x = np.full((n, 1, 32, 32), 255, np.uint8)  # dark strokes on white, as the course stores them
        for img in x:
            y0, x0 = rng.integers(3, 10, 2)
            img[0, y0:y0 + 18, x0:x0 + 3] = img[0, y0:y0 + 3, x0:x0 + rng.integers(6, 18)] = 0
        folder = tmp_path / "data" / "nist36"
        folder.mkdir(parents=True, exist_ok=True)
        data = x[:, 0].transpose(0, 2, 1).reshape(n, 1024) / 255.0  # stored column-major, in [0, 1]
        savemat(folder / f"nist36_{split}.mat", {f"{split}_data": data, f"{split}_labels": np.eye(36)[np.arange(n) % 36]})
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "data"), "MLLAB_CACHE": str(tmp_path / "cache")}
    mllab("train", "ocr_handwritten36", "data.name=nist36", "training.epochs=1", "output.figures=false",
          "--out", str(tmp_path / "runs"), "-q", env=env)
    summary = json.loads(next((tmp_path / "runs").glob("ocr_handwritten36/*/seed0/summary.json")).read_text())
    assert summary["status"] == "completed" and os.path.basename(summary["path"]) == "seed0"
    config = (Path(summary["path"]) / "config.yaml").read_text()
    assert "name: nist36" in config and "glyphs36" in config
