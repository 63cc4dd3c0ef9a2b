"""``mllab ocr`` through the command line: a synthetic page read and scored, and each kind of bad input."""

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.cli.test_cli import mllab
from tests.ocr.bad_pages import damaged_files


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


def test_damaged_and_oversized_pages_are_one_line_each_and_quick(tmp_path):
    # a 20000x20000 PNG of a few bytes, one over the default limit, one between Pillow's two bomb limits, a
    # corrupt PNG chunk (Pillow's SyntaxError), a truncated JPEG, not an image, an EPS (Ghostscript): each one
    # line naming the file, decided from the header; the pages after a bad one are still tried
    expected = damaged_files(tmp_path)
    t0 = time.perf_counter()
    proc = mllab("ocr", *(str(tmp_path / name) for name in expected), check=False)
    assert time.perf_counter() - t0 < 15 and proc.returncode == 1 and proc.stdout == ""
    lines = _error_lines(proc)
    assert len(lines) == len(expected) and "Traceback" not in proc.stderr, proc.stderr
    for line, (name, why) in zip(lines, expected.items()):
        assert line.startswith("error: ocr: ") and name in line and why in line, line


def test_max_pixels_is_per_call_and_checked_where_it_enters(tmp_path):
    Image.new("L", (64, 64), 230).save(tmp_path / "page.png")
    proc = mllab("ocr", str(tmp_path / "page.png"), "--max-pixels", "1000", check=False)
    assert proc.returncode == 1 and _error_lines(proc) == [
        f"error: ocr: {tmp_path / 'page.png'} is 64x64 = 4,096 pixels, more than the limit of 1,000 pixels; "
        "downscale it, or raise the limit with --max-pixels (max_pixels=) if the page is trusted"]
    proc = mllab("ocr", str(tmp_path / "page.png"), "--max-pixels", "0", check=False)
    assert proc.returncode == 2 and len(_error_lines(proc)) == 1 and "from 1 to 89478485" in proc.stderr


def test_truth_files_must_match_the_pages_one_to_one(tmp_path):
    for name in ("p1.png", "p2.png"):
        Image.new("L", (64, 64), 230).save(tmp_path / name)
    (tmp_path / "one.txt").write_text("HELLO\n")
    proc = mllab("ocr", str(tmp_path / "p1.png"), str(tmp_path / "p2.png"), "--truth", str(tmp_path / "one.txt"),
                 check=False)
    assert proc.returncode == 2 and proc.stdout == "" and len(_error_lines(proc)) == 1
    assert "--truth: expected 2 files" in proc.stderr and "found 1" in proc.stderr


def test_shipped_classifier_reads_not_a_planted_run_and_doubts_noise(tmp_path):
    # A runs/ folder in the working directory holding a newer ocr_handwritten36 run whose checkpoints run a
    # command when unpickled: mllab ocr must not even look at it (it reads with the shipped classifier).
    import pickle
    import shutil

    from mllab.ocr.classifier import BUNDLED

    mark = tmp_path / "code-ran"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {mark}",))

    planted = tmp_path / "runs" / "ocr_handwritten36" / "20990101-000000-x-0000" / "seed0"
    shutil.copytree(BUNDLED, planted)
    for checkpoint in ("best.pt", "best.pkl", "last.pkl"):
        (planted / "checkpoints" / checkpoint).write_bytes(pickle.dumps(Exploit()))
    rng = np.random.default_rng(0)
    for k in (1, 2):  # uniform noise: one "character" spanning the page, read at 0.7-0.95 confidence
        Image.fromarray(rng.integers(0, 256, (200, 300), dtype=np.uint8)).save(tmp_path / f"noise{k}.png")
        (tmp_path / f"truth{k}.txt").write_text(f"TRUTH OF {k}\n")
    proc = mllab("ocr", "noise1.png", "noise2.png", "--truth", "truth1.txt", "--truth", "truth2.txt", "--out", "out",
                 cwd=tmp_path)
    assert not mark.exists()
    doubts = [ln for ln in _error_lines(proc) if "low confidence" in ln]
    assert [d.split(":")[1].strip() for d in doubts] == ["noise1.png", "noise2.png"], proc.stderr
    assert "of it is ink" in doubts[0]
    first, second = proc.stdout.split("== noise2.png")
    assert "| TRUTH OF 1" in first and "| TRUTH OF 2" in second  # each page scored against its own truth
    page = json.loads((tmp_path / "out" / "noise1.json").read_text())
    assert page["page"] == "noise1.png" and "softmax probability" in page["confidence"]
    assert page["chars"] and all(0 < c["confidence"] <= 1 for c in page["chars"])
    assert page["mean_confidence"] == pytest.approx(np.mean([c["confidence"] for c in page["chars"]]), abs=1e-3)
    assert doubts[0].split(": ", 2)[2] in page["warnings"]


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
    chars = json.loads((tmp_path / "hello.json").read_text())["chars"]
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
