"""What ``mllab ocr`` writes and prints beside the text: PAGE.json, PAGE.overlay.png, accuracy lines."""

from __future__ import annotations

import json
from pathlib import Path

from mllab.core.errors import MllabError
from mllab.core.files import atomic_path, atomic_write_text
from mllab.ocr.image import DEFAULT_MAX_PIXELS, open_page_image
from mllab.ocr.metric import char_accuracy, line_accuracies
from mllab.ocr.page import Page

OVERLAY_SIDE = 1600  # the overlay's longer side (px): readable labels, small files
# A page's text is a few kB; the edit distance is quadratic in Python, so a huge "truth" would hang the scoring.
MAX_TRUTH_BYTES = 16_000
LOW_CHAR_CONFIDENCE = 0.8  # boxes of characters read less surely are drawn in orange


def write_outputs(page: Page, image_path: Path, out: Path, max_pixels: int = DEFAULT_MAX_PIXELS) -> list[Path]:
    """``out/PAGE.json`` (:meth:`Page.to_json <mllab.ocr.page.Page.to_json>`: the text, the mean confidence, the
    warnings, each character) and ``out/PAGE.overlay.png`` (boxes and labels on the page)."""
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(image_path).stem
    js = out / f"{stem}.json"
    atomic_write_text(js, json.dumps({"page": Path(image_path).name, **page.to_json()}, indent=1))
    png = out / f"{stem}.overlay.png"
    with atomic_path(png, suffix=".png") as tmp:
        overlay(page, image_path, max_pixels).save(tmp, format="PNG")
    return [js, png]


def overlay(page: Page, image_path: Path, max_pixels: int = DEFAULT_MAX_PIXELS):
    """The page (turned and downscaled as it was read, then to :data:`OVERLAY_SIDE`) with each character's box
    and label; low-confidence labels in orange."""
    from PIL import Image, ImageDraw, ImageFont

    img = open_page_image(image_path, max_pixels, mode="RGB")
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
        colour = (0, 160, 0) if c.confidence >= LOW_CHAR_CONFIDENCE else (230, 120, 0)
        draw.rectangle(box, outline=colour, width=2)
        draw.text((box[0], box[1] - 2), c.text, fill=(220, 0, 0), font=font, anchor="lb")
    return img


def truth_files(pages: list[Path], truth: list[Path]) -> list[Path]:
    """The truth text of each page: ``truth`` holds one file per page, in the pages' order, or one folder of
    ``PAGE.txt`` files. Refused in one line when the counts differ or a file is missing."""
    if len(truth) == 1 and truth[0].is_dir():
        sources = [truth[0] / f"{Path(p).stem}.txt" for p in pages]
    elif any(t.is_dir() for t in truth):
        raise MllabError(f"ocr: --truth: give one folder of PAGE.txt files, or one file per page; found the folder "
                         f"{next(t for t in truth if t.is_dir())} among {len(truth)} --truth values")
    elif len(truth) != len(pages):
        raise MllabError(f"ocr: --truth: expected {len(pages)} files (one per page, in the order of the pages) or "
                         f"one folder of PAGE.txt files, found {len(truth)}; repeat --truth once per page")
    else:
        sources = list(truth)
    for page, source in zip(pages, sources):
        if not source.is_file():
            raise MllabError(f"ocr: no truth for {Path(page).name}: {source} is not a file (give a text file, one "
                             "line per row, or a folder of PAGE.txt files)")
    return sources


def read_truth(source: Path) -> list[str]:
    """The non-empty lines of a truth file: UTF-8 text of at most :data:`MAX_TRUTH_BYTES`."""
    size = source.stat().st_size
    if size > MAX_TRUTH_BYTES:
        raise MllabError(f"ocr: truth file {source} is {size} bytes, expected the text of one page (at most "
                         f"{MAX_TRUTH_BYTES}); give one text file per page")
    try:
        text = source.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise MllabError(f"ocr: truth file {source} is not UTF-8 text (byte {err.start}); give a text file, one "
                         "line per row") from None
    return [t for t in text.splitlines() if t.strip()]


def score_lines(page: Page, image_path: Path, source: Path) -> list[str]:
    """Character accuracy per line of the truth file ``source`` and for the page, as printed lines."""
    truth_lines = read_truth(source)
    lines = page.lines
    out = [f"line {i + 1}: {a:.3f}  {lines[i] if i < len(lines) else '':<28} | {t}"
           for i, (a, t) in enumerate(zip(line_accuracies(lines, truth_lines), truth_lines))]
    score = char_accuracy(page.text, "\n".join(truth_lines))
    out.append(f"page {Path(image_path).name}: character accuracy {score:.3f} "
               "(1 - edit distance / truth length, A-Z 0-9, spaces removed)")
    return out
