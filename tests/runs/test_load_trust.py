"""A run folder is data, never code: tampered or damaged checkpoints and model.json files, through ``mllab eval``
(issue 27: a tampered run folder runs no code, a damaged file gets one line that names it)."""

import json
import pickle

import numpy as np
import pytest
from typer.testing import CliRunner

from mllab.cli.main import app
from mllab.runs.checkpoints import load_estimator
from run_folders import as_older_mllab, cnn_run, exploit_bytes, ridge_run, scratch_run


def mllab_eval(*args):
    """``mllab eval ARGS`` in process; (exit code, output), the output one line or a failure."""
    result = CliRunner().invoke(app, ["eval", *map(str, args)])
    assert "Traceback" not in result.output and not isinstance(result.exception, Exception) or \
        isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output.strip()


@pytest.fixture(scope="module")
def ridge(tmp_path_factory):
    return ridge_run(tmp_path_factory.mktemp("ridge"))


@pytest.fixture(scope="module")
def cnn(tmp_path_factory):
    return cnn_run(tmp_path_factory.mktemp("cnn"))


@pytest.fixture
def copy_of(tmp_path):
    import shutil

    return lambda run: shutil.copytree(run, tmp_path / "copy" / "seed0")


def test_eval_of_a_classical_run_whose_checkpoint_files_hold_a_command_runs_nothing(ridge, copy_of, tmp_path):
    """As trust-inputs does it: every checkpoint file replaced by a pickle that runs `touch MARKER`."""
    run, marker = copy_of(ridge), tmp_path / "MARKER"
    for path in (run / "checkpoints").iterdir():
        path.write_bytes(exploit_bytes(marker))
    code, out = mllab_eval(run)
    assert code == 2 and not marker.exists()
    assert out.startswith(f"error: {run / 'checkpoints' / 'last.json'}: not readable JSON") and "\n" not in out, out


def test_a_pickle_planted_beside_a_classical_run_is_not_opened(ridge, copy_of, tmp_path):
    run, marker = copy_of(ridge), tmp_path / "MARKER"
    for path in (run / "checkpoints").iterdir():
        path.unlink()
    (run / "checkpoints" / "last.pkl").write_bytes(exploit_bytes(marker))
    code, out = mllab_eval(run)
    assert code == 2 and not marker.exists()
    assert "no checkpoint 'last' in the format its model.json names (npz+json: last.npz)" in out
    assert "holds last.pkl" in out


def test_a_torch_run_whose_pt_files_were_replaced_by_pickles_is_not_loaded_as_pickle(cnn, copy_of, tmp_path):
    run, marker = copy_of(cnn), tmp_path / "MARKER"
    for name in ("best", "last"):
        (run / "checkpoints" / f"{name}.pt").unlink()
        (run / "checkpoints" / f"{name}.pkl").write_bytes(exploit_bytes(marker))
    code, out = mllab_eval(run)
    assert code == 2 and not marker.exists()
    assert "(pt: last.pt)" in out and "holds best.pkl, last.pkl" in out, out


def _truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


@pytest.mark.parametrize("damage, says", [
    (lambda pt: b"\x00garbage" * 100, "not a torch checkpoint mllab reads"),
    (_truncated, "not a torch checkpoint mllab reads"),
    ("exploit", "not a torch checkpoint mllab reads"),
    ("wrong keys", "a torch checkpoint without the 'model' entry"),
    ("other model", "its weights do not fit the model model.json describes"),
])
def test_a_damaged_torch_checkpoint_is_one_line_naming_it(cnn, copy_of, tmp_path, damage, says):
    import torch

    run, marker = copy_of(cnn), tmp_path / "MARKER"
    pt = run / "checkpoints" / "best.pt"
    if damage == "exploit":
        pt.write_bytes(exploit_bytes(marker))
    elif damage == "wrong keys":
        torch.save({"weights": torch.zeros(3)}, pt)
    elif damage == "other model":
        torch.save({"model": torch.nn.Linear(64, 10).state_dict()}, pt)
    else:
        pt.write_bytes(damage(pt.read_bytes()))
    code, out = mllab_eval(run)
    assert code == 2 and not marker.exists()
    assert out.startswith(f"error: {pt}: {says}") and "\n" not in out, out
    assert "weights_only" not in out


