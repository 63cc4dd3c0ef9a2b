"""The Makefile's set-up: which pip command each TORCH build runs, and what .venv/bin/activate sets.

``make -n`` prints the commands without running them; the CPU index is pointed at a local server
(answers) or a closed port (does not), so no test depends on this machine's network.
"""

import functools
import http.server
import os
import shlex
import socket
import subprocess
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA_DEFAULT = f"{ROOT.parent}/shared/data:/usr/share/datasets"
# A surrounding `make test TORCH=...` passes its flags and variables down through MAKEFLAGS: drop them.
ENV = {k: v for k, v in os.environ.items()
       if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "TORCH", "TORCH_CPU_INDEX", "MLLAB_DATA"}}


def make_dry_run(*args):
    """``make -n -B .venv/.installed ARGS``: (return code, printed commands, stderr)."""
    proc = subprocess.run(["make", "-n", "-B", "-C", str(ROOT), "--no-print-directory", ".venv/.installed", *args],
                          capture_output=True, text=True, env=ENV, timeout=60)
    return proc.returncode, proc.stdout, proc.stderr


def pip_command(stdout):
    """The pip install line of a dry run, as argv."""
    [line] = [line for line in stdout.splitlines() if " -m pip install " in line]
    return shlex.split(line)


@pytest.fixture(scope="module")
def answering_index(tmp_path_factory):
    """URL of a local HTTP server holding an (empty) ``torch/`` project page."""
    root = tmp_path_factory.mktemp("index")
    (root / "whl" / "cpu" / "torch").mkdir(parents=True)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_index():
    """URL on a local port nothing listens on: connections are refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/whl/cpu"


@pytest.mark.parametrize("torch_arg", [[], ["TORCH=cpu"]], ids=["default", "TORCH=cpu"])
def test_cpu_adds_the_cpu_index_when_it_answers(answering_index, torch_arg):
    rc, out, err = make_dry_run(*torch_arg, f"TORCH_CPU_INDEX={answering_index}")
    assert rc == 0, err
    argv = pip_command(out)
    assert argv[argv.index("--extra-index-url") + 1] == answering_index
    assert argv[argv.index("-c") + 1] == "constraints.txt" and ".[test]" in argv
    assert "torch CPU-only build" in out and "does not answer" not in out


def test_cpu_falls_back_to_pips_own_sources_and_says_so_when_the_index_is_silent(silent_index):
    rc, out, err = make_dry_run("TORCH=cpu", f"TORCH_CPU_INDEX={silent_index}")
    assert rc == 0, err
    assert not {"--extra-index-url", "--index-url"} & set(pip_command(out))
    assert f"note: the CPU index {silent_index} does not answer" in out


def test_the_default_cpu_index_is_pytorchs():
    rc, out, err = make_dry_run()
    assert rc == 0, err
    # on the pip line where the index answers, in the note where it does not (no internet)
    assert "https://download.pytorch.org/whl/cpu" in out


def test_cuda_uses_the_default_index_and_checks_nothing(silent_index):
    rc, out, err = make_dry_run("TORCH=cuda", f"TORCH_CPU_INDEX={silent_index}")
    assert rc == 0, err
    argv = pip_command(out)
    assert not {"--extra-index-url", "--index-url"} & set(argv)
    assert argv[argv.index("-c") + 1] == "constraints.txt" and ".[test]" in argv
    assert "CUDA" in out and "note:" not in out


def test_an_unknown_build_is_an_error_naming_the_allowed_ones():
    rc, out, err = make_dry_run("TORCH=gpu")
    assert rc != 0 and "pip install" not in out
    assert "TORCH=gpu is not a torch build" in err and "TORCH=cpu" in err and "TORCH=cuda" in err


def run_venv_rule(venv: Path):
    subprocess.run(["make", "-C", str(ROOT), "--no-print-directory", f"VENV={venv}", f"{venv}/bin/python"],
                   check=True, capture_output=True, text=True, env=ENV, timeout=120)


def sourced_mllab_data(venv: Path, **env) -> str:
    """MLLAB_DATA in a shell that sources the venv's activate script."""
    script = f". {shlex.quote(str(venv / 'bin' / 'activate'))} && printf %s \"$MLLAB_DATA\""
    proc = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True, env={**ENV, **env})
    return proc.stdout


def test_activate_sets_the_makefile_data_default_unless_already_set_and_only_once(tmp_path):
    venv = tmp_path / "venv"
    run_venv_rule(venv)
    assert sourced_mllab_data(venv) == DATA_DEFAULT
    assert sourced_mllab_data(venv, MLLAB_DATA="/mine") == "/mine"
    (venv / "bin" / "python").unlink()  # the rule runs again on the same venv
    run_venv_rule(venv)
    assert (venv / "bin" / "activate").read_text().count("export MLLAB_DATA=") == 1
    assert sourced_mllab_data(venv) == DATA_DEFAULT
