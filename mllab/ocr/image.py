"""Page images from files someone hands you: the size is checked from the header before any pixel is decoded,
and a damaged file is one line that names it.

Pillow's own decompression-bomb limit (``PIL.Image.MAX_IMAGE_PIXELS``) is process-wide and mllab leaves it as
it is; the page limit here is a per-call argument (``mllab ocr --max-pixels``).

>>> from PIL import Image
>>> Image.new("RGB", (2270, 1631), "white").save("page.jpg")
>>> from mllab.ocr.image import open_page_image
>>> im = open_page_image("page.jpg", max_pixels=60_000_000)
>>> im.mode, im.size
('L', (2270, 1631))
>>> open_page_image("page.jpg", max_pixels=1_000_000)
Traceback (most recent call last):
...
mllab.ocr.image.PageError: ocr: page.jpg is 2270x1631 = 3,702,370 pixels, more than the limit of 1,000,000 pixels; ...
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from mllab.core.errors import MllabError

# A photographed page is 12-50 Mpx (a 12 Mpx phone photo is 4032 x 3024, a 50 Mpx one 8160 x 6120); the
# handout pages are 3.7 and 4.7 Mpx. A page is downscaled to 4000 px on its longer side after loading, so
# more pixels only cost memory and time: a 56 Mpx JPEG (of noise) loads at 0.6 GB peak, and `mllab ocr` reads it
# in 1.0 GB under `ulimit -v 3000000`.
DEFAULT_MAX_PIXELS = 60_000_000
# The formats a page photo or scan comes in. Others (EPS runs Ghostscript, fonts, icons, game textures) are
# not opened at all: fewer decoders see outside bytes.
FORMATS = ("JPEG", "PNG", "TIFF", "BMP", "WEBP", "GIF", "PPM")
HINT = "give a JPEG or PNG photo or scan of the page"
# What Pillow's decoders raise on damaged bytes (the set Pillow's own fuzzers accept): a corrupt PNG chunk is a
# SyntaxError, a truncated JPEG an OSError.
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error, IndexError, ZeroDivisionError,
                 NotImplementedError, OverflowError)


class PageError(MllabError):
    """An input that is not a readable page."""


def check_max_pixels(max_pixels: int) -> int:
    """``max_pixels`` if it is a positive integer within Pillow's own limit, which mllab never raises."""
    from PIL import Image

    ceiling = Image.MAX_IMAGE_PIXELS  # None: the embedding program turned Pillow's check off
    if not isinstance(max_pixels, int) or max_pixels < 1 or (ceiling is not None and max_pixels > ceiling):
        allowed = f"from 1 to {ceiling} (Pillow's decompression-bomb limit, PIL.Image.MAX_IMAGE_PIXELS, which " \
                  "mllab leaves as it is)" if ceiling is not None else "of 1 or more"
        raise PageError(f"ocr: max_pixels must be an integer {allowed}; found {max_pixels!r}")
    return max_pixels


def check_size(size: tuple[int, int], max_pixels: int, name: str) -> None:
    """Refuse a page of more than ``max_pixels`` pixels (``size`` is (W, H), read from the header)."""
    width, height = size
    if width * height > max_pixels:
        raise PageError(f"ocr: {name} is {width}x{height} = {_pixels(width * height)}, more than the limit of "
                        f"{_pixels(max_pixels)}; downscale it, or raise the limit with --max-pixels (max_pixels=) "
                        "if the page is trusted")


def _pixels(n: int) -> str:
    return f"{n:,} pixels"


def open_page_image(path: str | Path, max_pixels: int = DEFAULT_MAX_PIXELS, mode: str = "L"):
    """The first frame of the image file ``path``, decoded and converted to ``mode`` (a PIL image).

    Raises :class:`PageError` (one line naming the file) when ``path`` is not a regular file, is not an image
    in one of :data:`FORMATS`, has more than ``max_pixels`` pixels (checked from the header, before decoding),
    or its bytes are damaged (corrupt chunk, truncated data, decompression bomb).
    """
    from PIL import Image

    path = Path(path)
    check_max_pixels(max_pixels)
    if not path.exists():
        raise PageError(f"ocr: {path}: no such file")
    if not path.is_file():  # a folder, a FIFO (would block), a device
        raise PageError(f"ocr: {path} is not a regular file; {HINT}")
    try:
        with Image.open(path, formats=FORMATS) as im:
            check_size(im.size, max_pixels, str(path))
            return im.convert(mode)  # decodes
    except PageError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as err:  # Pillow's limit is >= ours
        found = re.search(r"\((\d+) pixels\)", str(err))
        size = _pixels(int(found.group(1))) if found else f"more than {Image.MAX_IMAGE_PIXELS} pixels"
        raise PageError(f"ocr: {path} is {size} (over Pillow's decompression-bomb limit), more than the limit of "
                        f"{_pixels(max_pixels)}; downscale it") from None
    except Image.UnidentifiedImageError:
        raise PageError(f"ocr: {path} is not an image in a format mllab reads ({', '.join(FORMATS)}); "
                        f"{HINT}") from None
    except MemoryError:
        raise PageError(f"ocr: {path}: out of memory decoding it; lower --max-pixels (now {_pixels(max_pixels)}) "
                        "or downscale the page") from None
    except DECODE_ERRORS as err:
        detail = str(err).splitlines()[0][:120] if str(err) else ""
        raise PageError(f"ocr: {path} is not a readable image ({err.__class__.__name__}: {detail}); "
                        f"{HINT}") from None
