"""What `mllab train` shows while it trains: a bar for the current epoch (on a terminal), one line per finished
epoch that stays (epoch, train and validation metrics, time) in every engine that trains by epochs; -q: nothing."""

import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import termios

from cli_run import ENV, MLLAB, mllab

FAST = ["training.epochs=2", "output.figures=false"]
LINE = re.compile(r"^epoch (\d)/2  train_loss (\d\.\d{4})  train_accuracy (\d\.\d{4})  val_loss (\d\.\d{4})  "
                  r"val_accuracy (\d\.\d{4})  \d+\.\d s$")


def epoch_lines(text: str) -> list[tuple[str, ...]]:
    """The epoch lines of ``text``, as they stay on screen (a bar drawn with \\r and cleared is not a line)."""
    shown = [part.split("\r")[-1] for part in text.replace("\x1b[A", "").splitlines()]
    return [m.groups() for m in map(LINE.match, shown) if m]


def recorded(out) -> list[tuple[str, ...]]:
    """The same fields from the run's metrics.jsonl, formatted as the line shows them."""
    rows = [json.loads(line) for line in next(out.glob("demo/*/seed0/metrics.jsonl")).read_text().splitlines()]
    keys = ("train_loss", "train_accuracy", "val_loss", "val_accuracy")
    return [(str(r["epoch"]), *(f"{r[k]:.4f}" for k in keys)) for r in rows]


def test_a_terminal_shows_the_epoch_bar_and_keeps_one_line_per_epoch(tmp_path):
    main, child = pty.openpty()  # stderr is a terminal of 100 columns (a new pty has 0: no room for a bar)
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    proc = subprocess.Popen(MLLAB + ["train", "demo", *FAST, "--out", str(tmp_path)], env=ENV,
                            stdout=subprocess.PIPE, stderr=child, text=True)
    os.close(child)
    err = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the command closed its end
            break
        if not chunk:
            break
        err += chunk
    proc.communicate(timeout=300)
    os.close(main)
    text = err.decode()
    assert proc.returncode == 0, text
    assert "epoch 1/2" in text and "img/s" in text  # the bar: images done, speed
    assert epoch_lines(text) == recorded(tmp_path)


def test_the_numpy_engine_prints_the_same_lines_and_no_bar_off_a_terminal(tmp_path):
    numpy_mlp = ["model.backend=numpy", "model.name=mlp", "model.params={hidden: [16]}", "optimizer.name=sgd",
                 "optimizer.lr=0.1", "schedule.name=constant", "training.augment={}"]
    proc = mllab("train", "demo", *numpy_mlp, *FAST, "--out", str(tmp_path))
    assert epoch_lines(proc.stderr) == recorded(tmp_path)
    assert "img/s" not in proc.stderr and "\r" not in proc.stderr


def test_quiet_shows_neither_bar_nor_epoch_lines(tmp_path):
    proc = mllab("train", "demo", *FAST, "--out", str(tmp_path), "-q")
    assert not re.search(r"^epoch ", proc.stderr + proc.stdout, re.M) and "img/s" not in proc.stderr
