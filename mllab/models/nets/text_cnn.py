"""Kim's (2014) sentence CNN ("CNN-rand": embeddings learned from scratch) for SST-2.

Embedding -> parallel 1-D convolutions of widths ``kernel_sizes`` (``filters`` each,
ReLU) -> max over the valid positions -> dropout -> linear. Max-over-time
pooling makes the sentence vector independent of where a phrase sits and of
the padding: positions whose window starts past a sentence's end are masked
out, so a padded sentence scores exactly as it does alone (tested).

Kim reports 82.7 % on SST-2 (binary, test) for CNN-rand trained on phrases
and sentences; report 001's LSTM reached 68.6 %. Not a report-001 model: the
``best_sst2`` recipe's candidate against a BiLSTM-max ``text_lstm`` (bench/RESULTS.md).

>>> import torch
>>> net = text_cnn((9,), 2, vocab_size=20, embed_dim=8, filters=4)
>>> net(torch.tensor([[5, 3, 9, 0, 0, 0, 0, 0, 0], [7, 1, 1, 2, 4, 8, 2, 2, 3]])).shape
torch.Size([2, 2])
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from mllab.models.nets._common import make_output, torch_meta
from mllab.models.nets._text import TokenEmbedding, token_embedding
from mllab.models.nets.text_lstm import lengths_from_padding
from mllab.models.registry import MODELS


class TextCNN(nn.Module):
    """``embedding``, ``convs`` (one Conv1d per width), ``classifier``."""

    def __init__(self, embedding: TokenEmbedding, num_classes, filters, kernel_sizes, dropout, embed_dropout, output):
        super().__init__()
        self.embedding, embed_dim = embedding, embedding.words.embedding_dim
        self.convs = nn.ModuleList(nn.Conv1d(embed_dim, filters, k, padding=k - 1) for k in kernel_sizes)
        self.embed_dropout, self.dropout = nn.Dropout(embed_dropout), nn.Dropout(dropout)
        self.classifier = nn.Linear(filters * len(kernel_sizes), num_classes)
        self.output = make_output(output)

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """Token ids (B, L) -> (B, filters * len(kernel_sizes)) max-pooled features."""
        lengths = lengths_from_padding(x) if lengths is None else lengths.clamp(min=1)
        e = self.embed_dropout(self.embedding(x)).transpose(1, 2)  # (B, E, L)
        pooled = []
        for conv in self.convs:
            k = conv.kernel_size[0]
            h = torch.relu(conv(e))  # (B, F, L + k - 1): window j covers tokens j-k+1 .. j
            valid = torch.arange(h.shape[2], device=x.device)[None, :] < (lengths.to(x.device) + k - 1)[:, None]
            pooled.append(h.masked_fill(~valid[:, None, :], float("-inf")).amax(dim=2))
        return torch.cat(pooled, dim=1)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.output(self.classifier(self.dropout(self.encode(x, lengths))))


@MODELS.register("text_cnn", **torch_meta(input="tokens", example_input=(12,), example_classes=2,
                                          example_params=dict(vocab_size=50), output="log_softmax", params=375_902))
def text_cnn(input_shape, num_classes, vocab_size: int | None = None, embed_dim: int = 300, filters: int = 100,
             kernel_sizes: Sequence[int] = (3, 4, 5), dropout: float = 0.5, embed_dropout: float = 0.0,
             subword_buckets: int = 0, word_dropout: float = 0.0, vocab: Sequence[str] | None = None,
             known_words: int | None = None, output: str = "log_softmax", vectors: str | None = None):
    """Kim's CNN-rand: embedding (+ subwords), convolutions of several widths, max over time, dropout, linear.

    ``vocab`` / ``known_words`` come from the dataset (SST-2's info); ``subword_buckets`` > 0 adds
    fastText-style character n-gram vectors (see :class:`~mllab.models.nets._text.TokenEmbedding`); ``vectors``
    (e.g. ``glove6b_100d``) adds each word's frozen pretrained vector (Kim's CNN-static/non-static idea).
    """
    if len(input_shape) != 1:
        raise ValueError(f"text_cnn: input_shape must be (L,) token ids; got {tuple(input_shape)}")
    if not vocab_size or vocab_size < 2:
        raise ValueError(f"text_cnn: vocab_size must be given (ids 0..vocab_size-1, 0 = padding); got {vocab_size}")
    if not kernel_sizes or min(kernel_sizes) < 1:
        raise ValueError(f"text_cnn: kernel_sizes must be positive widths, e.g. [3, 4, 5]; got {kernel_sizes}")
    embedding = token_embedding("text_cnn", vocab_size, embed_dim, vocab, known_words, subword_buckets, word_dropout,
                                vectors)
    return TextCNN(embedding, num_classes, filters, tuple(kernel_sizes), dropout, embed_dropout, output)
