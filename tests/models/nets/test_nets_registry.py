"""Registry-wide checks, timm style: every torch model in MODELS, built from its name and meta."""

import pytest
import torch
import torch.nn.functional as F

from mllab.models.registry import MODELS

NAMES = MODELS.names(kind="torch")
TASKS = {"classify", "reconstruct", "generate"}
INPUTS = {"image", "sequence", "tokens"}
OUTPUTS = {"logits", "log_softmax", "sigmoid", "image", "vae"}
BATCH = 2


def example_batch(meta: dict, seed: int = 0) -> torch.Tensor:
    """A batch of the entry's documented input: images in [0, 1], sequences ~N(0, 1), padded token ids."""
    g = torch.Generator().manual_seed(seed)
    shape = meta["example_input"]
    if meta["input"] == "tokens":
        x = torch.randint(1, meta["example_params"]["vocab_size"], (BATCH, *shape), generator=g)
        x[0, shape[0] // 2:] = 0  # the first sentence is half padding
        return x
    if meta["input"] == "sequence":
        return torch.randn(BATCH, *shape, generator=g)
    return torch.rand(BATCH, *shape, generator=g)


def build(name: str, seed: int = 0) -> torch.nn.Module:
    meta = MODELS.entry(name).meta
    torch.manual_seed(seed)
    return MODELS.get(name)(meta["example_input"], meta["example_classes"], **meta["example_params"])


def recon_of(out):
    return out if torch.is_tensor(out) else out[0]


def training_loss(model, out, x, meta) -> torch.Tensor:
    if meta["task"] == "classify":
        return F.cross_entropy(out, torch.arange(BATCH) % meta["example_classes"])
    if hasattr(model, "loss"):
        return model.loss(x, out)
    return F.mse_loss(recon_of(out), x)


def test_the_report_networks_are_registered():
    expected = {"mlp", "lenet5", "cnn_bn", "nin", "mobilenetv3_small", "rnn", "text_lstm", "text_cnn", "autoencoder",
                "vae", "inversion_invariant", "small_cnn", "squeezenet1_1"}
    assert expected <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_meta_is_complete(name):
    entry = MODELS.entry(name)
    meta = entry.meta
    assert meta["task"] in TASKS and meta["input"] in INPUTS and meta["output"] in OUTPUTS
    assert isinstance(meta["example_input"], tuple) and isinstance(meta["params"], int) and meta["params"] > 0
    assert entry.doc, f"{name}: the factory needs a docstring (its first line is the listing)"


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_range_and_parameter_count(name):
    meta = MODELS.entry(name).meta
    model = build(name).eval()
    x = example_batch(meta)
    with torch.no_grad():
        out = model(x)
    assert sum(p.numel() for p in model.parameters()) == meta["params"]
    if meta["task"] == "classify":
        assert out.shape == (BATCH, meta["example_classes"]) and torch.isfinite(out).all()
    else:
        recon = recon_of(out)
        assert recon.shape == x.shape and ((recon >= 0) & (recon <= 1)).all()
    if meta["output"] == "log_softmax":
        torch.testing.assert_close(out.exp().sum(1), torch.ones(BATCH))
    if meta["output"] in ("sigmoid",):
        assert ((out > 0) & (out < 1)).all()
    if meta["output"] == "vae":
        assert out.mu.shape == out.logvar.shape == (BATCH, model.latent)


@pytest.mark.parametrize("name", NAMES)
def test_every_parameter_gets_a_finite_gradient(name):
    meta = MODELS.entry(name).meta
    model = build(name).train()
    x = example_batch(meta)
    loss = training_loss(model, model(x), x, meta)
    assert torch.isfinite(loss)
    loss.backward()
    for pname, p in model.named_parameters():
        assert p.requires_grad, f"{name}.{pname} is frozen by default"
        assert p.grad is not None, f"{name}.{pname} got no gradient"
        assert torch.isfinite(p.grad).all(), f"{name}.{pname} has a non-finite gradient"


@pytest.mark.parametrize("name", NAMES)
def test_seeded_build_is_deterministic_and_state_dict_round_trips(name):
    meta = MODELS.entry(name).meta
    x = example_batch(meta)
    a, b, other = build(name, seed=0), build(name, seed=0), build(name, seed=1)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and torch.equal(va, vb), f"{name}: {ka} differs between two builds with seed 0"
    with torch.no_grad():
        a.train()(x)  # move BatchNorm running statistics away from their initial values
    a.eval(), b.eval(), other.eval()
    with torch.no_grad():
        out_a = recon_of(a(x))
        assert not torch.equal(out_a, recon_of(other(x))), f"{name}: seeds 0 and 1 give the same outputs"
        other.load_state_dict(a.state_dict())
        torch.testing.assert_close(recon_of(other(x)), out_a, rtol=0, atol=0)


@pytest.mark.parametrize("name", NAMES)
def test_params_validation_lists_the_factory_keywords(name):
    # Config validation (mllab.core.registry.check_params) reads the factory signature; presets must expose theirs.
    import inspect

    params = inspect.signature(MODELS.get(name)).parameters
    assert list(params)[:2] == ["input_shape", "num_classes"]
    assert len(params) > 2 or name == "inversion_invariant"
    assert all(k in params for k in MODELS.entry(name).meta["example_params"])
