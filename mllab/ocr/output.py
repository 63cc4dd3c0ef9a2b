"""What ``mllab ocr`` writes and prints beside the text: PAGE.json, PAGE.overlay.png, accuracy lines."""

from __future__ import annotations

import json
from pathlib import Path

from mllab.core.errors import MllabError
from mllab.core.files import atomic_path, atomic_write_text
from mllab.ocr.metric import char_accuracy, line_accuracies
from mllab.ocr.page import Page

OVERLAY_SIDE = 1600  # the overlay's longer side (px): readable labels, small files


def write_outputs(page: Page, image_path: Path, out: Path) -> list[Path]:
    """``out/PAGE.json`` (the characters) and ``out/PAGE.overlay.png`` (boxes and labels on the page)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(image_path).stem
    js = out / f"{stem}.json"
    atomic_write_text(js, json.dumps(page.to_json(), indent=1))
    png = out / f"{stem}.overlay.png"
    with atomic_path(png, suffix=".png") as tmp:
        overlay(page, image_path).save(tmp, format="PNG")
    return [js, png]


def overlay(page: Page, image_path: Path):
    """The page (turned and downscaled as it was read, then to :data:`OVERLAY_SIDE`) with each character's box
    and label; low-confidence labels in orange."""
    from PIL import Image, ImageDraw, ImageFont

    with Image.open(image_path) as im:
        img = im.convert("RGB")
    if img.size != page.size:  # read turned by 90 / 270 degrees, or downscaled
        if img.size[::-1] == page.size or (img.size[0] > img.size[1]) != (page.size[0] > page.size[1]):
            img = img.transpose(Image.Transpose.ROTATE_90)
        img = img.resize(page.size)
    scale = min(1.0, OVERLAY_SIDE / max(img.size))
    img = img.resize((round(img.size[0] * scale), round(img.size[1] * scale)))
    draw = ImageDraw.Draw(img)
    heights = sorted(c.box[3] - c.box[1] for c in page.chars) or [20]
    font = ImageFont.load_default(size=max(12, int(0.45 * heights[len(heights) // 2] * scale)))
    for c in page.chars:
        box = [v * scale for v in c.box]
        colour = (0, 160, 0) if c.confidence >= 0.8 else (230, 120, 0)
        draw.rectangle(box, outline=colour, width=2)
        draw.text((box[0], box[1] - 2), c.text, fill=(220, 0, 0), font=font, anchor="lb")
    return img


def truth_file(image_path: Path, truth: Path) -> Path:
    """The truth text of a page: ``truth`` itself, or ``truth/PAGE.txt`` when it is a folder."""
    source = truth / f"{Path(image_path).stem}.txt" if truth.is_dir() else truth
    if not source.is_file():
        raise MllabError(f"ocr: no truth for {Path(image_path).name}: {source} does not exist (give a text file, "
                         "one line per row, or a folder of PAGE.txt files)")
    return source


def score_lines(page: Page, image_path: Path, truth: Path) -> list[str]:
    """Character accuracy per truth line and for the page, as printed lines."""
    source = truth_file(image_path, truth)
    truth_lines = [t for t in source.read_text().splitlines() if t.strip()]
    lines = page.lines
    out = [f"line {i + 1}: {a:.3f}  {lines[i] if i < len(lines) else '':<28} | {t}"
           for i, (a, t) in enumerate(zip(line_accuracies(lines, truth_lines), truth_lines))]
    score = char_accuracy(page.text, "\n".join(truth_lines))
    out.append(f"page {Path(image_path).name}: character accuracy {score:.3f} "
               "(1 - edit distance / truth length, A-Z 0-9, spaces removed)")
    return out
