"""Page files that must be refused, written by the tests: bombs of a few bytes, damaged PNG and JPEG, not images."""

import io
import struct
import zlib

from PIL import Image


def png_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose header claims ``width`` x ``height``: a bomb of a few bytes."""
    out = io.BytesIO()
    Image.new("L", (1, 1), 255).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = bytes(data[12:16]) + struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:24] = ihdr[4:12]
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def damaged_files(folder):
    """Files that are not readable pages, each with the word its error must carry."""
    good = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 200, 200)).save(good, "JPEG")
    png = io.BytesIO()
    Image.effect_noise((300, 300), 60).save(png, "PNG")  # noise compresses badly: two IDAT chunks
    chunk = bytearray(png.getvalue())
    second = 33 + 12 + struct.unpack(">I", chunk[33:37])[0]  # after IHDR (33 bytes) and the first IDAT
    chunk[second + 4] ^= 0xFF  # the second chunk's type: Pillow's decoder raises SyntaxError (broken PNG file)
    files = {
        "huge.png": (png_claiming(20000, 20000), "400,000,000 pixels"),  # over Pillow's own limit
        "big.png": (png_claiming(9000, 9000), "9000x9000 = 81,000,000 pixels, more than the limit of 60,000,000"),
        "between.png": (png_claiming(9500, 9500), "90,250,000 pixels"),  # between Pillow's warning and its error
        "chunk.png": (bytes(chunk), "not a readable image"),
        "truncated.jpg": (good.getvalue()[:300], "not a readable image"),
        "notes.jpg": (b"not a picture", "is not an image"),
        "doc.eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "is not an image"),  # EPS runs Ghostscript
    }
    for name, (data, _) in files.items():
        (folder / name).write_bytes(data)
    return {name: why for name, (_, why) in files.items()}
