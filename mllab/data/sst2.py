"""SST-2 (GLUE release): binary sentiment of movie-review sentences and phrases.

Reads GLUE's ``train.tsv`` and ``dev.tsv`` (``sentence<TAB>label``, no
quoting). GLUE's test labels are hidden, so the test split here is GLUE
*dev* (872 sentences); carve validation out of train. Sentences become
``int64`` token ids ``(N, max_len)`` padded with 0; ``Split.lengths`` holds
each row's number of real tokens. The vocabulary is built on train only:
id 0 = ``<pad>``, 1 = ``<unk>``, then tokens by falling frequency.

>>> tokenize("It's not bad, isn't it?")
['it', "'s", 'not', 'bad', ',', 'is', "n't", 'it', '?']
"""

from __future__ import annotations

import re
from collections import Counter

import numpy as np

from mllab.data.cache import cached_arrays
from mllab.data.dataset import Dataset, Split
from mllab.data.files import DataFile, DataFormatError, find_file, read_verified
from mllab.data.registry import DATASETS

_FORMAT_VERSION = 3
FOLDERS = ("sst2", "SST-2", "glue/SST-2")
FILES = (
    DataFile("train.tsv", "48eac26399f8456935f81dd9e3a745c1430adb6c62e233ccfe22db4a0d15d1d1"),
    DataFile("dev.tsv", "54a9c12c77e402fc14d6a66a506f24d999f596b0176eb777c972cccc2f9cc4b0"),
)
# GLUE's SST-2.zip holds SST-2/{train,dev,test}.tsv; no upstream checksum of the zip is known.
ARCHIVE = DataFile("SST-2.zip", None, "https://dl.fbaipublicfiles.com/glue/data/SST-2.zip")
PAD, UNK = "<pad>", "<unk>"

# The text is already lower-cased and PTB-tokenized; this tokenizer leaves such text as its whitespace split
# (checked on all of train) and splits raw text the same way: clitics ("do n't", "it 's") and edge punctuation.
_CLITIC = re.compile(r"(?<=[a-z0-9])(n't|'s|'re|'ve|'ll|'d|'m)(?![a-z0-9])")
_WORD_CHAR = re.compile(r"[a-z0-9]")
_ABBREVIATION = re.compile(r"([a-z]\.)+")  # "u.s.", "x.": PTB keeps their final period
_LEAD = ("``", "(", "[", "{", '"', "`")
_TRAIL = ("...", "''", ")", "]", "}", '"', ",", ";", ":", "!", "?")


def _peel(chunk: str, final: bool) -> list[str]:
    """Split leading/trailing punctuation off one whitespace chunk (a sentence-final '.' too)."""
    if chunk[0].isalnum() and chunk[-1].isalnum():  # most chunks: nothing to peel
        return [chunk]
    lead, trail = [], []
    while _WORD_CHAR.search(chunk) and (p := next((p for p in _LEAD if chunk.startswith(p)), None)):
        lead.append(p)
        chunk = chunk[len(p):]
    while _WORD_CHAR.search(chunk):
        p = next((p for p in _TRAIL if chunk.endswith(p)), None)
        if p is None and final and chunk.endswith(".") and not _ABBREVIATION.fullmatch(chunk):
            p = "."
        if p is None:
            break
        trail.insert(0, p)
        chunk = chunk[:-len(p)]
    return lead + [chunk] + trail


def tokenize(text: str) -> list[str]:
    """Lower-cased PTB-style tokens (identity on SST-2's own pre-tokenized text)."""
    chunks = _CLITIC.sub(r" \1", text.lower()).split()
    return [t for i, c in enumerate(chunks) for t in _peel(c, i == len(chunks) - 1)]


def read_tsv(payload: bytes, source: str) -> tuple[list[str], np.ndarray]:
    """Sentences and int64 labels of a GLUE ``sentence<TAB>label`` file (UTF-8, ``\\n`` line ends)."""
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataFormatError(f"sst2: {source} is not UTF-8 text (byte {err.start}: {err.reason}); delete it and "
                              f"run 'mllab data fetch sst2'") from None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    # Split by hand, not with csv: GLUE's files are unquoted, and csv refuses a field over 128 kB or a lone CR.
    rows = [line.removesuffix("\r").split("\t") for line in lines]
    if not rows or rows[0] != ["sentence", "label"]:
        raise DataFormatError(f"sst2: {source} header is {rows[0][:3] if rows else 'missing'!r:.80}, expected "
                              f"['sentence', 'label']")
    bad = next((i for i, r in enumerate(rows[1:], 2) if len(r) != 2 or r[1] not in ("0", "1")), None)
    if bad is not None:
        raise DataFormatError(f"sst2: {source} line {bad} is {lines[bad - 1]!r:.80}, expected a sentence, a TAB "
                              f"and 0 or 1")
    return [r[0] for r in rows[1:]], np.array([int(r[1]) for r in rows[1:]], dtype=np.int64)


def build_vocab(sentences: list[list[str]], min_freq: int = 1) -> list[str]:
    """``[<pad>, <unk>, tokens seen >= min_freq times by falling count, ties alphabetical]``."""
    counts = Counter(t for s in sentences for t in s)
    kept = sorted((t for t, c in counts.items() if c >= min_freq), key=lambda t: (-counts[t], t))
    return [PAD, UNK, *kept]


