"""Running the installed ``mllab`` command as a user does (a subprocess), for the CLI tests."""

import os
import subprocess
import sys

MLLAB = [sys.executable, "-m", "mllab.cli.main"]
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def mllab(*args, check=True, **kw):
    proc = subprocess.run(MLLAB + list(args), capture_output=True, text=True, **{"env": ENV, **kw})
    if check and proc.returncode != 0:
        raise AssertionError(f"mllab {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc
