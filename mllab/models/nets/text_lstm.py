"""Report 001's sentiment LSTM (SST-2, 68.64 %): embedding, 3 x (LSTM 512, LayerNorm), 2 linear, log-softmax.

Token ids are padded with 0 at the end (the SST-2 loader's layout); the
embedding keeps id 0 at zero. Each LSTM layer is followed by a LayerNorm (the
report's reason: padded batches suit BatchNorm badly) and dropout. Sequences
run packed, so padding never enters a recurrence: a padded sentence gives
the output of the same sentence alone, also backwards in a bidirectional net.

Pooling: ``"last"`` reads the true last token (the report: "the last token
stores all information from history"): position ``length - 1`` forwards and
position 0 backwards; ``"mean"`` averages the valid positions, ``"max"`` takes
their element-wise maximum (InferSent's BiLSTM-max). ``forward(x,
lengths=None)`` derives lengths from the last non-zero id when not given.

Not reproduced: the report feeds "the input sequence as the initial state of
each LSTM block" of its hand-written LSTM; we use zero initial states (the
usual LSTM, and what its Fig. 8 draws). The embedding width is not given;
ours is 256. The output is log-probabilities (train with ``nll`` as the
report did; ``cross_entropy`` gives the same loss).

>>> import torch
>>> net = text_lstm((6,), 2, vocab_size=20, hidden=16, embed_dim=8)
>>> net(torch.tensor([[5, 3, 9, 0, 0, 0], [7, 1, 1, 2, 4, 8]])).shape
torch.Size([2, 2])
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from mllab.models.nets._common import make_output, torch_meta
from mllab.models.nets._text import token_embedding
from mllab.models.registry import MODELS


def lengths_from_padding(x: torch.Tensor) -> torch.Tensor:
    """Length of each row of ids padded with 0 at the end: index of the last non-zero id + 1 (at least 1)."""
    positions = torch.arange(1, x.shape[1] + 1, device=x.device)
    return (positions * (x != 0)).amax(dim=1).clamp(min=1)


class TextLSTM(nn.Module):
    """``embedding``, ``lstms``/``norms`` (one LayerNorm per LSTM layer), ``head`` and ``classifier``."""

    def __init__(self, embedding: nn.Module, num_classes, embed_dim, hidden, layers, bidirectional, layer_norm,
                 dropout, pooling, head_hidden, output):
        super().__init__()
        self.directions, self.hidden, self.pooling = 2 if bidirectional else 1, hidden, pooling
        width = hidden * self.directions
        self.embedding = embedding
        self.lstms = nn.ModuleList(
            nn.LSTM(embed_dim if i == 0 else width, hidden, batch_first=True, bidirectional=bidirectional)
            for i in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(width) if layer_norm else nn.Identity() for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Sequential(nn.Linear(width, head_hidden), nn.ReLU(), nn.Dropout(dropout))
        self.classifier = nn.Linear(head_hidden, num_classes)
        self.output = make_output(output)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Token ids (B, L) -> pooled features (B, D*H) after the last LSTM layer and its LayerNorm."""
        lengths = lengths_from_padding(x) if lengths is None else lengths.clamp(min=1)
        packed = pack_padded_sequence(self.dropout(self.embedding(x)), lengths.cpu(), batch_first=True,
                                      enforce_sorted=False)
        for lstm, norm in zip(self.lstms, self.norms):
            packed, _ = lstm(packed)
            # LayerNorm and dropout act per position, so they apply to the packed rows (N_tokens, D*H) directly.
            packed = packed._replace(data=self.dropout(norm(packed.data)))
        out, _ = pad_packed_sequence(packed, batch_first=True, total_length=x.shape[1])  # (B, L, D*H)
        return self._pool(out, lengths.to(out.device))

    def _pool(self, out: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        if self.pooling == "mean":
            return out.sum(1) / lengths[:, None].to(out.dtype)  # padded positions are zeros
        if self.pooling == "max":
            valid = torch.arange(out.shape[1], device=out.device)[None, :] < lengths[:, None]
            return out.masked_fill(~valid[:, :, None], float("-inf")).amax(dim=1)
        last = out[torch.arange(len(out), device=out.device), lengths - 1]  # (B, D*H) at the true last token
        if self.directions == 2:  # the backward direction ends at position 0
            last = torch.cat([last[:, : self.hidden], out[:, 0, self.hidden:]], dim=1)
        return last

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.output(self.classifier(self.head(self.encode(x, lengths))))


@MODELS.register("text_lstm", **torch_meta(input="tokens", example_input=(12,), example_classes=2,
                                           example_params=dict(vocab_size=50), output="log_softmax", params=5_861_250))
def text_lstm(input_shape, num_classes, vocab_size: int | None = None, embed_dim: int = 256, hidden: int = 512,
              layers: int = 3, bidirectional: bool = False, layer_norm: bool = True, dropout: float = 0.2,
              pooling: str = "last", head_hidden: int = 128, subword_buckets: int = 0, word_dropout: float = 0.0,
              vocab: Sequence[str] | None = None, known_words: int | None = None, output: str = "log_softmax",
              vectors: str | None = None):
    """Report 001 sentiment LSTM: embedding, stacked LSTM + LayerNorm, last-token or mean pooling, 2 linear.

    ``subword_buckets`` / ``word_dropout`` > 0 embed words as ``text_cnn`` does (their spelling too, see
    :class:`~mllab.models.nets._text.TokenEmbedding`), and ``vectors`` (e.g. ``glove6b_100d``) adds each word's
    frozen pretrained vector to it; without them the embedding is the report's plain one.
    """
    if len(input_shape) != 1:
        raise ValueError(f"text_lstm: input_shape must be (L,) token ids; got {tuple(input_shape)}")
    if not vocab_size or vocab_size < 2:
        raise ValueError(f"text_lstm: vocab_size must be given (ids 0..vocab_size-1, 0 = padding); got {vocab_size}")
    if pooling not in ("last", "mean", "max"):
        raise ValueError(f"text_lstm: pooling must be 'last', 'mean' or 'max'; got {pooling!r}")
    if subword_buckets or word_dropout or vectors:
        embedding = token_embedding("text_lstm", vocab_size, embed_dim, vocab, known_words, subword_buckets,
                                    word_dropout, vectors)
    else:  # the report's model (and the state-dict keys of its runs): one nn.Embedding
        embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
    return TextLSTM(embedding, num_classes, embed_dim, hidden, layers, bidirectional, layer_norm, dropout,
                    pooling, head_hidden, output)
