"""One sweep made through the command, shared by the page tests of this folder (the browser tests included)."""

import pytest

from tests.report.sweep_pages import make_sweep_pages


@pytest.fixture(scope="session")
def pages(tmp_path_factory):
    """The paths of the sweep's pages (run, group, sweep, index) and of its runs root."""
    return make_sweep_pages(tmp_path_factory)
