"""Work arrays reused across steps must never be handed out while a live graph still refers to them."""

import numpy as np

from mllab.scratch import functional as F
from mllab.scratch import workspace
from mllab.scratch.tensor import Tensor, no_grad


def conv_grads(x: np.ndarray, w: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt, wt = Tensor(x.copy(), requires_grad=True), Tensor(w.copy(), requires_grad=True)
    (F.conv2d(xt, wt, padding=1) * v).sum().backward()
    return xt.grad, wt.grad


def test_two_graphs_alive_at_once_keep_their_own_arrays():
    rng = np.random.default_rng(0)
    x1, x2 = rng.random((2, 3, 6, 6), dtype=np.float32), rng.random((2, 3, 6, 6), dtype=np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    v = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    expected = conv_grads(x1, w, v)
    # the first graph is still alive while a second forward and backward of the same shapes run
    xt, wt = Tensor(x1.copy(), requires_grad=True), Tensor(w.copy(), requires_grad=True)
    first = (F.conv2d(xt, wt, padding=1) * v).sum()
    for _ in range(workspace.KEEP + 1):  # more than the pool keeps: some arrays are fresh, none is shared
        conv_grads(x2, w, v)
    first.backward()
    np.testing.assert_array_equal(xt.grad, expected[0])
    np.testing.assert_array_equal(wt.grad, expected[1])


def test_a_free_array_is_reused_and_a_held_one_is_not():
    held = workspace.empty("test", (3, 5), np.float32)
    other = workspace.empty("test", (3, 5), np.float32)
    assert other is not held
    other_id = id(other)
    del other
    assert id(workspace.empty("test", (3, 5), np.float32)) == other_id
    with no_grad():  # evaluation pools nothing
        assert workspace.empty("test", (3, 5), np.float32) is not held
    workspace.clear()
