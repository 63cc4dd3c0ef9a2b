"""The explain figures draw for every input layout the methods return (images, grey or colour; tokens)."""

import numpy as np
import pytest

from mllab.explain import figures


def test_attribution_grid_has_a_row_per_method_a_column_per_image_and_a_colour_bar_per_map_row():
    rng = np.random.default_rng(0)
    for x in (rng.random((3, 1, 8, 8)), rng.random((3, 3, 8, 8))):
        maps = {"saliency": rng.random(x.shape), "gradcam": rng.random((3, 1, 8, 8))}
        fig = figures.attribution_grid(x, maps, ["a", "b", "c"])
        assert len(fig.axes) == 3 * 3 + 2  # the panels, then one colour bar per map row
        assert [fig.axes[3 * i].get_ylabel() for i in range(3)] == ["input", "saliency", "gradcam"]
    tokens = figures.attribution_grid(rng.integers(0, 9, (2, 6)), {"integrated_gradients": rng.random((2, 6))},
                                      ["pos", "neg"])
    assert len(tokens.axes) == 2 * 2 + 1


def colour_bars(fig):
    return [ax for ax in fig.axes if ax.get_label() == "<colorbar>"]


def test_a_rows_colour_bar_spans_zero_to_the_rows_largest_magnitude_and_titles_are_kept():
    rng = np.random.default_rng(0)
    x, sal = rng.random((3, 3, 8, 8)), rng.normal(size=(3, 3, 8, 8))
    cam = rng.random((3, 1, 8, 8)) * 7
    fig = figures.attribution_grid(x, {"saliency": sal, "gradcam": cam}, ["true 3 / pred 5", "b", "c"],
                                   caption="maps: evidence for each image's true class")
    bars = colour_bars(fig)
    assert len(bars) == 2
    assert bars[0].get_ylim() == pytest.approx((0, np.abs(sal).sum(1).max()))  # channels summed, as shown
    assert bars[1].get_ylim() == pytest.approx((0, cam.max()))
    assert fig.axes[0].get_title() == "true 3 / pred 5" and fig.get_suptitle().startswith("maps: evidence for")


def test_an_all_zero_map_says_so_in_its_panel_and_only_there():
    rng = np.random.default_rng(0)
    cam = rng.random((3, 1, 8, 8))
    cam[1] = 0
    fig = figures.attribution_grid(rng.random((3, 1, 8, 8)), {"gradcam": cam}, ["a", "b", "c"])
    said = [[t.get_text() for t in ax.texts] for ax in fig.axes[3:6]]
    assert said == [[], ["all zero"], []]


def test_embedding_scatter_has_a_panel_per_layer_and_one_legend_entry_per_class():
    rng = np.random.default_rng(0)
    fig = figures.embedding_scatter({"a": rng.random((30, 2)), "b": rng.random((30, 2))}, np.arange(30) % 3,
                                    ["x", "y", "z"], "t")
    assert len(fig.axes) == 2 and [t.get_text() for t in fig.legends[0].get_texts()] == ["x", "y", "z"]


def test_a_grid_across_runs_notes_each_runs_prediction_under_its_maps():
    rng = np.random.default_rng(0)
    maps = {"run a": rng.random((2, 1, 8, 8)), "run b": rng.random((2, 1, 8, 8))}
    fig = figures.attribution_grid(rng.random((2, 1, 8, 8)), maps, ["true 3", "true 5"],
                                   notes={"run a": ["pred 3", "pred 5"], "run b": ["pred 8", "pred 5"]})
    assert [ax.get_xlabel() for ax in fig.axes[2:6]] == ["pred 3", "pred 5", "pred 8", "pred 5"]
