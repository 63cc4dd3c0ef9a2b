"""TensorBoard event files for one run, written with TensorBoard's own event writer (no TensorFlow, no torch).

Scalars are ``simple_value`` summaries (TensorBoard's Scalars dashboard), hyper-parameters a session of the
HParams dashboard, tags a text summary, figures their PNG bytes as they are (never decoded here).

>>> import tempfile
>>> with TensorBoardTracker(tempfile.mkdtemp()) as tb:  # doctest: +SKIP
...     tb.scalars(1, {"val_accuracy": 0.9})
"""

from __future__ import annotations

import logging
import struct
import time
from pathlib import Path
from typing import Any

from mllab.trackers.base import Tracker, missing_extra

log = logging.getLogger(__name__)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 2, 6: 4}  # IHDR colour type -> channels (3: a palette, shown as RGB)


def _library():
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.plugins.hparams import summary_v2 as hparams
        from tensorboard.plugins.text import summary_v2 as text
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        raise missing_extra("tensorboard", "tensorboard") from None
    return event_pb2, summary_pb2, hparams, text, EventFileWriter


def png_size(png: bytes) -> tuple[int, int, int] | None:
    """(height, width, channels) from a PNG's header; None when ``png`` is not a PNG."""
    if len(png) < 26 or not png.startswith(PNG_SIGNATURE) or png[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", png[16:24])
    return height, width, PNG_CHANNELS.get(png[25], 3)


class TensorBoardTracker(Tracker):
    """One run's event file in ``log_dir`` (a run of its own in ``tensorboard --logdir`` above it)."""

    kind = "tensorboard"

    def __init__(self, log_dir: str | Path):
        self._event, self._summary, self._hparams, self._text, writer = _library()
        self.log_dir = Path(log_dir)
        self._writer = writer(str(self.log_dir), flush_secs=10)

    def ref(self) -> dict[str, Any]:
        return {"log_dir": str(self.log_dir)}

    def _add(self, step: int, summary) -> None:
        self._writer.add_event(self._event.Event(wall_time=time.time(), step=step, summary=summary))

    def start(self, params: dict[str, Any], tags: dict[str, str]) -> None:
        self._add(0, self._hparams.hparams_pb(params, trial_id=tags.get("group")))
        table = "\n".join(["| tag | value |", "|---|---|"] + [f"| {k} | {v} |" for k, v in tags.items()])
        self._add(0, self._text.text_pb("tags", table))

    def scalars(self, step: int, values: dict[str, float]) -> None:
        value = self._summary.Summary.Value
        self._add(step, self._summary.Summary(value=[value(tag=k, simple_value=v) for k, v in values.items()]))
        self._writer.flush()  # an epoch's scalars are on disk before the next epoch starts

    def image(self, tag: str, png: bytes, step: int) -> None:
        size = png_size(png)
        if size is None:
            log.warning("%s: not a PNG image, left out of the event file", tag)
            return
        height, width, channels = size
        image = self._summary.Summary.Image(height=height, width=width, colorspace=channels,
                                            encoded_image_string=png)
        self._add(step, self._summary.Summary(value=[self._summary.Summary.Value(tag=tag, image=image)]))

    def close(self, status: str | None = None) -> None:
        self._writer.close()
