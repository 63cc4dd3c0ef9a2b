"""Token embeddings for the text models: words, and optionally their spelling (fastText-style subwords).

A word's vector is its own embedding plus, with ``subword_buckets > 0``, the
mean of the embeddings of its character n-grams (``n_min..n_max`` of
``<word>``, hashed into that many buckets; Bojanowski et al. 2017). A word
never seen in training (id >= ``known_words``) has no trained vector of its
own: it gets ``<unk>``'s, plus the n-grams it shares with training words
("unflinchingly" with "unflinching"). With 0 buckets this is ``nn.Embedding``.
``word_dropout`` (training only) swaps a word's own vector for ``<unk>``'s but
keeps its n-grams: it trains the model on words it must read by spelling.

>>> import torch
>>> emb = TokenEmbedding(5, 4, vocab=["<pad>", "<unk>", "good", "bad", "goodly"], known_words=4,
...                      subword_buckets=50)
>>> emb(torch.tensor([[2, 4, 0]])).shape
torch.Size([1, 3, 4])
"""

from __future__ import annotations

import logging
import zlib
from typing import Sequence

import torch
from torch import nn

UNK_ID = 1
log = logging.getLogger(__name__)


def char_ngrams(word: str, n_min: int = 3, n_max: int = 5) -> list[str]:
    """Character n-grams of ``<word>`` (with boundary marks), shortest first.

    >>> char_ngrams("bad", 3, 4)
    ['<ba', 'bad', 'ad>', '<bad', 'bad>']
    """
    w = f"<{word}>"
    return [w[i:i + n] for n in range(n_min, n_max + 1) for i in range(len(w) - n + 1)]


def ngram_table(vocab: Sequence[str], buckets: int, n_min: int, n_max: int) -> torch.Tensor:
    """(V, G) bucket ids + 1 of each word's n-grams (0 = none); special tokens ``<...>`` get none."""
    rows = [[] if w.startswith("<") and w.endswith(">") else
            [zlib.crc32(g.encode()) % buckets + 1 for g in char_ngrams(w, n_min, n_max)] for w in vocab]
    table = torch.zeros(len(vocab), max(1, max(map(len, rows))), dtype=torch.long)
    for i, r in enumerate(rows):
        table[i, :len(r)] = torch.tensor(r, dtype=torch.long)
    return table


def token_embedding(model: str, vocab_size: int, dim: int, vocab: Sequence[str] | None, known_words: int | None,
                    subword_buckets: int, word_dropout: float, vectors: str | None) -> "TokenEmbedding":
    """A text model's :class:`TokenEmbedding`, with the pretrained word vectors of set ``vectors`` (e.g.
    ``glove6b_100d``, :mod:`mllab.data.vectors`) looked up for ``vocab`` when it names one."""
    table = None
    if vectors:
        from mllab.data.vectors import vector_set, vectors_for

        want = vector_set(vectors).dim
        if dim != want:
            raise ValueError(f"{model}: embed_dim must equal the {want} dimensions of vectors {vectors!r}; got {dim}: "
                             f"set model.params.embed_dim={want}")
        if vocab is None:
            raise ValueError(f"{model}: vectors need the dataset's vocabulary (info['vocab']); a text dataset gives it")
        table, found = vectors_for(vectors, vocab)
        log.info("%s: %d of %d words have a %s vector", model, found, len(vocab), vectors)
    return TokenEmbedding(vocab_size, dim, vocab, known_words, subword_buckets, word_dropout=word_dropout,
                          vectors=table)


class TokenEmbedding(nn.Module):
    """``words`` (+ ``subwords`` over the buffer ``ngrams``, + the frozen ``pretrained`` vectors); id 0 embeds to
    zero."""

    def __init__(self, vocab_size: int, dim: int, vocab: Sequence[str] | None = None, known_words: int | None = None,
                 subword_buckets: int = 0, n_min: int = 3, n_max: int = 5, word_dropout: float = 0.0,
                 vectors: torch.Tensor | None = None):
        super().__init__()
        if not 0 <= word_dropout < 1:
            raise ValueError(f"word_dropout must lie in [0, 1); got {word_dropout}")
        self.known_words, self.word_dropout = known_words or vocab_size, word_dropout
        self.words = nn.Embedding(vocab_size, dim, padding_idx=0)
        if vectors is not None:
            vectors = torch.as_tensor(vectors, dtype=torch.float32)
            if tuple(vectors.shape) != (vocab_size, dim):
                raise ValueError(f"vectors: expected one {dim}-dimensional row per word ({vocab_size}, {dim}); "
                                 f"got {tuple(vectors.shape)}")
            with torch.no_grad():  # a word with a vector starts at it: its trained part starts at zero
                self.words.weight[vectors.abs().sum(1) > 0] = 0.0
        self.register_buffer("pretrained", vectors, persistent=False)  # frozen; rebuilt from its file on load
        self.subwords = None
        if subword_buckets:
            if vocab is None or len(vocab) != vocab_size:
                raise ValueError(f"subword_buckets needs the vocabulary's {vocab_size} words (the dataset's "
                                 f"info['vocab']); got {None if vocab is None else len(vocab)}")
            self.subwords = nn.Embedding(subword_buckets + 1, dim, padding_idx=0)
            self.register_buffer("ngrams", ngram_table(vocab, subword_buckets, n_min, n_max), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        unseen = x >= self.known_words
        if self.training and self.word_dropout:
            unseen = unseen | ((torch.rand(x.shape, device=x.device) < self.word_dropout) & (x != 0))
        words = torch.where(unseen, torch.full_like(x, UNK_ID), x)
        out = self.words(words)
        if self.pretrained is not None:  # every word's own vector, unseen ones' too (they have no trained part)
            out = out + nn.functional.embedding(x, self.pretrained)
        if self.subwords is None:
            return out
        unique, inverse = torch.unique(x, return_inverse=True)  # spell each distinct word once per batch
        grams = self.ngrams[unique]  # (U, G)
        counts = (grams != 0).sum(1, keepdim=True).clamp(min=1)
        spelled = self.subwords(grams).sum(1) / counts  # (U, dim); no n-grams -> zero
        return out + spelled[inverse]
