"""The character classifier ``mllab ocr`` reads with: a run of the ``ocr_handwritten36`` recipe.

Which run: ``--model RUN`` when given, else the classifier shipped inside the package (``mllab/ocr/model/``: a
run folder of that recipe, with the command that trained it in ``PROVENANCE.md``), whose checkpoint's SHA-256
is checked against :data:`BUNDLED_SHA256` before it is loaded, so a fresh install reads pages with no training
of its own. Nothing is picked up from the working directory: whoever made the folder one stands in (a copied
``runs/`` tree) does not decide what reads one's pages; a run of one's own is named with ``--model``.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import numpy as np

from mllab.core.errors import MllabError

log = logging.getLogger(__name__)

EXPERIMENT = "ocr_handwritten36"
BUNDLED = Path(__file__).parent / "model"
BUNDLED_CHECKPOINT = "checkpoints/best.pt"
# sha256 of model/checkpoints/best.pt (PROVENANCE.md); bench/ship_ocr_model.sh rewrites it
BUNDLED_SHA256 = "d4ab5e44b4e73ce3dd4c6a9d4394254862b35c690ab45e04cd603481d837a7e8"


def bundled_run() -> Path:
    """The shipped run folder, its checkpoint verified against :data:`BUNDLED_SHA256`."""
    checkpoint = BUNDLED / BUNDLED_CHECKPOINT
    if not checkpoint.is_file():
        raise MllabError(f"ocr: no classifier shipped in {BUNDLED} and no run given; train one with "
                         f"'mllab train {EXPERIMENT}' and pass --model RUN")
    found = hashlib.sha256(checkpoint.read_bytes()).hexdigest()
    if found != BUNDLED_SHA256:
        raise MllabError(f"ocr: the shipped classifier {checkpoint} has sha256 {found[:12]}..., expected "
                         f"{BUNDLED_SHA256[:12]}...; reinstall mllab or train one with 'mllab train {EXPERIMENT}' "
                         "and pass --model RUN")
    return BUNDLED


def choose_run(model: str | Path | None = None) -> Path:
    """``model`` (a run folder) if given, else the shipped, checksum-verified one (:func:`bundled_run`)."""
    return Path(model) if model is not None else bundled_run()


class Classifier:
    """Class probabilities (N, 36) for normalized glyphs (N, 1, 28, 28) uint8, from a trained run."""

    def __init__(self, run_path: str | Path):
        from mllab.runs.load import load_run

        self.run = load_run(run_path)
        if self.run.spec.num_classes != 36:
            raise MllabError(f"ocr: run {run_path} classifies {self.run.spec.num_classes} classes, expected the 36 "
                             f"of A-Z, 0-9; give a run of the {EXPERIMENT} recipe")
        self.model = self.run.model()

    def probabilities(self, glyphs: np.ndarray) -> np.ndarray:
        import torch

        if not len(glyphs):
            return np.zeros((0, 36), np.float32)
        x = torch.from_numpy(np.ascontiguousarray(self.run.transform(glyphs)))
        with torch.no_grad():
            out = self.model(x)
        return out.log_softmax(1).exp().numpy()  # log-softmax of log-probabilities is themselves
