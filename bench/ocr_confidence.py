"""Mean character confidence and ink share of `mllab ocr` on pages of handwriting vs images that are not pages: the
numbers the "low confidence" warning's thresholds (mllab.ocr.reader.LOW_CONFIDENCE, MAX_INK_SHARE) come from.

    OMP_NUM_THREADS=1 MLLAB_DATA=../shared/data:/usr/share/datasets python bench/ocr_confidence.py [--model RUN]

Confidence is the classifier's softmax probability of the character read (not calibrated); the ink share is the
fraction of the page the ink mask covers. Pages: the two handout pages (../shared/data/ocr; also downscaled and
upside down), synthetic pages in held-out fonts (bench/ocr_pages.py's texts, 4 heights, 2 seeds; without the
handwriting fonts, pages of MNIST test digits). Not pages: noise of several kinds and scikit-image's sample
pictures (photos, textures, a page of printed lower-case text). Prints one markdown row per image (and whether
the page is warned about) and a summary per group.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from mllab.core.errors import MllabError
from mllab.data.handwritten36 import font_families
from mllab.ocr.classifier import Classifier, choose_run
from mllab.ocr.detect import ink_mask
from mllab.ocr.reader import load_page, read_grey
from mllab.ocr.synthetic import render_page

PAGES = Path(__file__).resolve().parents[2] / "shared" / "data" / "ocr"
SYNTHETIC_TEXT = (("TO DO LIST", "1 BUY MILK", "CALL 2 FRIENDS", "MEET AT 10", "ROOM 4B"),
                  ("QUICK BROWN FOX", "JUMPS OVER 7 LAZY", "DOGS 3 TIMES", "PAY 58 VAT", "ZERO 69"))
DIGIT_TEXT = (("2024 0815", "31 47 99", "5 62 380"), ("7 1 4 9", "86 203", "1234567890"))
PICTURES = ("camera", "coins", "text", "page", "moon", "horse", "checkerboard", "brick", "grass", "gravel",
            "astronaut", "cell", "hubble_deep_field", "coffee", "chelsea", "rocket", "logo", "clock")


def handwriting():
    from PIL import Image

    for name in ("01_list", "02_letters"):
        yield f"handout {name}", PAGES / f"{name}.jpg"
        with Image.open(PAGES / f"{name}.jpg") as im:
            grey = im.convert("L")
        for scale in (0.6, 0.35):
            small = grey.resize((round(grey.size[0] * scale), round(grey.size[1] * scale)), Image.Resampling.LANCZOS)
            yield f"handout {name} x{scale}", np.asarray(small)
        yield f"handout {name} turned 180", np.asarray(grey.rotate(180))
    try:
        fonts = [f for files in font_families()[1].values() for f in files]
    except MllabError:  # no handwriting fonts here: pages of MNIST test digits only
        fonts = None
    for height in (24, 40, 64, 100):
        for seed in range(2):
            for k, text in enumerate(SYNTHETIC_TEXT if fonts else DIGIT_TEXT):
                page = render_page(text, height=height, rng=np.random.default_rng([seed, k, height]), fonts=fonts or [])
                yield f"synthetic{'' if fonts else ' digits'} h{height} s{seed} t{k}", page.image


def not_pages():
    rng = np.random.default_rng(0)
    yield "uniform noise 1400x1000", rng.integers(0, 256, (1000, 1400), dtype=np.uint8)
    yield "uniform noise 300x200", rng.integers(0, 256, (200, 300), dtype=np.uint8)
    yield "gaussian noise sd 40 on grey", np.clip(rng.normal(128, 40, (1000, 1400)), 0, 255).astype(np.uint8)
    paper = np.full((1000, 1400), 225, np.uint8)
    for share in (0.01, 0.05, 0.2):
        salt = paper.copy()
        salt[rng.random(paper.shape) < share] = 0
        yield f"pepper {share:.0%} on paper", salt
    blobs = np.full((1000, 1400), 225.0)
    yy, xx = np.mgrid[:1000, :1400]
    for _ in range(40):
        cy, cx, r = rng.integers(0, 1000), rng.integers(0, 1400), rng.integers(5, 60)
        blobs[(yy - cy) ** 2 + (xx - cx) ** 2 < r * r] = 30
    yield "40 random discs", blobs.astype(np.uint8)
    scribble = np.full((800, 1200), 225, np.uint8)
    for _ in range(30):
        x0, y0 = rng.integers(0, 1200), rng.integers(0, 800)
        for t in np.linspace(0, 1, 400):
            x, y = int(x0 + 300 * t * np.cos(7 * t + x0)), int(y0 + 200 * t * np.sin(5 * t + y0))
            scribble[max(0, y - 2):y + 2, max(0, x - 2):x + 2] = 20
    yield "30 random curves", scribble
    import skimage.data

    for name in PICTURES:
        yield f"skimage {name}", getattr(skimage.data, name)()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    torch.set_num_threads(1)
    classifier = Classifier(choose_run(args.model))
    print("| group | image | characters | mean confidence | ink share | warned |\n|---|---|---:|---:|---:|---|")
    summary = {}
    for group, images in (("handwriting", handwriting()), ("not a page", not_pages())):
        for name, image in images:
            grey, loaded = load_page(image)
            page = read_grey(grey, classifier, loaded)
            mean, ink = page.mean_confidence, float(ink_mask(grey)[0].mean())
            warned = any(w.startswith("low confidence") for w in page.warnings)
            print(f"| {group} | {name} | {len(page.chars)} | {'-' if mean is None else f'{mean:.3f}'} | {ink:.3f} | "
                  f"{'yes' if warned else ''} |", flush=True)
            if mean is not None:
                summary.setdefault(group, []).append((mean, ink, warned))
    for group, rows in summary.items():
        means, inks = [r[0] for r in rows], [r[1] for r in rows]
        print(f"{group}: {len(rows)} images with characters; mean confidence {min(means):.3f}-{max(means):.3f} "
              f"(median {np.median(means):.3f}); ink share {min(inks):.3f}-{max(inks):.3f}; "
              f"warned {sum(r[2] for r in rows)}")


if __name__ == "__main__":
    main()
