"""OCR classifier on crops of each held-out font family: letter accuracy per family, MNIST test digits.

    OMP_NUM_THREADS=1 MLLAB_DATA=../shared/data python bench/ocr_fonts.py [RUN ...] [--per-letter 20]

Each RUN (default: the shipped classifier) reads ``--per-letter`` glyphs of every letter A-Z rendered from each
held-out family (``handwritten36``'s HELD_OUT) and distorted with the test split's warp, plus as many MNIST test
digits of each digit, all freshly generated with a seed of their own (``seed=7, split=2``: images no run saw).
Prints a markdown table, one column per run, and each family's most frequent confusions for the last run.
"""

from __future__ import annotations

import argparse
from collections import Counter

import torch

from mllab.data import load
from mllab.data.handwritten36 import CLASSES, font_families, generate
from mllab.ocr.classifier import Classifier, bundled_run


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("runs", nargs="*")
    ap.add_argument("--per-letter", type=int, default=20)
    args = ap.parse_args()
    torch.set_num_threads(1)
    runs = args.runs or [str(bundled_run())]
    classifiers = [Classifier(r) for r in runs]
    digits = load("mnist").test
    rows, confusions = [], {}
    for family, files in sorted(font_families()[1].items()):
        split = generate({family: files}, digits, args.per_letter, seed=7, split=2)
        letters = split.y < 26
        accs = []
        for clf in classifiers:
            pred = clf.probabilities(split.x[letters]).argmax(1)
            accs.append(float((pred == split.y[letters]).mean()))
        wrong = Counter(f"{CLASSES[t]}>{CLASSES[p]}" for t, p in zip(split.y[letters], pred) if t != p)
        confusions[family] = wrong.most_common(6)
        rows.append((f"{family} ({len(files)} files)", accs))
        if not rows[1:]:  # the digits are the same for every family: score them once
            d = ~letters
            rows.append((f"MNIST test digits ({int(d.sum())})",
                         [float((c.probabilities(split.x[d]).argmax(1) == split.y[d]).mean()) for c in classifiers]))
    print("| held-out family | " + " | ".join(runs) + " |")
    print("|---|" + "---:|" * len(runs))
    for name, accs in rows:
        print(f"| {name} | " + " | ".join(f"{a:.3f}" for a in accs) + " |")
    print(f"\nconfusions of {runs[-1]}:")
    for family, common in confusions.items():
        print(f"  {family}: {', '.join(f'{k} {n}' for k, n in common)}")


if __name__ == "__main__":
    main()
