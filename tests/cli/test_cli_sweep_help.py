"""`mllab sweep --help` names the executors the registry holds, read when the help is shown."""

import re

from typer.testing import CliRunner

from mllab.cli.main import app
from mllab.experiments.executor import EXECUTORS


def test_the_executor_help_lists_every_registered_executor_and_no_other():
    result = CliRunner().invoke(app, ["sweep", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # the help as one line, however it was wrapped
    listed = re.findall(r"(?:: |; )(\w+) \(", text.split("--executor", 1)[1].split("--workers", 1)[0])
    assert listed == EXECUTORS.names() and set(listed) == {"local", "ray"}
