"""``load_run(path)``: a finished run back from its folder, with its trained model, for any engine.

The loaded run answers as a scikit-learn classifier does: ``predict``, ``predict_proba``, ``score``, on raw
inputs as the run's dataset gives them (a batch, or one example without its batch axis), checked against
the shape and dtype the run's ``model.json`` records. A run folder is data, never code: its checkpoints are
opened only in the format ``model.json`` names, and never unpickled unless ``trust_pickle=True``
(:mod:`mllab.runs.checkpoints`).

>>> import mllab
>>> group = mllab.train("demo", overrides=["training.epochs=2", "data.train_subset=300"], seeds=1, out="runs")
>>> run = load_run(group.runs[0].path)  # runs/demo/<group>/seed0
>>> run.config.training.epochs, len(run.metrics), run.summary["status"]
(2, 2, 'completed')
>>> from mllab.data import load
>>> test = load("digits").test
>>> run.predict(test.x[:3]).shape, run.predict(test.x[0]).shape  # a batch; one image (1, 8, 8)
((3,), (1,))
>>> run.predict_proba(test.x[:2]).shape, run.score(test.x, test.y) == run.summary["final"]["test_accuracy"]
((2, 10), True)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

import mllab.runs.checkpoints as checkpoints
from mllab.core.errors import MllabError, NotARunError
from mllab.runs.outputs import BATCH, as_tensor, scratch_outputs, softmax, torch_outputs, torch_trainer
from mllab.runs.rundir import RunDir, RunFileError, damaged, not_a_run, read_json
from mllab.runs.spec import SPEC_FILE, ModelSpec, spec_for

PROBABILISTIC_LOSSES = ("cross_entropy", "nll")  # a net trained on these outputs (log-)probabilities' logits


class InputError(MllabError, ValueError):
    """Inputs a run's model cannot take (shape, dtype, labels); the message gives the expected and found."""


