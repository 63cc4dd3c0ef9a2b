import pytest
import torch
from torch import nn

from mllab.core.errors import ConfigError
from mllab.runs.config import resolve_config
from mllab.training.batching import epoch_batches, token_lengths
from mllab.training.tasks import ClassifyTask
from mllab.training.trainer import Tensors, Trainer


def lengths_of(n=1000, seed=0):
    return torch.randint(1, 53, (n,), generator=torch.Generator().manual_seed(seed))


def test_without_buckets_the_batches_are_the_shuffled_order_cut():
    order = torch.randperm(10, generator=torch.Generator().manual_seed(3))
    got = epoch_batches(10, 4, torch.Generator().manual_seed(3))
    assert [b.tolist() for b in got] == [b.tolist() for b in order.split(4)]


def test_buckets_hold_every_row_once_and_rows_of_similar_length():
    lengths, bs = lengths_of(), 32
    batches = epoch_batches(1000, bs, torch.Generator().manual_seed(0), lengths=lengths, pool=8)
    assert sorted(torch.cat(batches).tolist()) == list(range(1000))
    assert sum(len(b) < bs for b in batches) <= 1  # only the last run's remainder is short
    plain = epoch_batches(1000, bs, torch.Generator().manual_seed(0))
    steps = sum(int(lengths[b].max()) for b in batches)  # a packed LSTM runs one step per longest row's position
    steps_plain = sum(int(lengths[b].max()) for b in plain)
    assert steps < 0.6 * steps_plain
    spread = [int(lengths[b].max() - lengths[b].min()) for b in batches]
    # a run of 8 batches spreads over lengths 1..52, so a batch spans about 52 / 8 of them (random batches: ~50)
    assert sorted(spread)[len(spread) // 2] <= 52 // 8 + 2


def test_buckets_are_sorted_within_each_run_of_pool_batches_and_drawn_from_the_shuffled_order():
    lengths, bs, pool = lengths_of(200), 10, 5
    order = torch.randperm(200, generator=torch.Generator().manual_seed(1))
    batches = epoch_batches(200, bs, torch.Generator().manual_seed(1), shuffle=False, lengths=lengths, pool=pool)
    runs = torch.arange(200).split(bs * pool)
    for run, got in zip(runs, [torch.cat(batches[i:i + pool]) for i in range(0, len(batches), pool)]):
        assert sorted(got.tolist()) == run.tolist()  # no shuffle: each run is the data's order, sorted
        assert torch.all(lengths[got][1:] >= lengths[got][:-1])
    shuffled = epoch_batches(200, bs, torch.Generator().manual_seed(1), lengths=lengths, pool=pool)
    run0 = set(order[:bs * pool].tolist())
    assert sum(set(b.tolist()) <= run0 for b in shuffled) == pool  # the first run of the shuffled order...
    assert [set(b.tolist()) <= run0 for b in shuffled][:pool] != [True] * pool  # ...lands anywhere in the epoch


def test_buckets_are_drawn_afresh_each_epoch_and_reproducibly_from_the_seed():
    lengths = lengths_of(300)
    g = torch.Generator().manual_seed(7)
    first, second = (epoch_batches(300, 16, g, lengths=lengths, pool=4) for _ in range(2))
    assert [b.tolist() for b in first] != [b.tolist() for b in second]
    again = epoch_batches(300, 16, torch.Generator().manual_seed(7), lengths=lengths, pool=4)
    assert [b.tolist() for b in again] == [b.tolist() for b in first]


def test_token_lengths_count_the_non_padding_ids():
    assert token_lengths(torch.tensor([[5, 3, 0, 0], [7, 0, 0, 0], [1, 2, 3, 4]])).tolist() == [2, 1, 4]


def token_data(n=256, width=30, seed=0):
    g = torch.Generator().manual_seed(seed)
    lengths = torch.randint(1, width + 1, (n,), generator=g)
    x = torch.randint(1, 40, (n, width), generator=g) * (torch.arange(width)[None] < lengths[:, None])
    return Tensors(x, (x[:, 0] % 2))


def text_trainer(bucket, epochs=2, seed=0):
    from mllab.models.registry import MODELS

    torch.manual_seed(1)
    net = MODELS.get("text_lstm")((30,), 2, vocab_size=40, embed_dim=8, hidden=8)
    cfg = resolve_config({"seed": seed, "optimizer": {"name": "adam", "lr": 0.01},
                          "training": {"batch_size": 16, "epochs": epochs, "loss": "nll", "bucket_by_length": bucket}})
    return Trainer(net, cfg, ClassifyTask("nll", 2), quiet=True, tokens=True)


def test_a_token_model_trains_on_length_buckets_and_the_epoch_sees_every_row():
    data = token_data()
    t = text_trainer(4)
    history = t.fit(data)
    assert len(history) == 2 and all(h["train_loss"] == h["train_loss"] for h in history)
    plain = text_trainer(0)
    plain.fit(data)
    differs = any(not torch.equal(a, b) for a, b in zip(t.model.parameters(), plain.model.parameters()))
    assert differs  # other batches, other updates


def test_buckets_on_a_model_that_does_not_read_tokens_are_a_config_error_naming_the_key():
    cfg = resolve_config({"training": {"bucket_by_length": 8}})
    with pytest.raises(ConfigError, match="training.bucket_by_length"):
        Trainer(nn.Linear(2, 3), cfg, ClassifyTask("cross_entropy", 3), quiet=True)
