"""text_ensemble: members train on their own losses in one run and are averaged in evaluation."""

import math

import pytest
import torch
import torch.nn.functional as F

from mllab.models.registry import create_model

X = torch.tensor([[5, 3, 9, 0, 0, 0], [7, 1, 1, 2, 4, 8], [2, 6, 0, 0, 0, 0]])
Y = torch.tensor([1, 0, 1])


def ensemble(members=3, model="text_cnn", **params):
    torch.manual_seed(0)
    return create_model("text_ensemble", (6,), 2, vocab_size=20, model=model, members=members,
                        params={"embed_dim": 8, "filters": 4, "dropout": 0.0, **params})


def test_training_gives_each_member_the_gradient_of_its_own_loss_over_k():
    net = ensemble().train()
    F.nll_loss(net(X), Y).backward()
    together = [p.grad.clone() for p in net.parameters()]
    net.zero_grad()
    for member in net.members:  # each alone, its loss scaled by 1/K
        (F.nll_loss(member(X), Y) / len(net.members)).backward()
    for a, b in zip(together, (p.grad for p in net.parameters())):
        torch.testing.assert_close(a, b)


def test_evaluation_outputs_the_log_of_the_members_mean_probability():
    net = ensemble().eval()
    probs = torch.stack([m(X).exp() for m in net.members]).mean(0)
    torch.testing.assert_close(net(X), probs.log())
    assert torch.allclose(net(X).exp().sum(1), torch.ones(3))


def test_members_start_from_different_weights():
    a, b = ensemble(members=2).members
    assert not torch.equal(a.classifier.weight, b.classifier.weight)


def test_a_bidirectional_lstm_ensemble_runs_on_padded_batches():
    net = create_model("text_ensemble", (6,), 2, vocab_size=20, model="text_lstm", members=2,
                       params={"embed_dim": 8, "hidden": 4, "layers": 1, "bidirectional": True, "pooling": "max"})
    out = net.eval()(X)
    single = net(X[:1, :3])  # the first sentence alone, without its padding
    torch.testing.assert_close(out[:1], single, atol=1e-6, rtol=1e-5)
    assert math.isclose(out.exp().sum().item(), 3.0, rel_tol=1e-5)


@pytest.mark.parametrize("bad, match", [({"model": "lenet5"}, "token classifier"),
                                        ({"members": 0}, "members must be a count")])
def test_refuses_what_it_cannot_average(bad, match):
    with pytest.raises(ValueError, match=match):
        create_model("text_ensemble", (6,), 2, vocab_size=20, **{"model": "text_cnn", **bad})
