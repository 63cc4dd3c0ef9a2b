"""Recurrent families: parity with nn.LSTM / nn.LSTMCell, the data layout, padding and lengths."""

import numpy as np
import pytest
import torch
from torch import nn

from mllab.data.dataset import Dataset, Split
from mllab.data.transforms import apply_transforms
from mllab.models.nets._lstm import ActivationLSTM
from mllab.models.nets._text import TokenEmbedding
from mllab.models.nets.text_lstm import lengths_from_padding
from mllab.models.registry import MODELS


def build(name, shape, classes=10, **params):
    torch.manual_seed(0)
    return MODELS.get(name)(shape, classes, **params)


# --- ActivationLSTM: nn.LSTM with a replaceable tanh ---

@pytest.mark.parametrize("layers, bidirectional", [(1, False), (3, True)])
def test_activation_lstm_with_tanh_is_nn_lstm(layers, bidirectional):
    torch.manual_seed(0)
    ours = ActivationLSTM(5, 7, layers, bidirectional).double()
    ref = nn.LSTM(5, 7, layers, batch_first=True, bidirectional=bidirectional).double()
    ref.load_state_dict(ours.state_dict())  # same names and shapes: strict load
    x = torch.randn(3, 6, 5, dtype=torch.float64, requires_grad=True)
    out, (h, c) = ours(x)
    out_ref, (h_ref, c_ref) = ref(x)
    for a, b in [(out, out_ref), (h, h_ref), (c, c_ref)]:
        torch.testing.assert_close(a, b)
    grad, = torch.autograd.grad(out.sum() + c.sum(), x)
    grad_ref, = torch.autograd.grad(out_ref.sum() + c_ref.sum(), x)
    torch.testing.assert_close(grad, grad_ref)


def test_activation_lstm_relu_is_the_same_recurrence_with_relu():
    torch.manual_seed(0)
    lstm = ActivationLSTM(3, 4, activation="relu")
    x = torch.randn(2, 5, 3)
    h = c = torch.zeros(2, 4)
    for t in range(5):  # the recurrence written out, with relu where nn.LSTM has tanh
        gates = x[:, t] @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h @ lstm.weight_hh_l0.T + lstm.bias_hh_l0
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.relu(g)
        h = torch.sigmoid(o) * torch.relu(c)
    out, (h_n, _) = lstm(x)
    torch.testing.assert_close(out[:, -1], h)
    torch.testing.assert_close(h_n[0], h)


# --- rnn over image rows (report 000 Table VII) ---

def test_rnn_reads_images_in_the_rows_as_sequence_layout():
    images = np.random.default_rng(0).random((2, 3, 6, 5), dtype=np.float32)
    ds = Dataset("toy", Split(images, np.zeros(2, int)), Split(images, np.zeros(2, int)), ("a", "b"))
    rows = apply_transforms(ds, ["rows_as_sequence"]).train.x  # (N, H, W*C)
    on_images = build("rnn", (3, 6, 5), cell="lstm").eval()
    on_rows = build("rnn", rows.shape[1:], cell="lstm").eval()
    on_rows.load_state_dict(on_images.state_dict())
    torch.testing.assert_close(on_images(torch.from_numpy(images)), on_rows(torch.from_numpy(rows)))


@pytest.mark.parametrize("cell, nonlinearity, module", [("rnn", "relu", nn.RNN), ("lstm", "tanh", nn.LSTM),
                                                        ("lstm", "relu", ActivationLSTM), ("gru", "tanh", nn.GRU)])
def test_rnn_cells_and_nonlinearity(cell, nonlinearity, module):
    net = build("rnn", (8, 12), cell=cell, nonlinearity=nonlinearity, layers=2, bidirectional=True, dropout=0.1)
    assert type(net.recurrent) is module and net.classifier.in_features == 2 * 128
    if cell == "rnn":
        assert net.recurrent.nonlinearity == nonlinearity
    assert net(torch.randn(2, 8, 12)).shape == (2, 10)


def test_rnn_rejects_a_relu_gru_and_unknown_cells():
    with pytest.raises(ValueError, match="a GRU only has tanh"):
        build("rnn", (8, 12), cell="gru", nonlinearity="relu")
    with pytest.raises(ValueError, match="cell must be 'rnn', 'lstm' or 'gru'"):
        build("rnn", (8, 12), cell="transformer")


def test_rnn_bidirectional_classifier_reads_both_directions_final_states():
    net = build("rnn", (8, 12), cell="lstm", layers=2, bidirectional=True).eval()
    x = torch.randn(2, 8, 12)
    out, _ = net.recurrent(x)  # (B, T, 2H): forward ends at T-1, backward at 0
    features = torch.cat([out[:, -1, :128], out[:, 0, 128:]], dim=1)
    torch.testing.assert_close(net(x), net.classifier(features))


def test_lstm_residual_feeds_the_whole_image_at_every_step():
    net = build("lstm_residual", (3, 4, 5)).eval()
    assert net.steps == 4 and net.recurrent.input_size == 60
    cell = nn.LSTMCell(60, 128)
    cell.load_state_dict({k[:-3]: v for k, v in net.recurrent.state_dict().items()})  # weight_ih_l0 -> weight_ih
    x = torch.rand(2, 3, 4, 5)
    flat = x.permute(0, 2, 3, 1).reshape(2, -1)  # the image, rows then (W, C), as one vector
    h = c = torch.zeros(2, 128)
    for _ in range(4):
        h, c = cell(flat, (h, c))
    torch.testing.assert_close(net(x), net.classifier(h))
    with pytest.raises(ValueError, match="steps is only used with feed='image'"):
        build("rnn", (4, 5), steps=3)


