"""Logistic regression trained by minibatch SGD with momentum in torch (report 000, section II-A).

Three forms of the classifier, by ``form``:

- ``"ovr"``: one binary classifier per class, each trained on its own
  (``class k`` vs rest, loss ``log(1 + exp(-y s))``, ``y`` in {-1, +1}), one after
  another with their own minibatch order and optimizer ("10 binary" in Table I);
- ``"multi_binary"``: one model with a (d, C) weight matrix trained with the sum
  over classes of the binary logistic losses ("1 multiple" in Table I);
- ``"softmax"``: multinomial logistic regression (cross-entropy of the softmax).

The two binary forms minimize the same objective (the summed loss separates
per class), so they differ only in their minibatch streams; expect close
accuracies. For two classes both train a single binary classifier.

The report trained 10 epochs with SGD, lr 1e-3, momentum 0.9 (the defaults
here); the batch size was not given (64 here). Weights start at zero; minibatch
order comes from ``random_state``, so a fit is reproducible on one device.

>>> from sklearn.datasets import load_digits
>>> X, y = load_digits(return_X_y=True)
>>> clf = LogisticRegression(lr=0.05, epochs=5, random_state=0, device="cpu").fit(X / 16, y)
>>> clf.coef_.shape, clf.score(X / 16, y) > 0.9
((10, 64), True)
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_random_state, validate_data

from mllab.models.classical._base import LinearScoresMixin, check_choice, check_number, encode_classes
from mllab.models.classical._state import FittedState
from mllab.models.registry import MODELS

FORMS = ("ovr", "multi_binary", "softmax")


def resolve_device(device: str) -> torch.device:
    """``"auto"`` -> CUDA when available, else CPU; anything else as torch reads it."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        return torch.device(device)
    except RuntimeError as err:
        raise ValueError(f"LogisticRegression: device must be 'auto', 'cpu' or 'cuda[:i]'; got {device!r}") from err


@MODELS.register("logistic", kind="classical", task="classify",
                 example_params={"lr": 0.05, "epochs": 20, "batch_size": 16, "device": "cpu"})
class LogisticRegression(FittedState, LinearScoresMixin, ClassifierMixin, BaseEstimator):
    """Linear logistic classifier (``ovr``, ``multi_binary`` or ``softmax``) fit by torch SGD with momentum.

    Parameters: ``form``, ``lr``, ``momentum``, ``epochs``, ``batch_size``,
    ``weight_decay`` (L2, as torch SGD applies it), ``fit_intercept``, ``device``
    (``"auto"``: CUDA if available), ``random_state`` (minibatch order).
    Fitted: ``coef_`` (C, d) or (1, d) for one binary classifier, ``intercept_``,
    ``classes_``, ``loss_curve_`` (mean training loss per epoch; for ``ovr`` the
    sum over the classifiers).

    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> clf = LogisticRegression(form="ovr", lr=0.5, epochs=50, batch_size=2, random_state=0)
    >>> clf.fit(X, [0, 0, 1, 1]).predict([[0.0], [3.0]]).tolist()
    [0, 1]
    """

    _fitted_attributes = ("classes_", "coef_", "intercept_", "loss_curve_", "n_features_in_")

    def __init__(self, *, form: str = "softmax", lr: float = 1e-3, momentum: float = 0.9, epochs: int = 10,
                 batch_size: int = 64, weight_decay: float = 0.0, fit_intercept: bool = True,
                 device: str = "auto", random_state=None):
        self.form = form
        self.lr = lr
        self.momentum = momentum
        self.epochs = epochs
        self.batch_size = batch_size
        self.weight_decay = weight_decay
        self.fit_intercept = fit_intercept
        self.device = device
        self.random_state = random_state

    def fit(self, X, y):
        """Fit on features ``X`` (n, d) and labels ``y`` (n,); returns ``self``."""
        self._check_params()
        X, y = validate_data(self, X, y, dtype=np.float32)
        self.classes_, y_index = encode_classes(self, y)
        device = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(np.iinfo(np.int32).max))
        x = torch.from_numpy(X).to(device)  # (n, d)
        if self.form == "softmax":
            target = torch.from_numpy(y_index).to(device)
            W, b, curve = self._sgd(x, target, len(self.classes_), _softmax_loss, seed)
        else:
            W, b, curve = self._fit_binary_forms(x, y_index, device, seed)
        self.coef_ = W.T.astype(np.float64)  # (C, d)
        self.intercept_ = b.astype(np.float64)
        self.loss_curve_ = curve
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, C): softmax of the scores, or normalized sigmoids for the binary forms."""
        scores = self._scores(X)
        if scores.shape[1] == 1:  # one binary classifier
            p1 = expit(scores[:, 0])
            return np.column_stack([1.0 - p1, p1])
        if self.form == "softmax":
            return softmax(scores, axis=1)
        p = expit(scores)  # one-vs-rest: each class's own probability, normalized as sklearn's OvR does
        return p / p.sum(axis=1, keepdims=True)

    def _check_params(self) -> None:
        check_choice(self, "form", self.form, FORMS)
        check_number(self, "lr", self.lr, low=0, low_open=True)
        check_number(self, "momentum", self.momentum, low=0, high=1)
        check_number(self, "epochs", self.epochs, low=1, integer=True)
        check_number(self, "batch_size", self.batch_size, low=1, integer=True)
        check_number(self, "weight_decay", self.weight_decay, low=0)

    def _fit_binary_forms(self, x, y_index, device, seed):
        """``ovr``: one SGD run per class; ``multi_binary``: one run on all columns with the summed loss."""
        n_classes = len(self.classes_)
        columns = [1] if n_classes == 2 else range(n_classes)  # two classes: one classifier
        targets = torch.stack([torch.from_numpy(y_index == k) for k in columns], 1).float().to(device)
        if self.form == "multi_binary":
            return self._sgd(x, targets, targets.shape[1], _summed_binary_loss, seed)
        runs = [self._sgd(x, targets[:, k:k + 1], 1, _summed_binary_loss, seed + k) for k in range(targets.shape[1])]
        W = np.concatenate([w for w, _, _ in runs], axis=1)
        b = np.concatenate([b for _, b, _ in runs])
        return W, b, [float(v) for v in np.sum([c for _, _, c in runs], axis=0)]

    def _sgd(self, x, target, n_out, loss_fn, seed):
        """Minibatch SGD with momentum from zero weights; returns ``(W (d, n_out), b (n_out,), curve)``."""
        generator = torch.Generator().manual_seed(seed)
        W = torch.zeros(x.shape[1], n_out, device=x.device, requires_grad=True)
        b = torch.zeros(n_out, device=x.device, requires_grad=self.fit_intercept)
        params = [W, b] if self.fit_intercept else [W]
        opt = torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay)
        curve = []
        for _ in range(self.epochs):
            order = torch.randperm(len(x), generator=generator).to(x.device)
            total = torch.zeros((), device=x.device)
            for idx in order.split(self.batch_size):
                loss = loss_fn(x[idx] @ W + b, target[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                total += loss.detach() * len(idx)
            curve.append(float(total) / len(x))
        return W.detach().cpu().numpy(), b.detach().cpu().numpy(), curve


def _softmax_loss(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(scores, target)


def _summed_binary_loss(scores: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Sum over classes of the mean binary logistic loss ``log(1 + exp(-y s))``, ``y = 2 t - 1``."""
    per_element = F.binary_cross_entropy_with_logits(scores, target, reduction="none")  # (B, K)
    return per_element.mean(dim=0).sum()
