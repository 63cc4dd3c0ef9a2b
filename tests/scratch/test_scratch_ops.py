"""Every scratch op and layer against torch (float64): forward AND backward, plus a central-difference gradcheck.

One helper (``helper_test_op``, after tinygrad's) runs each case of ``CASES``:
random inputs -> the scratch function and the torch function -> equal outputs ->
a random upstream gradient -> equal input gradients (1e-6 relative).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import mutually_broadcastable_shapes

from mllab.scratch import functional as F
from mllab.scratch.gradcheck import gradcheck
from mllab.scratch.layers import BatchNorm1d, BatchNorm2d, Conv2d, Flatten, Linear
from mllab.scratch.tensor import Tensor

RTOL, ATOL = 1e-6, 1e-10


@dataclass
class Case:
    name: str
    scratch: Callable  # (*Tensor) -> Tensor
    torch: Callable  # (*torch.Tensor) -> torch.Tensor
    shapes: list[tuple[int, ...]]
    values: Callable = field(default=lambda rng, s: rng.uniform(-2, 2, s))  # input generator
    gradcheck: bool = True  # False where the function has ties/kinks at the sampled inputs


def helper_test_op(case: Case, seed: int = 0) -> None:
    """Forward and backward of ``case.scratch`` equal ``case.torch`` on the same random float64 inputs."""
    rng = np.random.default_rng(seed)
    xs = [case.values(rng, s) for s in case.shapes]
    ts = [Tensor(x.copy(), requires_grad=True) for x in xs]
    tt = [torch.tensor(x, requires_grad=True) for x in xs]
    out, ref = case.scratch(*ts), case.torch(*tt)
    assert out.shape == tuple(ref.shape), f"{case.name}: forward shape {out.shape} vs torch {tuple(ref.shape)}"
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, ref.detach().numpy(), RTOL, ATOL, err_msg=f"{case.name}: forward")
    v = rng.standard_normal(out.shape)
    (out * v).sum().backward()
    (ref * torch.tensor(v)).sum().backward()
    for i, (t, r) in enumerate(zip(ts, tt)):
        expected = np.zeros(t.shape) if r.grad is None else r.grad.numpy()
        got = np.zeros(t.shape) if t.grad is None else t.grad
        assert got.shape == t.shape, f"{case.name}: grad {i} shape {got.shape} vs input {t.shape}"
        np.testing.assert_allclose(got, expected, RTOL, ATOL, err_msg=f"{case.name}: gradient of input {i}")


def with_params(layer, **params):
    """A scratch layer whose parameters are the given tensors (so the helper can treat them as inputs)."""
    for k, v in params.items():
        setattr(layer, k, v)
    return layer


positive = lambda rng, s: rng.uniform(0.5, 2.0, s)  # noqa: E731
probabilities = lambda rng, s: rng.uniform(0.05, 0.95, s)  # noqa: E731
ties = lambda rng, s: rng.integers(0, 3, s).astype(np.float64)  # noqa: E731
LABELS = np.array([0, 3, 1, 3, 2])
TARGET = np.random.default_rng(7).uniform(0.0, 1.0, (5, 4))
BINARY = (TARGET > 0.5).astype(np.float64)

CASES = [
    # elementwise arithmetic with broadcasting, scalars included
    Case("add", lambda a, b: a + b, lambda a, b: a + b, [(3, 4), (4,)]),
    Case("add_scalar_shape", lambda a, b: a + b, lambda a, b: a + b, [(), (2, 3)]),
    Case("add_const", lambda a: 2.5 + a, lambda a: 2.5 + a, [(3,)]),
    Case("sub_bcast", lambda a, b: a - b, lambda a, b: a - b, [(2, 1, 3), (4, 1)]),
    Case("rsub", lambda a: 1.0 - a, lambda a: 1.0 - a, [(2, 3)]),
    Case("mul_bcast", lambda a, b: a * b, lambda a, b: a * b, [(2, 3, 1), (1, 3, 4)]),
    Case("div", lambda a, b: a / b, lambda a, b: a / b, [(3, 4), (3, 1)], positive),
    Case("rdiv", lambda a: 2.0 / a, lambda a: 2.0 / a, [(5,)], positive),
    Case("neg", lambda a: -a, lambda a: -a, [()]),
    Case("pow2", lambda a: a**2, lambda a: a**2, [(2, 3)]),
    Case("pow_half", lambda a: a**0.5, lambda a: a**0.5, [(2, 3)], positive),
    Case("pow_neg", lambda a: a**-1.5, lambda a: a**-1.5, [(4,)], positive),
    Case("matmul", lambda a, b: a @ b, lambda a, b: a @ b, [(3, 4), (4, 5)]),
    Case("matmul_vec_shapes", lambda a, b: a @ b, lambda a, b: a @ b, [(1, 4), (4, 1)]),
    Case("matmul_batched_bcast", lambda a, b: a @ b, lambda a, b: a @ b, [(2, 1, 3, 4), (5, 4, 2)]),
    # reductions and shape ops
    Case("sum_all", lambda a: a.sum(), lambda a: a.sum(), [(2, 3, 4)]),
    Case("sum_axis", lambda a: a.sum(1), lambda a: a.sum(1), [(2, 3, 4)]),
    Case("sum_keepdims", lambda a: a.sum((0, 2), keepdims=True), lambda a: a.sum((0, 2), keepdim=True), [(2, 3, 4)]),
    Case("mean_axes", lambda a: a.mean((0, 2)), lambda a: a.mean((0, 2)), [(2, 3, 4)]),
    Case("mean_scalar", lambda a: a.mean(), lambda a: a.mean(), [()]),
    Case("reshape", lambda a: a.reshape(4, -1), lambda a: a.reshape(4, -1), [(2, 3, 4)]),
    Case("transpose", lambda a: a.transpose(2, 0, 1), lambda a: a.permute(2, 0, 1), [(2, 3, 4)]),
    Case("T", lambda a: a.T, lambda a: a.T, [(2, 5)]),
    Case("getitem_slice", lambda a: a[1:, ::2], lambda a: a[1:, ::2], [(3, 5)]),
    Case("getitem_repeat", lambda a: a[[0, 2, 0]], lambda a: a[[0, 2, 0]], [(3, 2)]),
    Case("exp", lambda a: a.exp(), lambda a: a.exp(), [(3, 4)]),
    Case("log", lambda a: a.log(), lambda a: a.log(), [(3, 4)], positive),
    Case("abs", lambda a: a.abs(), lambda a: a.abs(), [(3, 4)]),
    # activations with their reports' parameters
    Case("sigmoid", lambda a: F.sigmoid(a), torch.sigmoid, [(3, 4)]),
    Case("sigmoid_slope", lambda a: F.sigmoid(a, 0.7), lambda a: torch.sigmoid(0.7 * a), [(3, 4)]),
    Case("sigmoid_saturated", lambda a: F.sigmoid(a, 3.0), lambda a: torch.sigmoid(3.0 * a), [(50,)],
         lambda rng, s: rng.uniform(-40, 40, s)),
    Case("tanh_slope", lambda a: F.tanh(a, 0.5), lambda a: torch.tanh(0.5 * a), [(3, 4)]),
    Case("relu", F.relu, torch.relu, [(3, 4)]),
    Case("leaky_relu", lambda a: F.leaky_relu(a, 0.01), lambda a: TF.leaky_relu(a, 0.01), [(3, 4)]),
    Case("leaky_relu_ties", lambda a: F.leaky_relu(a - 1, 0.1), lambda a: TF.leaky_relu(a - 1, 0.1), [(20,)], ties,
         gradcheck=False),  # exact zeros: the derivative at 0 must be torch's
    Case("elu", lambda a: F.elu(a, 0.5), lambda a: TF.elu(a, 0.5), [(3, 4)]),
    Case("softmax", lambda a: F.softmax(a), lambda a: torch.softmax(a, -1), [(3, 5)]),
    Case("softmax_axis0", lambda a: F.softmax(a, 0), lambda a: torch.softmax(a, 0), [(3, 5)]),
    Case("softmax_large", lambda a: F.softmax(a * 1e3), lambda a: torch.softmax(a * 1e3, -1), [(2, 4)],
         gradcheck=False),  # saturated: numeric slopes are ~0 noise
    Case("log_softmax", lambda a: F.log_softmax(a), lambda a: TF.log_softmax(a, -1), [(4, 6)]),
    Case("log_softmax_large", lambda a: F.log_softmax(a * 500), lambda a: TF.log_softmax(a * 500, -1), [(2, 3)],
         gradcheck=False),
    # losses
    Case("cross_entropy", lambda a: F.cross_entropy(a, LABELS), lambda a: TF.cross_entropy(a, torch.tensor(LABELS)),
         [(5, 4)]),
    Case("mse", lambda a: F.mse_loss(a, TARGET), lambda a: TF.mse_loss(a, torch.tensor(TARGET)), [(5, 4)]),
    Case("l1", lambda a: F.l1_loss(a, TARGET), lambda a: TF.l1_loss(a, torch.tensor(TARGET)), [(5, 4)]),
    Case("bce", lambda p: F.binary_cross_entropy(p, BINARY),
         lambda p: TF.binary_cross_entropy(p, torch.tensor(BINARY)), [(5, 4)], probabilities),
    Case("bce_soft_targets", lambda p: F.binary_cross_entropy(p, TARGET),
         lambda p: TF.binary_cross_entropy(p, torch.tensor(TARGET)), [(5, 4)], probabilities),
    Case("bce_logits", lambda z: F.binary_cross_entropy_with_logits(z, TARGET),
         lambda z: TF.binary_cross_entropy_with_logits(z, torch.tensor(TARGET)), [(5, 4)],
         lambda rng, s: rng.uniform(-30, 30, s)),
]

# convolutions: (x shape, w shape, stride, padding, bias)
CONVS = [
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0, True),
    ((2, 3, 7, 7), (4, 3, 3, 3), 2, 1, True),
    ((1, 2, 5, 6), (3, 2, 3, 3), 2, 2, False),  # batch 1, odd and non-square
    ((2, 3, 4, 5), (2, 3, 1, 1), 1, 0, True),  # 1x1 kernel
    ((3, 1, 6, 6), (2, 1, 6, 6), 1, 0, True),  # kernel = image (report 004 part 2)
    ((1, 1, 8, 8), (2, 1, 3, 3), 3, 0, True),  # stride 3: some pixels in no window
]
for xs, ws, s, p, bias in CONVS:
    tag = f"{xs}_{ws}_s{s}_p{p}_{'b' if bias else 'nob'}"
    shapes = [xs, ws] + ([(ws[0],)] if bias else [])
    torch_conv = lambda x, w, b=None, s=s, p=p: TF.conv2d(x, w, b, stride=s, padding=p)  # noqa: E731
    CASES.append(Case(f"conv2d_{tag}", lambda x, w, b=None, s=s, p=p: F.conv2d(x, w, b, s, p), torch_conv, shapes))
    CASES.append(Case(f"conv2d_toeplitz_{tag}", lambda x, w, b=None, s=s, p=p: F.conv2d_toeplitz(x, w, b, s, p),
                      torch_conv, shapes))
    CASES.append(Case(f"Conv2d_layer_{tag}",
                      lambda x, w, b=None, s=s, p=p, ws=ws: with_params(
                          Conv2d(ws[1], ws[0], ws[2], s, p, bias=b is not None), weight=w, bias=b)(x),
                      torch_conv, shapes))

# transposed convolutions: (x shape, w shape (Cin, Cout, k, k), stride, padding, output_padding, bias)
TRANSPOSED = [((2, 3, 4, 4), (3, 2, 3, 3), 1, 0, 0, True), ((1, 2, 3, 5), (2, 4, 3, 3), 2, 1, 1, True),
              ((2, 3, 4, 4), (3, 2, 1, 1), 1, 0, 0, False), ((2, 1, 3, 3), (1, 1, 4, 4), 2, 1, 0, True)]
for xs, ws, s, p, op, bias in TRANSPOSED:
    CASES.append(Case(
        f"conv_transpose2d_{xs}_{ws}_s{s}_p{p}_op{op}",
        lambda x, w, b=None, s=s, p=p, op=op: F.conv_transpose2d(x, w, b, s, p, op),
        lambda x, w, b=None, s=s, p=p, op=op: TF.conv_transpose2d(x, w, b, stride=s, padding=p, output_padding=op),
        [xs, ws] + ([(ws[1],)] if bias else [])))

# pooling: (x shape, kernel, stride, padding)
POOLS = [((2, 3, 6, 6), 2, 2, 0), ((1, 2, 7, 5), 3, 2, 1), ((2, 1, 5, 5), 3, 1, 0), ((1, 1, 4, 4), 1, 1, 0),
         ((1, 2, 8, 7), 2, 3, 0)]  # the last: stride > kernel, some pixels in no window
for xs, k, s, p in POOLS:
    CASES.append(Case(f"max_pool2d_{xs}_k{k}_s{s}_p{p}", lambda x, k=k, s=s, p=p: F.max_pool2d(x, k, s, p),
                      lambda x, k=k, s=s, p=p: TF.max_pool2d(x, k, s, p), [xs]))
    CASES.append(Case(f"avg_pool2d_{xs}_k{k}_s{s}_p{p}", lambda x, k=k, s=s, p=p: F.avg_pool2d(x, k, s, p),
                      lambda x, k=k, s=s, p=p: TF.avg_pool2d(x, k, s, p), [xs]))
CASES.append(Case("max_pool2d_ties", lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), [(2, 2, 6, 6)],
                  ties, gradcheck=False))  # equal maxima: the gradient goes to the first, as in torch

# layers, their parameters passed as inputs
CASES += [
    Case("Linear", lambda x, w, b: with_params(Linear(4, 3), weight=w, bias=b)(x), TF.linear, [(5, 4), (3, 4), (3,)]),
    Case("Linear_batch1_nobias", lambda x, w: with_params(Linear(4, 2, bias=False), weight=w)(x), TF.linear,
         [(1, 4), (2, 4)]),
    Case("linear_3d", lambda x, w, b: F.linear(x, w, b), TF.linear, [(2, 3, 4), (5, 4), (5,)]),
    Case("Flatten", lambda x: Flatten()(x), lambda x: x.flatten(1), [(2, 3, 2, 2)]),
    Case("BatchNorm1d_train", lambda x, w, b: with_params(BatchNorm1d(3), weight=w, bias=b)(x),
         lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True), [(6, 3), (3,), (3,)]),
    Case("BatchNorm2d_train", lambda x, w, b: with_params(BatchNorm2d(2), weight=w, bias=b)(x),
         lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True), [(3, 2, 3, 4), (2,), (2,)]),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_op_matches_torch(case):
    helper_test_op(case)


@pytest.mark.parametrize("case", [c for c in CASES if c.gradcheck], ids=lambda c: c.name)
def test_op_gradcheck(case):
    rng = np.random.default_rng(1)
    report = gradcheck(case.scratch, [case.values(rng, s) for s in case.shapes])
    assert report.ok, f"{case.name}: {report}"


def test_conv_transpose2d_refuses_output_padding_not_below_stride():
    x, w = Tensor(np.ones((1, 1, 3, 3))), Tensor(np.ones((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"output_padding must be in \[0, stride=1\); found 1"):
        F.conv_transpose2d(x, w, stride=1, output_padding=1)


def test_case_names_are_unique():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names))


# ---- property tests: broadcasting and shape rules on random shapes
ELEMENTWISE = {"add": (lambda a, b: a + b), "sub": (lambda a, b: a - b), "mul": (lambda a, b: a * b),
               "div": (lambda a, b: a / b)}


@settings(max_examples=25, deadline=None)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(ELEMENTWISE)), seed=st.integers(0, 2**16))
def test_broadcasting_matches_torch(shapes, op, seed):
    fn = ELEMENTWISE[op]
    helper_test_op(Case(op, fn, fn, list(shapes.input_shapes), positive), seed)


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=4), data=st.data())
def test_reductions_and_permutations_match_torch(shape, data):
    ndim = len(shape)
    axes = tuple(sorted(data.draw(st.sets(st.integers(0, ndim - 1), min_size=1))))
    perm = tuple(data.draw(st.permutations(range(ndim))))
    keep = data.draw(st.booleans())
    helper_test_op(Case("sum", lambda a: a.sum(axes, keepdims=keep), lambda a: a.sum(axes, keepdim=keep),
                        [tuple(shape)]))
    helper_test_op(Case("mean", lambda a: a.mean(axes, keepdims=keep), lambda a: a.mean(axes, keepdim=keep),
                        [tuple(shape)]))
    helper_test_op(Case("permute", lambda a: a.transpose(perm) * 2, lambda a: a.permute(perm) * 2, [tuple(shape)]))


@settings(max_examples=15, deadline=None)
@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(3, 8), w=st.integers(3, 8), k=st.integers(1, 3),
       stride=st.integers(1, 3), padding=st.integers(0, 1), seed=st.integers(0, 2**16))
def test_conv_shape_rule_matches_torch(n, c, h, w, k, stride, padding, seed):
    """Output size floor((H + 2p - k) / s) + 1 and gradients, on random geometry."""
    helper_test_op(Case("conv", lambda x, wt: F.conv2d(x, wt, None, stride, padding),
                        lambda x, wt: TF.conv2d(x, wt, None, stride=stride, padding=padding),
                        [(n, c, h, w), (2, c, k, k)]), seed)
