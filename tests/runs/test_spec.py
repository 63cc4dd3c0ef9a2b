"""model.json: written and read back; a damaged one is one line naming the file, through the public API."""

import json

import pytest

from mllab.core.errors import ConfigError
from mllab.runs.spec import SPEC_FILE, ModelSpec


def test_a_spec_round_trips(tmp_path):
    spec = ModelSpec("torch", "lenet5", (1, 28, 28), 10, {"dropout": 0.1})
    spec.write(tmp_path)
    assert ModelSpec.read(tmp_path) == spec
    assert ModelSpec.read(tmp_path / "absent") is None


@pytest.mark.parametrize("text, expected", [
    ('{"engine": "torch", "name": "lenet5"', "Expecting ',' delimiter"),
    ("[1, 2]", "expected a JSON object, found list"),
    ('{"engine": "torch"}', "missing key 'name'"),
    ('{"engine": "pickle", "name": "x", "input_shape": null, "num_classes": null, "params": {}}',
     "engine 'pickle'"),
    ('{"engine": "torch", "name": "x", "input_shape": [1, -5], "num_classes": 10, "params": {}}',
     "input_shape [1, -5] is not a list of positive integers"),
    ('{"engine": "torch", "name": "x", "input_shape": null, "num_classes": 1e400, "params": {}}',
     "num_classes inf is not a positive integer"),
    ("[" * 100000 + "]" * 100000, "not a model spec mllab wrote"),
    ("\xff", "not a model spec mllab wrote"),
])
def test_a_damaged_spec_is_one_line_naming_the_file(tmp_path, text, expected):
    (tmp_path / SPEC_FILE).write_bytes(text.encode("latin-1") if text == "\xff" else text.encode())
    with pytest.raises(ConfigError) as err:
        ModelSpec.read(tmp_path)
    message = str(err.value)
    assert message.startswith(str(tmp_path / SPEC_FILE)) and expected in message and "\n" not in message


def test_a_spec_written_by_mllab_passes_the_checks(tmp_path):
    for spec in (ModelSpec("classical", "ridge", None, None, {"alpha": 1.0}),
                 ModelSpec("numpy", "mlp", (64,), 10, {"seed": 0})):
        (tmp_path / SPEC_FILE).write_text(json.dumps(spec.__dict__))
        assert ModelSpec.read(tmp_path) == spec
