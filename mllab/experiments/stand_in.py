"""Stand-in datasets: a recipe written for data that is absent here runs on data that is present, and says so.

Report 000 worked on SVHN, which these machines lack; its recipes name
``data.stand_in: [fashion_mnist, mnist]``. When SVHN's files are absent the
run uses the first stand-in that is present, records the substitution in its
config (``data.stands_in_for``) and summary, and its tables mark the
published SVHN numbers as not comparable. When SVHN is present the stand-ins
are ignored.
"""

from __future__ import annotations

import logging

from mllab.data.files import MissingDataError
from mllab.data.verify import is_present

log = logging.getLogger(__name__)


def apply_stand_in(cfg):
    """``cfg`` itself when its dataset is present (or it names no stand-in), else ``cfg`` on the first present stand-in.

    >>> from mllab.runs.config import resolve_config
    >>> cfg = apply_stand_in(resolve_config({"data": {"name": "svhn", "stand_in": ["digits"]}}))  # no SVHN files
    >>> cfg.data.name, cfg.data.stands_in_for
    ('digits', 'svhn')
    """
    data = cfg.data
    if not data.stand_in or is_present(data.name):
        return cfg
    for name in data.stand_in:
        if is_present(name):
            log.warning("%s: files not found; running %s on its stand-in %s (published %s numbers are not "
                        "comparable; see 'mllab data list')", data.name, cfg.experiment, name, data.name)
            return cfg.model_copy(update={"data": data.model_copy(
                update={"name": name, "stand_in": [], "stands_in_for": data.name})})
    raise MissingDataError(
        f"{data.name}: files not found, nor those of its stand-ins {', '.join(data.stand_in)}. "
        f"Put the files of one of them on MLLAB_DATA (see 'mllab data list'), or run 'mllab data fetch {data.name}' "
        f"where a network is available.")
