"""The gradient checker itself: passes correct backward passes, catches wrong ones and says where."""

import numpy as np

from mllab.scratch.gradcheck import gradcheck, gradcheck_module
from mllab.scratch.layers import Linear
from mllab.scratch.tensor import op


def square_with_wrong_backward(x):
    bias = np.where(np.arange(x.size) == 1, 1.001, 1.0)  # entry 1's gradient is 0.1% too large
    return op(x.data**2, (x,), lambda g: (g * 2.0 * x.data * bias,))


class LinearWithWrongWeightGrad(Linear):
    def forward(self, x):
        w = self.weight
        w_id = op(w.data, (w,), lambda g: (np.where(np.arange(w.size).reshape(w.shape) == 4, 0.0, g),))
        return x @ w_id.T + self.bias  # entry 4 of the weight gets no gradient


def test_correct_function_passes():
    report = gradcheck(lambda a, b: (a * b).sum() + (a @ b.T).exp().mean(), [np.ones((2, 3)), np.full((2, 3), 0.3)])
    assert report.ok and report.worst < 1e-7 and report.checked == 12
    assert "OK" in str(report)


def test_wrong_backward_fails_and_names_the_entry():
    report = gradcheck(square_with_wrong_backward, [np.arange(1.0, 4.0)], names=["x"])
    assert not report.ok
    assert 5e-4 < report.worst < 2e-3  # the injected 0.1% error, measured
    assert report.where == "x at index (1,)"
    assert "FAILED" in str(report) and "x at index (1,)" in str(report)


def test_module_check_covers_parameters_and_names_them():
    layer = LinearWithWrongWeightGrad(3, 2, rng=np.random.default_rng(0))
    report = gradcheck_module(layer, np.random.default_rng(1).normal(size=(4, 3)))
    assert not report.ok
    assert report.where == "weight at index (1, 1)"  # flat entry 4 of a (2, 3) weight
    assert gradcheck_module(Linear(3, 2), np.ones((4, 3))).ok
