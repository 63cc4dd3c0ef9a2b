"""What a trained model leaves in its run for the report: ``predictions.npz`` and ``generative.npz``.

- ``predictions.npz`` (classifiers): test labels, predictions, class names and a
  few misclassified inputs;
- ``generative.npz`` (autoencoders, VAEs): ``inputs`` / ``reconstructions``, the
  first test images and their reconstructions; VAEs also ``samples`` (64 decodes
  of z ~ N(0, I), report 001's grid) and ``interpolation`` (decodes of
  (1 - a) z0 + a z1 for a = 0.1 .. 0.9 between the codes of two test images,
  report 001's Fig. 7).

The report draws its figures from these files, never from the live model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mllab.core.files import atomic_path

ALPHAS = tuple(round(0.1 * k, 1) for k in range(1, 10))


def save_predictions(run_path: Path, test, classes, pred: np.ndarray, keep: int = 24) -> None:
    """Test labels and predictions of the split ``test`` and its first ``keep`` misclassified inputs."""
    y = test.y
    wrong = np.flatnonzero(pred != y)[:keep]
    with atomic_path(Path(run_path) / "predictions.npz", suffix=".npz") as tmp:
        np.savez(tmp, y_true=y, y_pred=pred, wrong_index=wrong, wrong_x=test.x[wrong], classes=np.array(classes))


def save_generative(model, x_test, path: Path, seed: int, n: int = 16) -> None:
    """Reconstructions of the first ``n`` test images (and a VAE's samples and interpolation) of a torch model."""
    import torch

    model.eval()
    with torch.no_grad():
        arrays = _generative_arrays(model, x_test, seed, n)
    with atomic_path(path, suffix=".npz") as tmp:
        np.savez(tmp, **{k: v.detach().cpu().numpy() for k, v in arrays.items()})


def _generative_arrays(model, x_test, seed: int, n: int) -> dict:
    import torch

    x = x_test[:n]
    out = model(x)
    arrays = {"inputs": x, "reconstructions": out if torch.is_tensor(out) else out[0]}
    if hasattr(model, "sample") and hasattr(model, "interpolate"):
        g = torch.Generator().manual_seed(seed)
        arrays["samples"] = model.sample(64, generator=g)
        mu, _ = model.encode(x_test[:2])
        arrays["interpolation"] = model.interpolate(mu[0], mu[1], ALPHAS)
        arrays["alphas"] = torch.tensor(ALPHAS)
    return arrays
