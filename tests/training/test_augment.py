import pytest
import torch

from mllab.training.augment import augment_batch, cutout, random_crop, random_flip
from mllab.training.config import AugmentConfig


def test_random_crop_equals_a_per_image_reference():
    x = torch.arange(2 * 3 * 5 * 6, dtype=torch.float32).reshape(2, 3, 5, 6)
    out = random_crop(x, 2, torch.Generator().manual_seed(3))
    g = torch.Generator().manual_seed(3)
    dy, dx = torch.randint(0, 5, (2,), generator=g), torch.randint(0, 5, (2,), generator=g)
    padded = torch.nn.functional.pad(x, (2, 2, 2, 2))
    for i in range(2):
        torch.testing.assert_close(out[i], padded[i, :, dy[i]:dy[i] + 5, dx[i]:dx[i] + 6])


def test_flip_flips_about_half_and_only_horizontally():
    x = torch.randn(400, 1, 4, 4)
    out = random_flip(x, torch.Generator().manual_seed(0))
    flipped = (out == x.flip(-1)).flatten(1).all(1)
    same = (out == x).flatten(1).all(1)
    assert bool((flipped | same).all()) and 150 < int(flipped.sum()) < 250


def test_cutout_zeroes_one_square_per_image_clipped_by_the_border():
    x = torch.ones(300, 2, 9, 9)
    out = cutout(x, 4, torch.Generator().manual_seed(1))
    g = torch.Generator().manual_seed(1)
    cy, cx = torch.randint(0, 9, (300,), generator=g), torch.randint(0, 9, (300,), generator=g)
    for i in range(300):  # a per-image reference: the square's rows cy-2 .. cy+1 and columns cx-2 .. cx+1
        ref = torch.ones(9, 9)
        ref[max(0, cy[i] - 2):cy[i] + 2, max(0, cx[i] - 2):cx[i] + 2] = 0
        torch.testing.assert_close(out[i], ref.expand(2, 9, 9))
    zeroed = (out[:, 0] == 0).flatten(1).sum(1)
    assert zeroed.max() == 16 and zeroed.min() >= 4  # whole inside, or cut by a corner


def test_augmentation_is_reproducible_from_the_generator():
    x = torch.randn(16, 3, 8, 8)
    cfg = AugmentConfig(crop_padding=2, flip=True, cutout=3)
    a = augment_batch(x, cfg, torch.Generator().manual_seed(5))
    b = augment_batch(x, cfg, torch.Generator().manual_seed(5))
    assert torch.equal(a, b) and a.shape == x.shape


def test_unknown_words_replaces_only_real_tokens_at_the_given_rate():
    from mllab.training.augment import UNK_ID, unknown_words

    x = torch.randint(2, 50, (400, 30))
    x[:, 20:] = 0
    out = unknown_words(x, 0.25, torch.Generator().manual_seed(0))
    assert torch.all(out[:, 20:] == 0)  # padding stays padding
    changed = out != x
    assert torch.all(out[changed] == UNK_ID)
    assert abs(changed[:, :20].float().mean().item() - 0.25) < 0.02
    again = unknown_words(x, 0.25, torch.Generator().manual_seed(0))
    assert torch.equal(out, again)


def test_unknown_words_refuses_images():
    from mllab.training.augment import augment_batch
    from mllab.training.config import AugmentConfig

    with pytest.raises(ValueError, match="unknown_words works on token ids"):
        augment_batch(torch.zeros(2, 1, 4, 4), AugmentConfig(unknown_words=0.1), torch.Generator())


def test_shift_moves_images_and_zero_fills_the_uncovered_border():
    from mllab.training.augment import shift

    x = torch.arange(1, 17, dtype=torch.float32).reshape(1, 1, 4, 4)
    down = shift(x, 1, 0)
    assert torch.equal(down[0, 0, 1:], x[0, 0, :3]) and torch.all(down[0, 0, 0] == 0)
    left = shift(x, 0, -2)
    assert torch.equal(left[0, 0, :, :2], x[0, 0, :, 2:]) and torch.all(left[0, 0, :, 2:] == 0)
    assert torch.equal(shift(shift(x, 1, 1), -1, -1)[0, 0, :3, :3], x[0, 0, :3, :3])


@pytest.mark.parametrize("flip,pixels,count", [(False, 0, 1), (True, 0, 2), (False, 1, 5), (True, 2, 10)])
def test_test_time_views_are_the_image_its_mirror_and_their_four_moves(flip, pixels, count):
    from mllab.training.augment import shift, test_time_views

    x = torch.rand(3, 1, 6, 6)
    views = test_time_views(x, flip, pixels)
    assert len(views) == count and torch.equal(views[0], x)
    if flip:
        assert torch.equal(views[1], x.flip(-1))
    if pixels:
        assert any(torch.equal(v, shift(x, -pixels, 0)) for v in views)  # up
        assert any(torch.equal(v, shift(x, 0, pixels)) for v in views)  # right
