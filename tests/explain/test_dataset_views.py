"""mllab data show: pixel statistics of a dataset and its inverse, and the t-SNE view, on the built-in digits."""

import numpy as np
import pytest
from typer.testing import CliRunner

from mllab.cli.main import app
from mllab.explain.datasets import _test_split, channel_stats


def test_inverted_pixels_mirror_the_mean_and_keep_the_std():
    (mean, std), = channel_stats(_test_split("digits").test.x)
    (inv_mean, inv_std), = channel_stats(_test_split("digits", ["invert"]).test.x)
    x = _test_split("digits").test.x
    assert (mean, std) == pytest.approx((x.mean(), x.std()), rel=1e-5)
    assert inv_mean == pytest.approx(1 - mean, abs=1e-6) and inv_std == pytest.approx(std, rel=1e-5)


def test_data_show_writes_both_views(tmp_path):
    result = CliRunner().invoke(app, ["data", "show", "digits", "--tsne", "--hist", "--samples", "120",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.png")) == ["hist-digits.png", "tsne-digits.png"]
    none = CliRunner().invoke(app, ["data", "show", "digits"])
    assert none.exit_code == 2 and "--tsne" in none.output
    assert np.isfinite(channel_stats(np.zeros((2, 3, 4, 4)))).all()
