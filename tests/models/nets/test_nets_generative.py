"""Autoencoders and VAEs: the loss against closed forms, reparameterization, sampling, shapes."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.distributions import Normal, kl_divergence

from mllab.models.nets.vae import VAEOutput, kl_to_standard_normal, vae_loss
from mllab.models.registry import MODELS


def build(name, shape, **params):
    torch.manual_seed(0)
    return MODELS.get(name)(shape, None, **params)


def test_kl_term_is_the_closed_form_of_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(4, 3), torch.randn(4, 3)
    expected = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0)).sum(1)
    torch.testing.assert_close(kl_to_standard_normal(mu, logvar), expected)


def test_vae_loss_parts_and_weights():
    torch.manual_seed(0)
    x, recon = torch.rand(4, 1, 3, 3), torch.rand(4, 1, 3, 3)
    mu, logvar = torch.randn(4, 2), torch.randn(4, 2)
    sq = F.mse_loss(recon, x, reduction="sum") / 4
    bce = F.binary_cross_entropy(recon, x, reduction="sum") / 4
    kl = kl_to_standard_normal(mu, logvar).mean()
    torch.testing.assert_close(vae_loss(x, recon, mu, logvar), sq + kl)
    torch.testing.assert_close(vae_loss(x, recon, mu, logvar, kl_weight=0), sq)  # report 000: "without part 2"
    torch.testing.assert_close(vae_loss(x, recon, mu, logvar, recon_weight=0), kl)  # "without part 1"
    torch.testing.assert_close(vae_loss(x, recon, mu, logvar, "bce", 2.0, 0.5), 2 * bce + 0.5 * kl)
    with pytest.raises(ValueError, match="not both 0"):
        vae_loss(x, recon, mu, logvar, recon_weight=0, kl_weight=0)


def test_model_loss_uses_its_options_and_is_what_the_trainer_calls():
    from mllab.training.tasks import ReconstructTask

    net = build("vae", (1, 6, 6), hidden=(8,), latent=3, recon_loss="bce", kl_weight=0.25)
    x = torch.rand(2, 1, 6, 6)
    out = net(x)
    torch.testing.assert_close(net.loss(x, out), vae_loss(x, *out, recon_loss="bce", kl_weight=0.25))
    task = ReconstructTask()
    torch.testing.assert_close(task.loss(out, x, None, net), net.loss(x, out))
    assert task.reconstruction(out) is out.recon


def test_reparameterization_samples_n_mu_sigma_in_training_and_mu_in_eval():
    net = build("vae", (4,), hidden=(), latent=2)
    mu, logvar = torch.tensor([[1.0, -2.0]]), torch.tensor([[0.0, -1.0]])
    torch.manual_seed(1)
    z = net.train().reparameterize(mu.expand(20_000, 2), logvar.expand(20_000, 2))
    torch.testing.assert_close(z.mean(0), mu[0], atol=0.03, rtol=0)
    torch.testing.assert_close(z.var(0), logvar[0].exp(), atol=0.03, rtol=0)
    assert torch.equal(net.eval().reparameterize(mu, logvar), mu)


def test_forward_returns_recon_mu_logvar_and_eval_is_deterministic():
    net = build("vae", (1, 28, 28)).eval()
    x = torch.rand(3, 1, 28, 28)
    out = net(x)
    assert isinstance(out, VAEOutput) and out[0] is out.recon
    torch.testing.assert_close(out.recon, net.decode(net.encode(x)[0]))
    assert torch.equal(net(x).recon, out.recon)


def test_sample_and_interpolate():
    net = build("vae", (1, 6, 6), hidden=(8,), latent=3).eval()
    a = net.sample(4, torch.Generator().manual_seed(5))
    assert a.shape == (4, 1, 6, 6) and ((a >= 0) & (a <= 1)).all()
    assert torch.equal(a, net.sample(4, torch.Generator().manual_seed(5)))
    assert not torch.equal(a, net.sample(4, torch.Generator().manual_seed(6)))
    z0, z1 = torch.randn(3), torch.randn(3)
    path = net.interpolate(z0, z1, [0.0, 0.5, 1.0])
    assert path.shape == (3, 1, 6, 6)
    torch.testing.assert_close(path[0], net.decode(z0[None])[0])
    torch.testing.assert_close(path[1], net.decode(((z0 + z1) / 2)[None])[0])
    torch.testing.assert_close(path[2], net.decode(z1[None])[0])


@pytest.mark.parametrize("shape", [(1, 28, 28), (3, 32, 32), (3, 64, 64)])
def test_dc_vae_pads_and_crops_any_size_and_decodes_with_four_transposed_convs(shape):
    net = build("dc_vae", shape, latent=10, base=8).eval()
    out = net(torch.rand(2, *shape))
    assert out.recon.shape == (2, *shape) and out.mu.shape == (2, 10)
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in net.decoder.modules()) == 4
    assert any(isinstance(m, nn.LeakyReLU) for m in net.encoder.modules())


@pytest.mark.parametrize("name", ["autoencoder", "conv_autoencoder"])
def test_autoencoders_reconstruct_in_the_unit_interval(name):
    net = build(name, (1, 28, 28), latent=7).eval()
    x = torch.rand(2, 1, 28, 28)
    assert net.encode(x).shape == (2, 7)
    torch.testing.assert_close(net(x), net.decode(net.encode(x)))
    assert ((net(x) >= 0) & (net(x) <= 1)).all()


def test_autoencoder_learns_to_reconstruct():
    # A short fit must beat the best constant (the mean image): the code actually carries the input.
    torch.manual_seed(0)
    x = (torch.rand(64, 1, 1, 16) < torch.linspace(0.1, 0.9, 64)[:, None, None, None]).float()
    net = build("autoencoder", (1, 1, 16), hidden=(32,), latent=8)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    for _ in range(150):
        opt.zero_grad()
        loss = F.mse_loss(net(x), x)
        loss.backward()
        opt.step()
    assert F.mse_loss(net(x), x) < 0.5 * F.mse_loss(x.mean(0, keepdim=True).expand_as(x), x)
