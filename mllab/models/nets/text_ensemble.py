"""An ensemble of text classifiers trained in one run: ``members`` copies of one token model, averaged.

Each member is the registered model ``model`` with ``params``, initialized on
its own (the random generator moves on between members). In training the
output is the mean of the members' log-probabilities: its NLL is the mean of
the members' own NLLs, so with ``training.loss: nll`` each member learns as if
alone, on the same batches (an ensemble of independently trained nets,
Lakshminarayanan et al. 2017, in one run and one checkpoint). In evaluation
the output is the log of the members' mean probability, normalized: what the
run's metrics and predictions score. Members see the same batches: besides
their initial weights they differ only in their dropout and word-dropout draws.

Cost: ``members`` times one member's. The ``best_sst2`` recipe chose three
BiLSTMs over two and two over one on a validation split, over 3 seeds each
(bench/RESULTS.md).

>>> import torch
>>> net = text_ensemble((6,), 2, vocab_size=20, model="text_cnn", params={"embed_dim": 8, "filters": 4}, members=3)
>>> out = net.eval()(torch.tensor([[5, 3, 9, 0, 0, 0], [7, 1, 1, 2, 4, 8]]))
>>> out.shape, torch.allclose(out.exp().sum(1), torch.ones(2))
(torch.Size([2, 2]), True)
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import torch
from torch import nn

from mllab.models.nets._common import torch_meta
from mllab.models.registry import MODELS, told_by_data


class TextEnsemble(nn.Module):
    """``members`` (a ModuleList of log-probability classifiers over token ids)."""

    def __init__(self, members: Sequence[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logp = torch.stack([torch.log_softmax(m(x, lengths), dim=1) for m in self.members])  # (K, B, C)
        if self.training:  # NLL of the mean = mean of the members' NLLs: each member trains on its own loss
            return logp.mean(0)
        return torch.logsumexp(logp, dim=0) - math.log(len(self.members))  # log of the mean probability


@MODELS.register("text_ensemble", **torch_meta(input="tokens", example_input=(12,), example_classes=2,
                                               example_params=dict(vocab_size=50, model="text_cnn",
                                                                   params={"embed_dim": 16, "filters": 8}),
                                               output="log_softmax", params=4_820))
def text_ensemble(input_shape, num_classes, model: str = "text_lstm", params: dict[str, Any] | None = None,
                  members: int = 2, vocab_size: int | None = None, vocab: Sequence[str] | None = None,
                  known_words: int | None = None):
    """Ensemble of text classifiers (text_lstm or text_cnn) trained side by side, probabilities averaged.

    ``members`` copies of ``model`` with ``params``; the dataset's vocabulary reaches each member."""
    entry = MODELS.entry(model)  # unknown names: the registry's error lists the known ones
    if entry.meta.get("input") != "tokens" or model == "text_ensemble":
        raise ValueError(f"text_ensemble: model must be a token classifier such as text_lstm or text_cnn; got {model!r}")
    if not isinstance(members, int) or members < 1:
        raise ValueError(f"text_ensemble: members must be a count >= 1; got {members!r}")
    told = told_by_data(model, dict(vocab_size=vocab_size, vocab=vocab, known_words=known_words))
    return TextEnsemble([MODELS.get(model)(input_shape, num_classes, **{**told, **(params or {})})
                         for _ in range(members)])