def unseen_tokens(sentences: list[list[str]], vocab: list[str]) -> list[str]:
    """Tokens of ``sentences`` missing from ``vocab``, sorted (the ids they get with ``unseen_words=True``)."""
    known = set(vocab)
    return sorted({t for s in sentences for t in s if t not in known})


def sentence_groups(phrases: list[list[str]]) -> np.ndarray:
    """A group id per phrase: the sentence it was cut from, so validation never shares text with training.

    GLUE's SST-2 train set holds every labelled phrase of the parse trees of its training sentences, each
    phrase once. Longest first, a phrase no earlier group contains starts a group (a sentence) and claims
    every phrase among its contiguous token spans; a short phrase found in several sentences belongs to
    the first. (Cutting validation by random phrases would put most of a held-out sentence's text in train.)

    >>> sentence_groups([["a", "b"], ["good", "film"], ["film"], ["a", "good", "film"]]).tolist()
    [1, 0, 0, 0]
    """
    index = {}
    for i, p in enumerate(phrases):
        index.setdefault(tuple(p), i)
    groups = np.full(len(phrases), -1, dtype=np.int64)
    group = 0
    for i in sorted(range(len(phrases)), key=lambda i: (-len(phrases[i]), i)):
        if groups[i] >= 0:
            continue
        p = tuple(phrases[i])
        for a in range(len(p)):
            for b in range(a + 1, len(p) + 1):
                j = index.get(p[a:b])
                if j is not None and groups[j] < 0:
                    groups[j] = group
        groups[i] = group
        group += 1
    return groups


def encode(sentences: list[list[str]], vocab: list[str], max_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Token ids ``(N, max_len)`` (0-padded, truncated) and kept lengths ``(N,)``."""
    index = {t: i for i, t in enumerate(vocab)}
    ids = np.zeros((len(sentences), max_len), dtype=np.int64)
    lengths = np.zeros(len(sentences), dtype=np.int64)
    for row, tokens in enumerate(sentences):
        kept = [index.get(t, 1) for t in tokens[:max_len]]
        ids[row, :len(kept)] = kept
        lengths[row] = len(kept)
    return ids, lengths


@DATASETS.register("sst2", kind="text", folders=FOLDERS, files=FILES, archive=ARCHIVE)
def sst2(max_len: int | None = None, min_freq: int = 1, unseen_words: bool = False) -> Dataset:
    """SST-2 (GLUE): binary sentiment, 67 349 train phrases / 872 dev sentences as test, token ids.

    Train rows carry ``groups`` (their sentence, :func:`sentence_groups`): ``data.val_fraction`` holds out
    whole sentences with all their phrases.

    ``max_len``: pad/truncate to this many tokens (default: the longest train sentence, 52);
    ``min_freq``: train tokens seen fewer times map to ``<unk>`` (default 1: keep all);
    ``unseen_words``: test words absent from train get their own ids after the train vocabulary
    (``info["known_words"]`` = its size) instead of ``<unk>``, so a subword model can spell them
    (the words only, never a label; a word model maps those ids back to ``<unk>``).
    """
    if max_len is not None and max_len < 1 or min_freq < 1:
        raise ValueError(f"sst2: max_len must be None or >= 1 and min_freq >= 1; got {max_len}, {min_freq}")
    sources = [find_file("sst2", FOLDERS, f.name) for f in FILES]

    def build():
        (train_text, y_train), (test_text, y_test) = (read_tsv(read_verified("sst2", FOLDERS, f)[0], f.name)
                                                      for f in FILES)
        train_tok, test_tok = [tokenize(s) for s in train_text], [tokenize(s) for s in test_text]
        vocab = build_vocab(train_tok, min_freq)
        known = len(vocab)
        if unseen_words:
            vocab += unseen_tokens(test_tok, vocab)
        length = max_len or max(len(t) for t in train_tok)  # default: the longest train sentence
        (x_train, l_train), (x_test, l_test) = encode(train_tok, vocab, length), encode(test_tok, vocab, length)
        return {"x_train": x_train, "y_train": y_train, "len_train": l_train, "x_test": x_test, "y_test": y_test,
                "len_test": l_test, "vocab": np.array(vocab), "known_words": np.array(known),
                "groups_train": sentence_groups(train_tok), "true_len_train": np.array([len(t) for t in train_tok]),
                "true_len_test": np.array([len(t) for t in test_tok])}

    options = {"max_len": max_len, "min_freq": min_freq, "unseen_words": unseen_words}
    a = cached_arrays("sst2", _FORMAT_VERSION, sources, options, build)
    vocab = a["vocab"].tolist()
    length = a["x_train"].shape[1]
    known = int(a["known_words"])
    test_unk = float(((a["x_test"] == 1) | (a["x_test"] >= known)).sum() / max(a["len_test"].sum(), 1))
    info = {"files": [str(p) for p in sources], "vocab": vocab, "vocab_size": len(vocab), "max_len": length,
            "known_words": known, "min_freq": min_freq, "test_split": "GLUE dev (GLUE test labels are hidden)",
            "test_unk_rate": round(test_unk, 4),
            "truncated": {s: int((a[f"true_len_{s}"] > length).sum()) for s in ("train", "test")}}
    return Dataset("sst2", Split(a["x_train"], a["y_train"], a["len_train"], a["groups_train"]),
                   Split(a["x_test"], a["y_test"], a["len_test"]), ("negative", "positive"), info)
