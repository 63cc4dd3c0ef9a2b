"""Every registered classical model through scikit-learn's shared estimator suite.

Instances are built from the registry with each entry's ``example_params``
(small, fast settings), so a newly registered model is checked at once.
"""

from sklearn.utils.estimator_checks import parametrize_with_checks

from mllab.models.registry import MODELS

NAMES = MODELS.names(kind="classical")

# {registry name: {check name: why it fails}}. Empty: every model passes every check that runs
# here (array-API and pandas checks are skipped by sklearn itself when those are not installed).
# xfail_strict below makes an entry that starts passing fail, so this list cannot go stale.
EXPECTED_FAILURES: dict[str, dict[str, str]] = {}


def _instance(name):
    entry = MODELS.entry(name)
    return entry.factory(**entry.meta.get("example_params", {}))


def _expected_failures(estimator) -> dict[str, str]:
    name = next(n for n in NAMES if isinstance(estimator, MODELS.get(n)))
    return EXPECTED_FAILURES.get(name, {})


@parametrize_with_checks([_instance(n) for n in NAMES], expected_failed_checks=_expected_failures,
                         xfail_strict=True)
def test_sklearn_estimator_contract(estimator, check):
    check(estimator)
