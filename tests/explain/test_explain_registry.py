"""Every registered torch network, every attribution method: a map of the input's shape, or a one-line
refusal (MllabError) saying what would work. Tiny example inputs from the registry's metadata."""

import numpy as np
import pytest
import torch

import mllab.explain as ex
from mllab.core.errors import MllabError
from mllab.models.registry import MODELS, create_model

NETS = MODELS.names(kind="torch")
ATTRIBUTIONS = ex.EXPLAINERS.names(kind="attribution")


def example(name):
    meta = MODELS.entry(name).meta
    torch.manual_seed(0)
    net = create_model(name, meta["example_input"], meta["example_classes"], **meta["example_params"]).eval()
    if meta["input"] == "tokens":
        x = torch.randint(1, 5, (2,) + tuple(meta["example_input"]))
    else:
        x = torch.rand((2,) + tuple(meta["example_input"]))
    return net, x, meta


@pytest.mark.parametrize("name", NETS)
def test_every_net_explains_or_refuses_clearly(name):
    net, x, meta = example(name)
    explained = []
    for method in ATTRIBUTIONS:
        try:
            a = ex.attribute(net, x, target=torch.tensor([0, 1]), method=method)
        except MllabError as err:
            assert "\n" not in str(err) and len(str(err)) < 400, f"{name}/{method}: {err}"
            continue
        explained.append(method)
        spatial = x.shape[1:] if method != "gradcam" else (1,) + tuple(x.shape[-2:])
        assert a.shape == (2,) + tuple(spatial if x.is_floating_point() else x.shape[1:]), f"{name}/{method}"
        assert np.isfinite(a).all(), f"{name}/{method}"
    if meta["task"] == "classify":  # a classifier explains with something; generators/autoencoders refuse all
        assert "integrated_gradients" in explained, name
        assert ("saliency" in explained) == x.is_floating_point(), name
        if meta["input"] == "image" and any(t in name for t in ("cnn", "lenet", "nin", "mobilenet", "vgg", "squeeze")):
            assert "gradcam" in explained, name
    else:
        assert explained == [], name
    assert not any(m._forward_hooks or m._forward_pre_hooks for m in net.modules()), f"{name}: hooks left behind"



@pytest.mark.parametrize("name", [n for n in NETS if MODELS.entry(n).meta["input"] == "sequence"])
def test_recurrent_nets_reading_images_as_rows_give_maps_in_the_images_shape(name):
    torch.manual_seed(0)
    net = create_model(name, (1, 12, 10), 4).eval()
    x, target = torch.rand(2, 1, 12, 10), torch.tensor([0, 3])
    a = ex.attribute(net, x, target, "guided_backprop")
    assert a.shape == (2, 1, 12, 10) and np.abs(a).sum() > 0
    rows = ex.attribute(net, x[:, 0], target, "guided_backprop")  # the same images given as (T, F) row sequences
    assert a[:, 0] == pytest.approx(rows, abs=1e-6)
    with pytest.raises(MllabError, match="recurrent") as err:  # the refusal names the layers it found
        ex.attribute(net, x, target, "gradcam")
    assert "guided_backprop" in str(err.value)


@pytest.mark.parametrize("name", NETS)
def test_every_net_has_default_embedding_and_probe_layers_with_one_row_per_example(name):
    from mllab.explain.probes import default_probe_layers
    from mllab.explain.run import default_layers

    net, x, meta = example(name)
    x = torch.cat([x, x.flip(0)])  # 4 examples
    layers = default_layers(net, x.numpy())
    if meta["task"] != "classify":  # generators and autoencoders: their latent code, not the reconstruction
        assert layers in (["mu"], ["to_latent"]), name
    probes = default_probe_layers(net, x[:2])
    assert probes, name
    for layer, f in ex.features(net, x, layers + probes).items():
        assert f.shape[0] == 4 and np.isfinite(f).all(), f"{name}/{layer}: {f.shape}"
