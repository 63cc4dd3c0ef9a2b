"""TokenEmbedding: word vectors, unseen words as <unk>, fastText-style subwords, word dropout."""

import pytest
import torch

from mllab.models.nets._text import TokenEmbedding, char_ngrams, ngram_table

VOCAB = ["<pad>", "<unk>", "warm", "bad", "warmly"]  # "warmly": a test-only word (known_words = 4)


def test_without_subwords_it_is_a_word_embedding_with_unseen_ids_read_as_unk():
    emb = TokenEmbedding(5, 3, known_words=4)
    x = torch.tensor([[2, 4, 0]])
    out = emb(x)
    torch.testing.assert_close(out[0, 0], emb.words.weight[2])
    torch.testing.assert_close(out[0, 1], emb.words.weight[1])  # unseen -> <unk>
    assert torch.all(out[0, 2] == 0)


def test_subwords_add_the_mean_of_the_words_hashed_ngrams():
    emb = TokenEmbedding(5, 3, vocab=VOCAB, known_words=4, subword_buckets=97)
    out = emb(torch.tensor([[4, 2, 1, 0]]))
    for pos, word_id, own in ((0, 4, 1), (1, 2, 2)):
        grams = ngram_table(VOCAB, 97, 3, 5)[word_id]
        grams = grams[grams != 0]
        assert len(grams) == len(char_ngrams(VOCAB[word_id]))
        expected = emb.words.weight[own] + emb.subwords.weight[grams].mean(0)
        torch.testing.assert_close(out[0, pos], expected)
    torch.testing.assert_close(out[0, 2], emb.words.weight[1])  # <unk> itself has no spelling
    assert torch.all(out[0, 3] == 0)


def test_unseen_and_seen_words_share_ngrams():
    table = ngram_table(VOCAB, 10_000, 3, 5)
    shared = set(table[2].tolist()) & set(table[4].tolist()) - {0}
    assert len(shared) >= 4  # <wa, war, arm, <war, warm, <warm ...


def test_word_dropout_acts_in_training_only_and_keeps_the_spelling():
    emb = TokenEmbedding(5, 3, vocab=VOCAB, known_words=4, subword_buckets=97, word_dropout=0.5)
    x = torch.full((1, 400), 2)
    torch.manual_seed(0)
    train_out = emb.train()(x)
    spelled = emb.eval()(x)[0, 0] - emb.words.weight[2]
    as_unk = torch.isclose(train_out[0], emb.words.weight[1] + spelled).all(1)
    assert 0.4 < as_unk.float().mean() < 0.6
    torch.testing.assert_close(emb.eval()(x)[0, 0], emb.words.weight[2] + spelled)
    with pytest.raises(ValueError, match="word_dropout must lie in"):
        TokenEmbedding(5, 3, word_dropout=1.0)


def test_subwords_need_the_vocabulary():
    with pytest.raises(ValueError, match="subword_buckets needs the vocabulary's 5 words"):
        TokenEmbedding(5, 3, subword_buckets=10)


def test_pretrained_vectors_are_added_frozen_and_reach_unseen_words_too():
    vectors = torch.zeros(5, 3)
    vectors[2], vectors[4] = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([-1.0, 0.5, 0.0])  # "warm", "warmly"
    emb = TokenEmbedding(5, 3, vocab=VOCAB, known_words=4, vectors=vectors)
    assert torch.all(emb.words.weight[2] == 0) and emb.words.weight[3].abs().sum() > 0  # a vector: starts at it
    assert "pretrained" not in dict(emb.named_parameters()) and "pretrained" not in emb.state_dict()
    out = emb(torch.tensor([[2, 3, 4, 0]]))
    torch.testing.assert_close(out[0, 0], vectors[2])
    torch.testing.assert_close(out[0, 1], emb.words.weight[3])  # no vector: its own trained one
    torch.testing.assert_close(out[0, 2], emb.words.weight[1] + vectors[4])  # unseen: <unk> + its vector
    assert torch.all(out[0, 3] == 0)
    out.sum().backward()
    assert emb.words.weight.grad is not None and emb.pretrained.grad is None


def test_vectors_of_the_wrong_shape_are_refused():
    with pytest.raises(ValueError, match=r"expected one 3-dimensional row per word \(5, 3\); got \(5, 4\)"):
        TokenEmbedding(5, 3, vectors=torch.zeros(5, 4))


def test_text_models_look_their_vocabulary_up_in_the_named_vectors(tmp_path, monkeypatch):
    from mllab.models.registry import MODELS

    (tmp_path / "glove").mkdir()
    (tmp_path / "glove" / "glove.6B.100d.txt").write_text("warm " + " ".join(["0.25"] * 100) + "\n")
    monkeypatch.setenv("MLLAB_DATA", str(tmp_path))
    monkeypatch.setenv("MLLAB_CACHE", str(tmp_path / "cache"))
    for name in ("text_lstm", "text_cnn"):
        net = MODELS.get(name)((6,), 2, vocab_size=5, vocab=VOCAB, known_words=4, embed_dim=100,
                               vectors="glove6b_100d")
        table = net.embedding.pretrained
        assert torch.all(table[2] == 0.25) and not table[[0, 1, 3, 4]].any()
        with pytest.raises(ValueError, match=r"embed_dim must equal the 100 dimensions .* set model.params.embed_dim=100"):
            MODELS.get(name)((6,), 2, vocab_size=5, vocab=VOCAB, embed_dim=64, vectors="glove6b_100d")
