"""Which end is up: synthetic pages in held-out fonts read upright and turned, by the reader's orientation rule.

    OMP_NUM_THREADS=1 MLLAB_DATA=../shared/data python bench/ocr_orientation.py [--model RUN] [--quarter]

For each held-out set (A: the first held-out families, B: fonts-seto), the texts of bench/ocr_pages.py at
character heights 32 and 64, 3 seeds: how many upright pages stay upright and how many pages turned by 180
degrees are read turned back, with the rule of mllab.ocr.reader (confidence, or surer + left margin) and with
the classifier's confidence alone (the rule before the left-margin cue). ``--quarter``: all four turns of the
pages of both sets mixed, the reader's rule only.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch
from ocr_pages import SYNTHETIC_TEXT

from mllab.data.handwritten36 import font_families
from mllab.ocr import reader
from mllab.ocr.classifier import Classifier, choose_run
from mllab.ocr.synthetic import render_page

SETS = {"A": ("fonts-dkg-handwriting", "fonts-rufscript", "fonts-yusei-magic"), "B": ("fonts-seto",)}
TURNS = {"90 degrees clockwise": 3, "180 degrees": 2, "90 degrees counter-clockwise": 1}


def pages(fonts):
    for height in (32, 64):
        for seed in range(3):
            for j, text in enumerate(SYNTHETIC_TEXT):
                yield render_page(text, height=height, rng=np.random.default_rng([seed, j, height, 99]), fonts=fonts)


def turn_read(image: np.ndarray, k: int, classifier: Classifier) -> int:
    """The turn (quarter turns counter-clockwise) the reader says the page had."""
    grey, warnings = reader.load_page(np.rot90(image, k).copy())
    said = [w for w in reader.read_grey(grey, classifier, warnings).warnings if "rotated" in w]
    return next((t for text, t in TURNS.items() if said and text in said[0]), 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=None)
    ap.add_argument("--quarter", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    classifier = Classifier(choose_run(args.model))
    held = font_families()[1]
    if args.quarter:
        fonts = [f for files in held.values() for f in files]
        right = {k: sum(turn_read(p.image, k, classifier) == k for p in pages(fonts)) for k in range(4)}
        print(f"right way up, per turn 0/90/180/270: {right} of 12 each")
        return
    print("| held-out set | rule | upright pages left upright | turned 180 read turned back |\n|---|---|---:|---:|")
    with_margin = reader._left_margin
    for name, packages in SETS.items():
        fonts = [f for p in packages for f in held[p]]
        for rule, margin in (("confidence", lambda found: 0), ("confidence + left margin", with_margin)):
            reader._left_margin = margin
            ok = [sum(turn_read(p.image, k, classifier) == k for p in pages(fonts)) for k in (0, 2)]
            print(f"| {name} | {rule} | {ok[0]}/12 | {ok[1]}/12 |")
        reader._left_margin = with_margin


if __name__ == "__main__":
    main()