# --- text_lstm (report 001, SST-2) ---

def text_net(**params):
    defaults = dict(vocab_size=30, embed_dim=8, hidden=6, layers=2, head_hidden=5)
    return build("text_lstm", (7,), 2, **{**defaults, **params}).eval()


def test_lengths_come_from_the_last_nonzero_id():
    x = torch.tensor([[4, 2, 0, 0], [1, 1, 1, 1], [0, 0, 0, 0], [3, 0, 5, 0]])
    assert lengths_from_padding(x).tolist() == [2, 4, 1, 3]


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
def test_padding_never_changes_a_sentences_output(bidirectional, pooling):
    net = text_net(bidirectional=bidirectional, pooling=pooling)
    sentences = [[5, 9, 2], [7, 1, 1, 3, 8, 2, 4], [6]]
    padded = torch.tensor([s + [0] * (7 - len(s)) for s in sentences])
    batch = net(padded)
    for i, s in enumerate(sentences):
        torch.testing.assert_close(batch[i], net(torch.tensor([s]))[0])
    torch.testing.assert_close(net(padded, lengths=torch.tensor([3, 7, 1])), batch)


@pytest.mark.parametrize("bidirectional", [False, True])
def test_text_lstm_stack_is_a_multilayer_nn_lstm_without_layernorm(bidirectional):
    # "last" pooling = the final hidden state of each direction of the last layer (nn.LSTM's h_n).
    net = text_net(layers=3, layer_norm=False, dropout=0.0, bidirectional=bidirectional)
    ref = nn.LSTM(8, 6, num_layers=3, batch_first=True, bidirectional=bidirectional)
    ref.load_state_dict({k.replace("_l0", f"_l{i}"): v for i, lstm in enumerate(net.lstms)
                         for k, v in lstm.state_dict().items()})
    x = torch.randint(1, 30, (4, 7))
    _, (h_n, _) = ref(net.embedding(x))
    directions = 2 if bidirectional else 1
    torch.testing.assert_close(net.encode(x), torch.cat(list(h_n[-directions:]), dim=1))


def test_text_lstm_layernorm_normalizes_each_layer_and_pad_embeds_to_zero():
    net = text_net(layers=3)
    assert [type(m) for m in net.norms] == [nn.LayerNorm] * 3
    assert torch.count_nonzero(net.embedding.weight[0]) == 0
    with pytest.raises(ValueError, match="vocab_size must be given"):
        build("text_lstm", (7,), 2)


def test_text_lstm_with_subwords_embeds_words_as_the_token_embedding_does():
    vocab = ["<pad>", "<unk>"] + [f"w{i}" for i in range(2, 30)]
    net = text_net(subword_buckets=50, vocab=vocab, known_words=25, bidirectional=True, pooling="max")
    x = torch.tensor([[5, 27, 3, 0, 0, 0, 0]])  # 27: a word unseen in training, read by its spelling
    reference = TokenEmbedding(30, 8, vocab, 25, 50)
    reference.load_state_dict(net.embedding.state_dict())
    torch.testing.assert_close(net.embedding(x), reference(x))
    torch.testing.assert_close(net(x), net(torch.tensor([[5, 27, 3]])))  # padding still changes nothing
    assert "embedding.weight" in text_net().state_dict()  # the report's plain embedding keeps its keys


# --- text_cnn (Kim 2014, CNN-rand) ---

def test_text_cnn_padding_never_changes_a_sentences_output():
    net = build("text_cnn", (9,), 2, vocab_size=30, embed_dim=6, filters=4, kernel_sizes=[2, 3, 5]).eval()
    sentences = [[5, 9, 2], [7, 1, 1, 3, 8, 2, 4, 4, 9], [6]]
    padded = torch.tensor([s + [0] * (9 - len(s)) for s in sentences])
    batch = net(padded)
    for i, s in enumerate(sentences):
        torch.testing.assert_close(batch[i], net(torch.tensor([s]))[0])


def test_text_cnn_features_are_max_over_every_window_touching_the_sentence():
    net = build("text_cnn", (6,), 2, vocab_size=20, embed_dim=5, filters=3, kernel_sizes=[3]).eval()
    ids = torch.tensor([4, 7, 1, 9])
    e = net.embedding(ids)  # (4, 5)
    w, b = net.convs[0].weight, net.convs[0].bias  # (3, 5, 3), (3,)
    padded = torch.cat([torch.zeros(2, 5), e, torch.zeros(2, 5)])  # zero context on both sides, k - 1 = 2
    windows = [torch.relu((w * padded[j:j + 3].T[None]).sum((1, 2)) + b) for j in range(len(ids) + 2)]
    expected = torch.stack(windows).amax(0)
    torch.testing.assert_close(net.encode(torch.cat([ids, torch.zeros(2, dtype=torch.long)])[None])[0], expected)
