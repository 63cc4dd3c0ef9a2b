"""The explain figures draw for every input layout the methods return (images, grey or colour; tokens)."""

import numpy as np

from mllab.explain import figures


def test_attribution_grid_has_a_row_per_method_and_a_column_per_image():
    rng = np.random.default_rng(0)
    for x in (rng.random((3, 1, 8, 8)), rng.random((3, 3, 8, 8))):
        maps = {"saliency": rng.random(x.shape), "gradcam": rng.random((3, 1, 8, 8))}
        fig = figures.attribution_grid(x, maps, ["a", "b", "c"])
        assert len(fig.axes) == 3 * 3
        assert [fig.axes[3 * i].get_ylabel() for i in range(3)] == ["input", "saliency", "gradcam"]
    tokens = figures.attribution_grid(rng.integers(0, 9, (2, 6)), {"integrated_gradients": rng.random((2, 6))},
                                      ["pos", "neg"])
    assert len(tokens.axes) == 2 * 2


def test_embedding_scatter_has_a_panel_per_layer_and_one_legend_entry_per_class():
    rng = np.random.default_rng(0)
    fig = figures.embedding_scatter({"a": rng.random((30, 2)), "b": rng.random((30, 2))}, np.arange(30) % 3,
                                    ["x", "y", "z"], "t")
    assert len(fig.axes) == 2 and [t.get_text() for t in fig.legends[0].get_texts()] == ["x", "y", "z"]