@pytest.mark.parametrize("damage, says", [
    (lambda npz: npz.write_bytes(b"PK\x03\x04" + b"\x00" * 50), "BadZipFile"),
    (lambda npz: npz.write_bytes(npz.read_bytes()[:-100]), "BadZipFile"),
    (lambda npz: np.savez(npz, **{"model/0": np.array([{}], dtype=object)}), "Object arrays cannot be loaded"),
    (lambda npz: np.savez(npz, epoch=np.array(1)), "KeyError"),
])
def test_a_damaged_numpy_engine_checkpoint_is_one_line_naming_it(tmp_path_factory, copy_of, damage, says):
    run = copy_of(scratch_run(tmp_path_factory.mktemp("scratch")))
    npz = run / "checkpoints" / "last.npz"
    damage(npz)
    code, out = mllab_eval(run)
    assert code == 2 and out.startswith(f"error: {npz}: not a numpy-engine checkpoint mllab reads") and says in out, out
    assert "\n" not in out


@pytest.mark.parametrize("text, says", [("{\"engine\": ", "Expecting value"),
                                        ('{"engine": "torch"}', "missing key 'name'"),
                                        ('{"engine": "classical", "name": "ridge", "input_shape": null, '
                                         '"num_classes": null, "params": {}, "checkpoint_format": "pt"}',
                                         "checkpoint_format 'pt'")])
def test_a_corrupt_model_json_is_one_line_naming_it(ridge, copy_of, text, says):
    run = copy_of(ridge)
    (run / "model.json").write_text(text)
    code, out = mllab_eval(run)
    assert code == 2 and f"{run / 'model.json'}" in out and says in out and "\n" not in out, out


def test_a_checkpoint_name_is_checked_against_those_the_run_has(cnn):
    code, out = mllab_eval(cnn, "--checkpoint", "bestt")
    assert code == 2 and "no checkpoint 'bestt'; it has best, last" in out, out


def test_a_pickled_classical_run_of_an_older_mllab_is_refused_unless_trusted(ridge, copy_of):
    """Refused by default in one line that says how to get a safe checkpoint; --trust-pickle opens it (here the
    owner's own, harmless, estimator) and scores the recorded test accuracy."""
    run = copy_of(ridge)
    as_older_mllab(run, load_estimator(run / "checkpoints" / "last.npz"))
    code, out = mllab_eval(run)
    assert code == 2 and f"{run / 'checkpoints' / 'last.pkl'}: a pickled estimator" in out, out
    assert "--trust-pickle" in out and "Retrain the run" in out
    code, out = mllab_eval(run, "--trust-pickle")
    recorded = json.loads((run / "summary.json").read_text())["final"]["test_accuracy"]
    assert code == 0 and out == f"test accuracy: {recorded:.4f}", out


def test_a_trusted_pickle_that_is_no_estimator_is_refused(ridge, copy_of):
    run = copy_of(ridge)
    as_older_mllab(run, ["not", "an", "estimator"])
    code, out = mllab_eval(run, "--trust-pickle")
    assert code == 2 and "holds a list, not a fitted estimator" in out, out


def test_eval_of_an_intact_classical_run_reproduces_its_accuracy(ridge):
    code, out = mllab_eval(ridge)
    recorded = json.loads((ridge / "summary.json").read_text())["final"]["test_accuracy"]
    assert code == 0 and out == f"test accuracy: {recorded:.4f}", out


def test_the_pickle_helper_really_runs_its_command(tmp_path):
    """The exploit these tests plant does run code when unpickled (so their 'no marker' can fail)."""
    marker = tmp_path / "MARKER"
    pickle.loads(exploit_bytes(marker))
    assert marker.exists()
