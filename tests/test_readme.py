"""The README's Python API example runs as printed, in a fresh interpreter and an empty folder; its layout table
names every package."""

import os
import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parent.parent / "README.md"


def python_api_block() -> str:
    section = README.read_text().split("## Python API", 1)[1]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


def test_the_python_api_example_trains_reloads_and_predicts(tmp_path):
    code = python_api_block() + "print('ok', run.summary['final']['test_accuracy'], mllab.__version__)\n"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok ") and list(tmp_path.glob("runs/demo/*/seed0/model.json"))


def test_mllab_version_answers():
    import mllab

    proc = subprocess.run([sys.executable, "-m", "mllab.cli.main", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and proc.stdout.strip() == f"mllab {mllab.__version__}"


def test_the_layout_table_has_one_row_per_package_and_no_other():
    readme = README.read_text()
    rows = set(re.findall(r"^\| `mllab/(\w+)` \|", readme, flags=re.M))
    packages = {p.parent.name for p in (README.parent / "mllab").glob("*/__init__.py")}
    assert rows == packages, f"README rows without a package: {rows - packages}; packages without a row: " \
                             f"{packages - rows}"
