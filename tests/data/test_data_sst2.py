"""SST-2: tokenizer, vocabulary from train only, padding/truncation, caching; real GLUE files when present."""

import csv

import numpy as np
import pytest

import mllab.data.sst2 as sst2
from conftest import require_real
from data_formats import sha256
from mllab.data import ChecksumError, load
from mllab.data.files import DataFile

TRAIN = "sentence\tlabel\nit 's a charming and often affecting journey . \t1\nunflinchingly bleak and desperate \t0\n" \
        "the film is n't `` good '' \t0\na charming , good film \t1\n"
DEV = "sentence\tlabel\na charming \" quirky \" journey \t1\nbleak and unseen words here \t0\n"


@pytest.fixture
def glue(data_root, patch_files):
    folder = data_root / "sst2"
    folder.mkdir()
    (folder / "train.tsv").write_text(TRAIN)
    (folder / "dev.tsv").write_text(DEV)
    patch_files("sst2", sst2, "FILES", (DataFile("train.tsv", sha256(TRAIN.encode())),
                                        DataFile("dev.tsv", sha256(DEV.encode()))))
    return folder


def test_tokenizer_splits_raw_text_like_ptb():
    assert sst2.tokenize("It's not bad, isn't it?") == ["it", "'s", "not", "bad", ",", "is", "n't", "it", "?"]
    assert sst2.tokenize('I didn\'t like "Mr. Smith" (2002).') == \
        ["i", "did", "n't", "like", '"', "mr.", "smith", '"', "(", "2002", ")", "."]
    assert sst2.tokenize("A so-so film... really!") == ["a", "so-so", "film", "...", "really", "!"]
    assert sst2.tokenize("made in the u.s.") == ["made", "in", "the", "u.s."]
    assert sst2.tokenize("   ") == []


def test_vocab_is_train_only_with_pad_and_unk(glue):
    ds = load("sst2")
    vocab = ds.info["vocab"]
    assert vocab[:2] == ["<pad>", "<unk>"] and ds.info["vocab_size"] == len(vocab)
    assert "quirky" not in vocab and "unseen" not in vocab  # dev-only words
    assert vocab[2:4] == ["a", "and"]  # most frequent first, ties alphabetical
    assert ds.classes == ("negative", "positive") and ds.train.y.tolist() == [1, 0, 0, 1]


def test_ids_padding_and_lengths(glue):
    ds = load("sst2")
    vocab = ds.info["vocab"]
    assert ds.train.x.shape == (4, 9) and ds.train.x.dtype == np.int64  # default max_len: longest train sentence
    assert ds.train.lengths.tolist() == [9, 4, 7, 5]
    row = ds.train.x[1]
    assert [vocab[i] for i in row[:4]] == ["unflinchingly", "bleak", "and", "desperate"] and row[4:].tolist() == [0] * 5
    dev = [vocab[i] for i in ds.test.x[1][:ds.test.lengths[1]]]
    assert dev == ["bleak", "and", "<unk>", "<unk>", "<unk>"]
    assert ds.info["test_split"].startswith("GLUE dev")


def test_each_phrase_belongs_to_the_sentence_it_was_cut_from():
    phrases = [["a", "charming", "film"], ["bleak", "and", "desperate"], ["charming"], ["desperate"],
               ["charming", "film"], ["a", "bleak", "film"], ["film"]]
    g = sst2.sentence_groups(phrases).tolist()
    assert g[0] == g[2] == g[4] == g[6] and g[1] == g[3] and len({g[0], g[1], g[5]}) == 3
    assert g[6] != g[5]  # "film" is in two sentences: it belongs to one, the first (longest, then first listed)


def test_validation_holds_out_whole_sentences(glue):
    from mllab.data.subsets import train_val_split

    ds = load("sst2")
    assert sorted(ds.train.groups.tolist()) == [0, 1, 2, 3]  # no train phrase here lies inside another
    train, val = train_val_split(ds.train, 0.5, 0)
    assert len(val) == 2 and not set(val.groups) & set(train.groups)


def test_unseen_words_get_ids_after_the_train_vocabulary(glue):
    plain, spelled = load("sst2"), load("sst2", unseen_words=True)
    known = plain.info["vocab_size"]
    assert spelled.info["known_words"] == known == plain.info["known_words"]
    assert spelled.info["vocab"][:known] == plain.info["vocab"]
    assert spelled.info["vocab"][known:] == ['"', "here", "quirky", "unseen", "words"]  # dev-only, sorted
    assert np.array_equal(spelled.train.x, plain.train.x)  # training data unchanged
    dev = [spelled.info["vocab"][i] for i in spelled.test.x[1][:spelled.test.lengths[1]]]
    assert dev == ["bleak", "and", "unseen", "words", "here"]
    assert spelled.info["test_unk_rate"] == plain.info["test_unk_rate"]


def test_truncation_and_min_freq(glue):
    ds = load("sst2", max_len=3, min_freq=2)
    assert ds.train.x.shape == (4, 3) and ds.train.lengths.tolist() == [3, 3, 3, 3]
    assert set(ds.info["vocab"]) == {"<pad>", "<unk>", "a", "and", "charming", "film", "good"}
    assert ds.info["truncated"] == {"train": 4, "test": 2}
    with pytest.raises(ValueError, match="max_len must be None or >= 1"):
        load("sst2", max_len=0)


def test_second_load_is_cached(glue, monkeypatch):
    first = load("sst2")
    monkeypatch.setattr(sst2, "read_tsv", _forbidden)
    second = load("sst2")
    assert np.array_equal(first.train.x, second.train.x) and second.info["vocab"] == first.info["vocab"]


def test_bad_row_and_checksum(glue):
    (glue / "dev.tsv").write_text(DEV + "no label here\n")
    with pytest.raises(ChecksumError, match="dev.tsv sha256 mismatch"):
        load("sst2")
    with pytest.raises(ValueError, match=r"dev.tsv line 4 is 'no label here', expected a sentence, a TAB"):
        sst2.read_tsv((glue / "dev.tsv").read_bytes(), "dev.tsv")


def test_real_sst2():
    require_real("sst2")
    ds = load("sst2")
    assert (len(ds.train), len(ds.test)) == (67349, 872)
    assert np.bincount(ds.train.y).tolist() == [29780, 37569] and np.bincount(ds.test.y).tolist() == [428, 444]
    assert ds.train.x.shape[1] == 52 and ds.info["truncated"] == {"train": 0, "test": 0}
    assert ds.info["vocab_size"] == 14818 and ds.info["test_unk_rate"] < 0.1
    assert (ds.train.lengths >= 1).all() and (ds.train.x[np.arange(len(ds.train)), ds.train.lengths - 1] != 0).all()


def test_tokenizer_is_identity_on_glue_text():
    require_real("sst2")
    from mllab.data.files import find_file

    for name in ("train.tsv", "dev.tsv"):
        with find_file("sst2", sst2.FOLDERS, name).open(encoding="utf-8") as f:
            rows = list(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE))[1:]
        assert [r[0].split() for r in rows] == [sst2.tokenize(r[0]) for r in rows]


def _forbidden(*args, **kwargs):
    raise AssertionError("the cache should have served this load")
