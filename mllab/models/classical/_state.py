"""A fitted estimator as plain data (arrays and JSON scalars), so that it is saved and loaded without pickle.

The protocol, mirroring scikit-learn's ``get_params`` / ``set_params``: an estimator (through
:class:`FittedState`) lists its fitted attributes in ``_fitted_attributes``;
``get_fitted_state()`` returns them by name and ``set_fitted_state(state)`` sets them on an unfitted
estimator built with the same hyper-parameters. Values are NumPy arrays of numbers, booleans or
strings, JSON scalars (and lists of them), or lists of arrays. An estimator that holds other objects
(KNN's neighbour index, GMM's mixtures) overrides both methods and rebuilds those objects from arrays.

:func:`encode` / :func:`decode` turn a state into ``.npz`` arrays plus a JSON-able description and
back; the files themselves are :mod:`mllab.runs.checkpoints`' business.

>>> import numpy as np
>>> from mllab.models.classical.linear import RidgeClassifier
>>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
>>> fitted = RidgeClassifier(alpha=0.5).fit(X, y)
>>> arrays, described = encode(fitted.get_fitted_state())
>>> again = RidgeClassifier(alpha=0.5).set_fitted_state(decode(arrays, described))
>>> bool((again.decision_function(X) == fitted.decision_function(X)).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

# dtype kinds an array in a saved state may have: bool, signed/unsigned int, float, unicode (never object)
ARRAY_KINDS = "biufU"
LIST_SEP = "/"  # "support_vectors_per_class_/3": item 3 of a list of arrays


class FittedState:
    """Mixin: ``get_fitted_state`` / ``set_fitted_state`` over the attributes in ``_fitted_attributes``."""

    _fitted_attributes: tuple[str, ...] = ()

    def get_fitted_state(self) -> dict[str, Any]:
        """The fitted attributes by name (arrays, JSON scalars, lists of arrays)."""
        check_is_fitted(self)
        return {name: getattr(self, name) for name in self._fitted_attributes}

    def set_fitted_state(self, state: dict[str, Any]):
        """Set the fitted attributes from ``state`` (as :meth:`get_fitted_state` gave them); returns ``self``."""
        require(self, state, self._fitted_attributes)
        for name in self._fitted_attributes:
            setattr(self, name, state[name])
        return self


def require(estimator, state: dict[str, Any], names) -> None:
    missing = [n for n in names if n not in state]
    if missing:
        raise ValueError(f"{type(estimator).__name__}: the saved state lacks {missing}")


def encode(state: dict[str, Any]) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """``(arrays, described)``: the arrays to save in an ``.npz``, and a JSON-able dict with the scalars and
    which names are arrays or lists of arrays."""
    arrays: dict[str, np.ndarray] = {}
    described: dict[str, Any] = {"scalars": {}, "arrays": [], "lists": {}}
    for name, value in state.items():
        if isinstance(value, np.ndarray):
            arrays[name] = _checked(name, value)
            described["arrays"].append(name)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
            for k, item in enumerate(value):
                arrays[f"{name}{LIST_SEP}{k}"] = _checked(name, item)
            described["lists"][name] = len(value)
        else:
            described["scalars"][name] = _plain(name, value)
    return arrays, described


def decode(arrays: dict[str, np.ndarray], described: dict[str, Any]) -> dict[str, Any]:
    """The state :func:`encode` described; a ValueError when an array it names is absent or unsafe."""
    state = dict(described["scalars"])
    for name in described["arrays"]:
        state[name] = _checked(name, _member(arrays, name))
    for name, length in described["lists"].items():
        state[name] = [_checked(name, _member(arrays, f"{name}{LIST_SEP}{k}")) for k in range(int(length))]
    return state


def _member(arrays: dict[str, np.ndarray], key: str) -> np.ndarray:
    if key not in arrays:
        raise ValueError(f"array {key!r} is missing")
    return arrays[key]


def _checked(name: str, array: np.ndarray) -> np.ndarray:
    if not isinstance(array, np.ndarray) or array.dtype.kind not in ARRAY_KINDS:
        raise ValueError(f"{name}: expected an array of numbers or strings, found {getattr(array, 'dtype', array)!r}")
    return array


def _plain(name: str, value: Any) -> Any:
    """``value`` as JSON data (NumPy scalars become Python ones); a TypeError for anything else."""
    if isinstance(value, np.generic) and value.dtype.kind in ARRAY_KINDS:
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(name, v) for v in value]
    raise TypeError(f"fitted attribute {name}: {type(value).__name__} is not an array or a JSON scalar; "
                    "override get_fitted_state/set_fitted_state to save it as arrays")


def check_described(described: dict[str, Any], fmt: str) -> None:
    """A ValueError unless ``described`` (a checkpoint's JSON) has the fields and types :func:`encode` and the
    checkpoint writer give it."""
    if described.get("format") != fmt:
        raise ValueError(f"format {described.get('format')!r}, expected {fmt!r}")
    expected = {"model": str, "params": dict, "scalars": dict, "arrays": list, "lists": dict}
    wrong = [k for k, kind in expected.items() if not isinstance(described.get(k), kind)]
    if wrong:
        raise ValueError(f"field(s) {wrong} missing or not {[expected[k].__name__ for k in wrong]}")
    if not all(isinstance(a, str) for a in described["arrays"]):
        raise ValueError("'arrays' must list names")
    if not all(isinstance(n, int) and 0 <= n <= 1 << 20 for n in described["lists"].values()):
        raise ValueError("'lists' must give a length per name")


def restored_ok(estimator) -> None:
    """Use a restored estimator once on one zero row, so that inconsistent arrays fail here, not later."""
    check_is_fitted(estimator)
    row = np.zeros((1, int(estimator.n_features_in_)))
    (estimator.predict if hasattr(estimator, "predict") else estimator.transform)(row)