@dataclass
class Run:
    """A run folder read back: ``config`` (RunConfig), ``summary`` and ``metrics`` (one dict per epoch);
    :meth:`model` rebuilds the trained model, :meth:`predict`, :meth:`predict_proba` and :meth:`score`
    use it on new inputs. ``trust_pickle``: open a classical checkpoint pickled by an older mllab (only for
    files you made yourself: unpickling runs code)."""

    path: Path
    config: Any
    summary: dict[str, Any]
    metrics: list[dict[str, Any]]
    trust_pickle: bool = False
    _models: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def env(self) -> dict[str, Any]:
        """``env.json``: versions, machine, device and the dataset's description (transform statistics)."""
        p = self.path / "env.json"
        env = read_json(p) if p.is_file() else {}
        if not isinstance(env, dict):
            raise RunFileError(damaged(p, f"expected a JSON object, found {type(env).__name__}"))
        return env

    @cached_property
    def spec(self) -> ModelSpec:
        """What rebuilds the model (``model.json``; for runs older than it, derived from the config and data)."""
        return ModelSpec.read(self.path) or _spec_from_data(self.config)

    def checkpoints(self) -> list[str]:
        """The names of the run's checkpoints in the format its ``model.json`` names (``['best', 'last']``)."""
        return checkpoints.names(RunDir(self.path).checkpoints, self.spec.checkpoint_format)

    def checkpoint_name(self, checkpoint: str = "auto") -> str:
        """``checkpoint`` checked against the run's checkpoints; ``auto``: ``best`` when the run selected one
        (``training.select``) and saved it, else ``last``."""
        present = self.checkpoints()
        name = checkpoint
        if checkpoint == "auto":
            name = "best" if self.config.training.select and "best" in present else "last"
        if name not in present:
            raise checkpoints.missing(self.path, name, present, self.spec.checkpoint_format)
        return name

    def model(self, checkpoint: str = "auto"):
        """The trained model in eval mode: a torch ``nn.Module``, a scratch network or a fitted estimator.

        ``checkpoint``: ``best``, ``last`` or ``auto`` (best if the run selected one). Built once per run.
        """
        name = self.checkpoint_name(checkpoint)
        if name not in self._models:
            spec = self.spec
            path = checkpoints.file_of(RunDir(self.path).checkpoints, name, spec.checkpoint_format)
            fresh = None if spec.engine == "classical" else _built(spec, self.path)
            model = checkpoints.restore(fresh, path, spec.checkpoint_format, self.trust_pickle)
            if hasattr(model, "eval"):
                model.eval()
            self._models[name] = model
        return self._models[name]

    def transform(self, x: np.ndarray) -> np.ndarray:
        """Raw inputs through the run's ``data.transforms`` (with the training statistics it recorded), and
        through the feature network of ``data.features_from`` when the run was trained on its features."""
        from mllab.data.transforms import transform_inputs

        x = transform_inputs(np.asarray(x), self.config.data.transforms, self.env.get("data", {}))
        if self.config.data.features_from:
            x = load_run(self.config.data.features_from).penultimate(x)
        return x

    def inputs(self, x) -> np.ndarray:
        """Raw inputs ``x`` (a batch, or one example without its batch axis) as the model takes them: through
        :meth:`transform`, checked against the shape and dtype in ``model.json``; an :class:`InputError` that
        names the expected and the found shape otherwise."""
        x = np.asarray(x)
        if x.dtype.kind not in "biuf" or x.ndim == 0:
            raise InputError(f"run {self.path}: expected an array of numbers, one example or a batch of them; "
                             f"found {'a scalar' if x.ndim == 0 else f'dtype {x.dtype}'}")
        if self.config.data.features_from:
            source = load_run(self.config.data.features_from)
            return self._cast(source.penultimate(source.inputs(x)))
        refused, transformed = None, False
        for batch in (x, x[None]):  # a batch, else one example without its batch axis
            try:
                xt = self.transform(batch)
            except (ValueError, TypeError, IndexError) as err:  # a transform that cannot take this shape/dtype
                refused = refused or err
                continue
            if self._fits(xt):
                return self._cast(xt)
            transformed = True
        raise self._shape_error(x, refused, transformed)

    def _fits(self, xt: np.ndarray) -> bool:
        expected = self.spec.input_shape
        if expected is not None and self._takes_tokens():  # token ids: any sentence length, one axis
            return xt.ndim == 1 + len(expected)
        if expected is not None:
            return xt.shape[1:] == tuple(expected)
        if self.spec.engine == "classical":  # a run older than the recorded shape: the features the estimator took
            return xt.ndim >= 2 and int(np.prod(xt.shape[1:])) == int(self.model().n_features_in_)
        return True

    def _takes_tokens(self) -> bool:
        from mllab.models.registry import MODELS

        return self.spec.engine == "torch" and MODELS.entry(self.spec.name).meta.get("input") == "tokens"

    def _shape_error(self, x: np.ndarray, refused: BaseException | None, transformed: bool) -> InputError:
        """The inputs fit no reading (a batch, one example): the transforms refused them, or the model does."""
        transforms, data = self.config.data.transforms, self.config.data.name
        if not transformed and refused is not None:
            return InputError(f"run {self.path}: inputs of shape {x.shape}, dtype {x.dtype} do not go through its "
                              f"data.transforms {transforms} ({str(refused).splitlines()[0][:160]}); give them as "
                              f"{data} gives them")
        if self.spec.input_shape is None:
            want = f"{self.model().n_features_in_} features per example"
        else:
            want = f"examples of shape {tuple(self.spec.input_shape)}"
        after = f" after data.transforms {transforms}" if transforms else ""
        return InputError(f"run {self.path}: expected {want}{after} ({data}), in a batch (N, ...) or one at a "
                          f"time; found inputs of shape {x.shape}")

    def _cast(self, xt: np.ndarray) -> np.ndarray:
        want = self.spec.input_dtype
        if want is None or xt.dtype == want:
            return xt
        if (np.dtype(want).kind == "f") == (xt.dtype.kind == "f"):
            return xt.astype(want)
        raise InputError(f"run {self.path}: its model takes {want} inputs (after data.transforms "
                         f"{self.config.data.transforms}); found {xt.dtype}: give inputs as "
                         f"{self.config.data.name} gives them")

    def predict(self, x, checkpoint: str = "auto") -> np.ndarray:
        """Predicted labels (N,) for raw inputs ``x``, as the dataset's loader gives them: a batch, or one
        example without its batch axis (then N = 1)."""
        model = self._classifier(checkpoint)
        x = self.inputs(x)
        if self.spec.engine == "classical":
            return np.asarray(model.predict(x.reshape(len(x), -1)))
        if self.spec.engine == "numpy":
            return scratch_outputs(model, x).argmax(1)
        return torch_trainer(self, model).predict(as_tensor(x)).numpy()

    def predict_proba(self, x, checkpoint: str = "auto") -> np.ndarray:
        """Class probabilities (N, C), rows summing to 1, for raw inputs ``x`` (as :meth:`predict`).

        Only where the model has them: a net trained with ``cross_entropy`` or ``nll`` (the softmax of its
        outputs), an estimator with its own ``predict_proba`` (knn, gmm, lda, logistic). A model trained to
        give class scores (ridge, lasso, spline_regression, svm; a net trained with ``mse_onehot``, ``l1``,
        ``bce`` ...) is refused: a softmax of its scores would claim a calibration it never learnt; use
        :meth:`predict`, or ``run.model().decision_function``.
        """
        model = self._classifier(checkpoint)
        engine, loss = self.spec.engine, self.config.training.loss
        if engine == "classical" and not hasattr(model, "predict_proba"):
            raise MllabError(f"run {self.path}: {self.config.model.name} gives class scores, not probabilities "
                             "(it has no predict_proba); use run.predict, or run.model().decision_function")
        if engine != "classical" and loss not in PROBABILISTIC_LOSSES:
            raise MllabError(f"run {self.path}: trained with training.loss={loss}, its outputs are class scores, "
                             f"not probabilities (those come from {' or '.join(PROBABILISTIC_LOSSES)}); use "
                             "run.predict")
        x = self.inputs(x)
        if engine == "classical":
            return np.asarray(model.predict_proba(x.reshape(len(x), -1)))
        outputs = scratch_outputs(model, x) if engine == "numpy" else torch_outputs(self, model, x)
        return softmax(outputs)

    def score(self, x, y, checkpoint: str = "auto") -> float:
        """Accuracy of :meth:`predict` on ``x`` against labels ``y`` (scikit-learn's ``score`` of a classifier)."""
        pred = self.predict(x, checkpoint)
        y = np.atleast_1d(np.asarray(y))
        if y.shape != pred.shape:
            raise InputError(f"run {self.path}: labels of shape {y.shape} for {len(pred)} examples; expected "
                             f"({len(pred)},)")
        return float(np.mean(pred == y))

    def _classifier(self, checkpoint: str):
        model = self.model(checkpoint)
        engine = self.spec.engine
        not_one = (not hasattr(model, "predict") if engine == "classical"
                   else self.summary.get("final", {}).get("test_accuracy") is None)
        if not_one:
            raise MllabError(f"run {self.path}: {self.config.model.name} is not a classifier (it records no "
                             "test accuracy); use run.model() to reconstruct or sample")
        return model

    def penultimate(self, x: np.ndarray) -> np.ndarray:
        """What the trained torch net's ``classifier`` layer sees for already transformed inputs: (N, d) float32
        (report 000 fits SVMs on these features)."""
        from mllab.models.hooks import features

        model = self.model()
        if not hasattr(model, "classifier"):
            raise MllabError(f"run {self.path}: model {self.config.model.name!r} has no 'classifier' layer to "
                             "take features from")
        seen = features(model, as_tensor(x), ["classifier:in"], batch_size=BATCH)["classifier:in"]
        return seen.reshape(len(seen), -1)  # (N, ...) -> (N, d)


