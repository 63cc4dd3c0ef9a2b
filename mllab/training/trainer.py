"""The training loop for torch models: lean, resumable, deterministic on CPU.

Data lives in memory as tensors on the training device; an epoch is an index
permutation drawn from the trainer's own ``torch.Generator`` and sliced into
batches, so there is no per-sample Python work. Batch metrics are summed as
tensors and read once per epoch.

After every epoch the trainer appends a line to ``metrics.jsonl`` and writes
``checkpoints/last.pt`` with the model, optimizer, scheduler, RNG states,
best-so-far and early-stopping counters: ``fit(..., resume=True)`` continues a
killed run and ends with the same metrics as an uninterrupted one (CPU).
Under ``training.ema`` the checkpoint's ``model`` is the weight average that
evaluation uses (:mod:`mllab.training.averaging`) and ``trained`` the net's own
weights; ``fit`` ends with the average loaded into the net, which evaluation
runs from then on.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import torch

from mllab.core.errors import ConfigError, NonFiniteLossError
from mllab.training import augment
from mllab.training.averaging import build_ema
from mllab.training.batching import epoch_batches, token_lengths
from mllab.training.memory_format import as_channels_last, wants_channels_last
from mllab.training.optim import build_optimizer, penalized, penalty_term
from mllab.training.precision import autocast, check_precision, to_float32
from mllab.training.progress import EpochBar
from mllab.training.resize import KEY as RESIZE_KEY
from mllab.training.resize import check_resizable, epoch_size, resize_batch
from mllab.training.schedules import build_scheduler

log = logging.getLogger(__name__)


@dataclass
class Tensors:
    """One split as tensors on the training device."""

    x: torch.Tensor
    y: torch.Tensor

    def __len__(self) -> int:
        return len(self.y)


def trim_padding(x: torch.Tensor) -> torch.Tensor:
    """Token ids (B, L) padded with 0 at the end -> (B, L') without the columns that are padding in every row.

    Token models read each row's length from its last non-zero id, so their output is unchanged; a
    batch of short phrases then costs what its longest phrase costs, not what the longest sentence of
    the dataset does (SST-2: 52 ids, phrases average about 9).
    """
    used = (x != 0).any(dim=0).nonzero()
    return x[:, : int(used.max()) + 1] if len(used) else x[:, :1]


def _same(x: torch.Tensor) -> torch.Tensor:
    return x


class Callback:
    """Hook into training; set ``trainer.stop = True`` to end after this epoch."""

    def on_epoch_end(self, trainer: "Trainer", record: dict[str, Any]) -> None:
        pass


class Trainer:
    def __init__(self, model, cfg, task, run=None, device="cpu", quiet=False, callbacks=(), tokens=False):
        """``tokens=True``: inputs are 0-padded token ids; each batch is cut to its longest row (:func:`trim_padding`).

        Image batches of a convolutional net go channels-last when ``training.channels_last`` asks for it or,
        unset, when :func:`~mllab.training.memory_format.wants_channels_last` says the net is faster so.
        ``training.precision: bf16`` runs the training forward pass under bfloat16 autocast
        (:mod:`mllab.training.precision`); evaluation and prediction stay float32. A device without bfloat16
        units is refused (:class:`~mllab.training.precision.PrecisionError`).
        """
        self.model, self.cfg, self.task, self.run = model, cfg, task, run
        self.device, self.quiet, self.callbacks = torch.device(device), quiet, list(callbacks)
        self.tcfg = cfg.training
        check_precision(self.device, self.tcfg.precision)
        self.channels_last = not tokens and wants_channels_last(model, self.tcfg.channels_last)
        if self.channels_last:
            model.to(memory_format=torch.channels_last)
        if self.tcfg.val_every != 1 and (self.tcfg.select or self.tcfg.early_stopping.patience):
            raise ConfigError(f"training.val_every: expected 1 with training.select or early stopping, found "
                              f"{self.tcfg.val_every}; they compare every epoch's validation metrics: set "
                              f"training.val_every=1")
        if self.tcfg.bucket_by_length and not tokens:
            raise ConfigError(f"training.bucket_by_length: expected 0 for {type(model).__name__}, found "
                              f"{self.tcfg.bucket_by_length}; it groups rows of token ids by length and this "
                              f"model reads other inputs: set training.bucket_by_length=0")
        if self.tcfg.progressive_resize.min_size and tokens:
            raise ConfigError(f"{RESIZE_KEY}: expected 0 for {type(model).__name__}, found "
                              f"{self.tcfg.progressive_resize.min_size}; it scales images and this model reads "
                              f"token ids: set {RESIZE_KEY}=0")
        self.trim = trim_padding if tokens else _same
        self.layout = as_channels_last if self.channels_last else _same
        self.stop = False
        self.ema = None
        self.state = {"epoch": 0, "best_value": None, "best_epoch": None, "bad_epochs": 0}

    # --- the loop --------------------------------------------------------------------
    def fit(self, train: Tensors, val: Tensors | None = None, resume: bool = False) -> list[dict[str, Any]]:
        steps = math.ceil(len(train) / self.tcfg.batch_size)
        self.optimizer = build_optimizer(self.model, self.cfg.optimizer)
        self.scheduler = build_scheduler(self.optimizer, self.cfg.schedule, self.tcfg.epochs, steps)
        self.generator = torch.Generator().manual_seed(self.cfg.seed)
        self.penalized = penalized(self.model, self.cfg.penalty)
        self.ema = build_ema(self.model, self.tcfg.ema)
        if self.tcfg.progressive_resize.min_size:
            check_resizable(self.model, train.x, self.tcfg.progressive_resize.min_size, self.layout)
        if resume:
            self._restore()
        history = []
        for epoch in range(self.state["epoch"], self.tcfg.epochs):
            record = self._epoch(epoch, train, val)
            history.append(record)
            for cb in self.callbacks:
                cb.on_epoch_end(self, record)
            if self.stop or self._early_stop(record):
                break
        if self.ema is not None:  # from here on the net is the average (a best checkpoint loaded into it counts)
            self.model.load_state_dict(self.ema.module.state_dict())
            self.ema = None
        return history

    def _epoch(self, epoch: int, train: Tensors, val: Tensors | None) -> dict[str, Any]:
        t0 = time.perf_counter()
        lr = self.optimizer.param_groups[0]["lr"]
        size = self._image_size(epoch, train)
        train_metrics = self.train_epoch(train, epoch, size)
        seconds = time.perf_counter() - t0
        record = {"epoch": epoch + 1, "lr": lr, **({"image_size": size} if size else {}),
                  **{f"train_{k}": v for k, v in train_metrics.items()}}
        if not math.isfinite(train_metrics["loss"]):
            raise NonFiniteLossError(
                f"epoch {epoch + 1}: training loss is {train_metrics['loss']}; stopped. The last good checkpoint "
                f"(epoch {self.state['epoch']}) is kept. Lower optimizer.lr (now {self.cfg.optimizer.lr}) "
                f"or set training.grad_clip."
            )
        if val is not None and self._evaluates_val(epoch):
            record.update({f"val_{k}": v for k, v in self.evaluate(val).items()})
        record.update(seconds=round(seconds, 3), images_per_s=round(len(train) / seconds, 1))
        self.state["epoch"] = epoch + 1
        self._track_best(record)
        self._checkpoint(record)
        return record

    def _evaluates_val(self, epoch: int) -> bool:
        """Whether epoch ``epoch`` (from 0) ends with a validation pass: every ``training.val_every`` epochs
        and after the last."""
        every = self.tcfg.val_every
        return epoch + 1 == self.tcfg.epochs or (every > 0 and (epoch + 1) % every == 0)

    def _image_size(self, epoch: int, train: Tensors) -> int | None:
        """The image side epoch ``epoch`` trains on under ``training.progressive_resize`` (None: off)."""
        cfg = self.tcfg.progressive_resize
        if not cfg.min_size:
            return None
        return epoch_size(epoch, epochs=self.tcfg.epochs, full=max(train.x.shape[-2:]), min_size=cfg.min_size,
                          ramp=cfg.ramp)

    def train_epoch(self, data: Tensors, epoch: int, size: int | None = None) -> dict[str, float]:
        """One pass over ``data`` in a fresh random order (:func:`~mllab.training.batching.epoch_batches`),
        its images scaled to ``size`` pixels a side when given (:mod:`~mllab.training.resize`)."""
        self.model.train()
        n, pool = len(data), self.tcfg.bucket_by_length
        lengths = token_lengths(data.x).cpu() if pool else None
        batches = epoch_batches(n, self.tcfg.batch_size, self.generator, shuffle=self.tcfg.shuffle,
                                lengths=lengths, pool=pool)
        sums: dict[str, torch.Tensor] = {}
        bar = EpochBar(n, epoch + 1, self.tcfg.epochs, self.quiet)
        seen = 0
        for i, idx in enumerate(batches):
            idx = idx.to(self.device)
            xb, yb = self.trim(data.x[idx]), data.y[idx]
            if augment.enabled(self.tcfg.augment):
                xb = augment.augment_batch(xb, self.tcfg.augment, self.generator)
            if size:
                xb = resize_batch(xb, size)
            xb = self.layout(xb)
            batch = self.step(xb, yb)
            for k, v in batch.items():
                sums[k] = sums[k] + v if k in sums else v
            seen += len(idx)
            bar.update(len(idx), **(self._running(sums, seen) if bar.wants_postfix(i) else {}))
        bar.close()
        return self.task.metrics({k: float(v) for k, v in sums.items()}, n)

    def _running(self, sums: dict[str, torch.Tensor], seen: int) -> dict[str, float]:
        """Metrics so far this epoch (only computed for a visible progress bar: it syncs the device)."""
        return self.task.metrics({k: float(v) for k, v in sums.items()}, seen)

    def step(self, xb: torch.Tensor, yb: torch.Tensor) -> dict[str, torch.Tensor]:
        """Forward (in ``training.precision``), loss (+ penalties), backward, optimizer and scheduler step."""
        with autocast(self.device, self.tcfg.precision):
            out = to_float32(self.model(xb))
        loss = self.task.loss(out, xb, yb, self.model)
        total = loss + penalty_term(self.penalized, self.cfg.penalty) if self.penalized else loss
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        if self.tcfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        if self.ema is not None:
            self.ema.update_parameters(self.model)
        return self.task.sums(out, xb, yb, loss)

    @torch.no_grad()
    def evaluate(self, data: Tensors) -> dict[str, float]:
        """Loss and metrics over ``data`` in eval mode (no penalties)."""
        return self.evaluate_and_predict(data, predict=False)[0]

    @torch.no_grad()
    def evaluate_and_predict(self, data: Tensors, predict: bool = True) -> tuple[dict[str, float], torch.Tensor | None]:
        """:meth:`evaluate` and, when ``predict`` (and the task predicts), :meth:`predict`'s labels from the same
        forward passes: a test split with test-time augmentation is run through its views once, not twice."""
        model = self.evaluated().eval()
        sums: dict[str, torch.Tensor] = {}
        labels = []
        for start in range(0, len(data), self.tcfg.eval_batch_size):
            xb = self.layout(self.trim(data.x[start:start + self.tcfg.eval_batch_size]))
            yb = data.y[start:start + self.tcfg.eval_batch_size]
            out = self.eval_forward(xb)
            for k, v in self.task.sums(out, xb, yb, self.task.loss(out, xb, yb, model)).items():
                sums[k] = sums[k] + v if k in sums else v
            if predict and self.task.predict:
                labels.append(self.task.predict(out))
        metrics = self.task.metrics({k: float(v) for k, v in sums.items()}, len(data))
        return metrics, torch.cat(labels) if labels else None

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        self.evaluated().eval()
        bs = self.tcfg.eval_batch_size
        batches = (self.layout(self.trim(x[i:i + bs])) for i in range(0, len(x), bs))
        return torch.cat([self.task.predict(self.eval_forward(xb)) for xb in batches])

    def evaluated(self) -> torch.nn.Module:
        """The net that evaluation and prediction run: the weight average under ``training.ema``
        (:mod:`~mllab.training.averaging`), else the trained net."""
        return self.ema.module if self.ema is not None else self.model

    def eval_forward(self, xb: torch.Tensor):
        """The evaluated net's output (:meth:`evaluated`); with ``training.test_time_flip`` / ``test_time_shift``
        the mean over the image's views (:func:`~mllab.training.augment.test_time_views`: test-time augmentation)."""
        flip, pixels = self.tcfg.test_time_flip, self.tcfg.test_time_shift
        model = self.evaluated()
        if not (flip or pixels):
            return model(xb)
        if xb.dim() != 4:
            raise ValueError(f"training.test_time_flip/test_time_shift average a classifier's outputs over views of "
                             f"images (N, C, H, W); got inputs of shape {tuple(xb.shape)}: turn them off here")
        views = augment.test_time_views(xb, flip, pixels)
        return sum(model(v) for v in views) / len(views)

    # --- best checkpoint, early stopping, resume ---------------------------------------
    def _improved(self, metric: str, value: float) -> bool:
        best = self.state["best_value"]
        lower_is_better = metric.endswith("loss")
        return best is None or (value < best if lower_is_better else value > best)

    def _track_best(self, record: dict[str, Any]) -> None:
        metric = self.tcfg.select or self.tcfg.early_stopping.metric
        if metric not in record:
            if self.tcfg.select or self.tcfg.early_stopping.patience:
                raise KeyError(f"training.select/early_stopping.metric {metric!r} is not a recorded metric; "
                               f"recorded: {sorted(record)} (val_* metrics need data.val_fraction > 0)")
            return
        if self._improved(metric, record[metric]):
            self.state.update(best_value=record[metric], best_epoch=record["epoch"], bad_epochs=0)
            if self.tcfg.select and self.run is not None:
                self.run.save_checkpoint("best", {"model": self.evaluated().state_dict(), "epoch": record["epoch"]})
        else:
            self.state["bad_epochs"] += 1

    def _early_stop(self, record: dict[str, Any]) -> bool:
        patience = self.tcfg.early_stopping.patience
        if patience and self.state["bad_epochs"] >= patience:
            log.info("early stopping at epoch %d: no %s improvement for %d epochs",
                     record["epoch"], self.tcfg.early_stopping.metric, patience)
            return True
        return False

    def _checkpoint(self, record: dict[str, Any]) -> None:
        if self.run is None:
            return
        self.run.append_metrics(record)
        averaging = {} if self.ema is None else {"trained": self.model.state_dict(),
                                                 "ema_updates": int(self.ema.n_averaged)}
        self.run.save_checkpoint("last", {
            "model": self.evaluated().state_dict(),
            **averaging,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "generator": self.generator.get_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
            "state": dict(self.state),
        })

    def _restore(self) -> None:
        ckpt = self.run.load_checkpoint("last", map_location=self.device)
        self._restore_weights(ckpt)
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        torch.set_rng_state(ckpt["rng"]["torch"].cpu())
        self.generator.set_state(ckpt["rng"]["generator"].cpu())
        if ckpt["rng"]["cuda"]:
            torch.cuda.set_rng_state_all([s.cpu() for s in ckpt["rng"]["cuda"]])
        self.state = dict(ckpt["state"])
        self.run.truncate_metrics(self.state["epoch"])
        log.info("resumed %s after epoch %d", self.run.path, self.state["epoch"])

    def _restore_weights(self, ckpt: dict[str, Any]) -> None:
        """The trained net's weights from a ``last`` checkpoint and, under ``training.ema``, the average's: its
        ``model`` is what evaluation saw (the average), ``trained`` the weights training goes on from."""
        if self.ema is None:
            if "trained" in ckpt:
                raise ConfigError("training.ema: expected the checkpoint's value (> 0), found 0; this run was "
                                  "trained with weight averaging: resume it with its own config")
            self.model.load_state_dict(ckpt["model"])
            return
        if "trained" not in ckpt:
            raise ConfigError(f"training.ema: expected 0 as in the checkpoint, found {self.tcfg.ema}; this run was "
                              f"trained without weight averaging: resume it with its own config")
        self.model.load_state_dict(ckpt["trained"])
        self.ema.module.load_state_dict(ckpt["model"])
        self.ema.n_averaged.fill_(ckpt["ema_updates"])
