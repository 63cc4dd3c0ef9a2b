"""Page image files: the size limit is read from the header before decoding, damage is one PageError naming the
file, and Pillow's process-wide limit is left as it is."""

import time

import pytest
from PIL import Image

from mllab.ocr.image import DEFAULT_MAX_PIXELS, PageError, open_page_image
from mllab.ocr.reader import load_page
from tests.ocr.bad_pages import damaged_files


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # between Pillow's two limits
def test_damaged_and_oversized_files_are_one_page_error_naming_them(tmp_path):
    limit = Image.MAX_IMAGE_PIXELS
    for name, why in damaged_files(tmp_path).items():
        t0 = time.perf_counter()
        with pytest.raises(PageError) as err:
            load_page(tmp_path / name)
        assert name in str(err.value) and why in str(err.value) and "\n" not in str(err.value)
        assert time.perf_counter() - t0 < 1.0, name
    assert Image.MAX_IMAGE_PIXELS == limit  # nothing process-wide was changed


def test_limit_is_per_call_and_applies_to_pil_images(tmp_path):
    limit = Image.MAX_IMAGE_PIXELS
    Image.new("L", (400, 300), 230).save(tmp_path / "page.png")
    assert open_page_image(tmp_path / "page.png").size == (400, 300) and Image.MAX_IMAGE_PIXELS == limit
    with pytest.raises(PageError, match="400x300 = 120,000 pixels, more than the limit of 100,000 pixels"):
        load_page(tmp_path / "page.png", max_pixels=100_000)
    with pytest.raises(PageError, match="more than the limit"):
        load_page(Image.new("L", (400, 300)), max_pixels=100_000)
    with pytest.raises(PageError, match="from 1 to"):
        load_page(tmp_path / "page.png", max_pixels=Image.MAX_IMAGE_PIXELS + 1)
    with pytest.raises(PageError, match="is not a regular file"):
        load_page(tmp_path)
    assert DEFAULT_MAX_PIXELS >= 50_000_000  # a 50 Mpx phone photo passes