def load_run(path: str | Path, trust_pickle: bool = False) -> Run:
    """The run in folder ``path`` (``runs/<experiment>/<group>/seed<k>``): config, summary, metrics, model.

    ``trust_pickle=True`` lets :meth:`Run.model` open a classical checkpoint pickled by an older mllab;
    unpickling runs whatever code the file holds: only for files you made yourself.
    """
    rd = RunDir(path)
    if not (rd.path / "config.yaml").is_file():
        raise NotARunError(not_a_run(rd.path))
    return Run(rd.path, rd.read_config(), rd.read_summary(), rd.read_metrics(), trust_pickle)


def _built(spec: ModelSpec, run_path: Path):
    """The untrained model of ``spec``; a name no registry holds is named with the file that holds it."""
    try:
        return spec.build()
    except KeyError as err:  # UnknownNameError: the registered names are in its message
        raise MllabError(f"{Path(run_path) / SPEC_FILE}: {err}") from err


def _spec_from_data(cfg) -> ModelSpec:
    """For runs written before ``model.json``: the shapes come from loading the run's data again."""
    from mllab.data.splits import prepare_splits

    if cfg.data.features_from:
        raise MllabError("this run predates model.json and was trained on network features "
                         "(data.features_from): its model cannot be rebuilt; train it again")
    splits = prepare_splits(cfg.data)
    spec = spec_for(cfg, splits.train.x.shape[1:], splits.dataset.num_classes, splits.dataset.info)
    return replace(spec, checkpoint_format=checkpoints.OLDER[spec.engine])  # what mllab wrote then
