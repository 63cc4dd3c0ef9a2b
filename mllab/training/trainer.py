"""The training loop for torch models: lean, resumable, deterministic on CPU.

Data lives in memory as tensors on the training device; an epoch is an index
permutation drawn from the trainer's own ``torch.Generator`` and sliced into
batches, so there is no per-sample Python work. Batch metrics are summed as
tensors and read once per epoch.

After every epoch the trainer appends a line to ``metrics.jsonl`` and writes
``checkpoints/last.pt`` with the model, optimizer, scheduler, RNG states,
best-so-far and early-stopping counters: ``fit(..., resume=True)`` continues a
killed run and ends with the same metrics as an uninterrupted one (CPU).

Everything optional a config switches on (weight averaging, bf16, progressive
resizing, test-time views, length buckets, augmentation, channels-last) is a
:class:`~mllab.training.features.TrainingFeature` built from the config: the
loop below calls its hooks and knows nothing else about it.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import torch

from mllab.core.errors import NonFiniteLossError
from mllab.training.batching import epoch_batches
from mllab.training.features import build_features, hooks
from mllab.training.optim import build_optimizer, penalized, penalty_term
from mllab.training.precision import to_float32
from mllab.training.progress import EpochBar, print_epoch
from mllab.training.schedules import build_scheduler
from mllab.training.selection import check_selection, check_split, improved, stops_early

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


class Trainer:
    def __init__(self, model, cfg, task, run=None, device="cpu", quiet=False, callbacks=(), tokens=False):
        """``tokens=True``: inputs are 0-padded token ids; each batch is cut to its longest row (:func:`trim_padding`).

        The config's training features (:mod:`mllab.training.features`) are built here and set up, so a
        config the model cannot train with is refused before anything runs; ``callbacks`` are more
        :class:`~mllab.training.features.TrainingFeature` s, called after the config's.
        """
        self.model, self.cfg, self.task, self.run = model, cfg, task, run
        self.device, self.quiet, self.tokens = torch.device(device), quiet, tokens
        self.tcfg = cfg.training
        check_selection(self.tcfg)
        # what features may replace: batch layout, the two forward passes, the epoch's batch order
        self.trim = trim_padding if tokens else _same
        self.layout = _same
        self.train_forward = model
        self.eval_views = None  # xb -> views whose outputs evaluation averages (test-time augmentation)
        self.evaluated_model = None  # the net evaluation runs when not the trained one (weight averaging)
        self.batch_order = self.shuffled_batches
        self.stop = False
        self.state = {"epoch": 0, "best_value": None, "best_epoch": None, "bad_epochs": 0}
        self.features = build_features(self.tcfg) + list(callbacks)
        for setup in hooks(self.features, "setup"):
            setup(self)
        self.on_batch, self.on_step_end = hooks(self.features, "on_batch"), hooks(self.features, "on_step_end")

    # --- the loop --------------------------------------------------------------------
    def fit(self, train: Tensors, val: Tensors | None = None, resume: bool = False) -> list[dict[str, Any]]:
        check_split(self.tcfg, val is not None)
        steps = math.ceil(len(train) / self.tcfg.batch_size)
        self.optimizer = build_optimizer(self.model, self.cfg.optimizer)
        self.scheduler = build_scheduler(self.optimizer, self.cfg.schedule, self.tcfg.epochs, steps)
        self.generator = torch.Generator().manual_seed(self.cfg.seed)
        self.penalized = penalized(self.model, self.cfg.penalty)
        for hook in hooks(self.features, "on_fit_start"):
            hook(self, train, val)
        if resume:
            self._restore()
        history = []
        for epoch in range(self.state["epoch"], self.tcfg.epochs):
            record = self._epoch(epoch, train, val)
            history.append(record)
            print_epoch(record, self.tcfg.epochs, self.quiet)
            for hook in hooks(self.features, "on_epoch_end"):
                hook(self, record)
            if self.stop or stops_early(self.tcfg, self.state):
                break
        for hook in hooks(self.features, "on_fit_end"):
            hook(self)
        return history

    def _epoch(self, epoch: int, train: Tensors, val: Tensors | None) -> dict[str, Any]:
        t0 = time.perf_counter()
        record = {"epoch": epoch + 1, "lr": self.optimizer.param_groups[0]["lr"]}
        for hook in hooks(self.features, "on_epoch_start"):
            record.update(hook(self, epoch))
        train_metrics = self.train_epoch(train, epoch)
        seconds = time.perf_counter() - t0
        record.update({f"train_{k}": v for k, v in train_metrics.items()})
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

    def shuffled_batches(self, data: Tensors) -> list[torch.Tensor]:
        """The epoch's batches of row indices (:func:`~mllab.training.batching.epoch_batches`)."""
        return epoch_batches(len(data), self.tcfg.batch_size, self.generator, shuffle=self.tcfg.shuffle)

    def train_epoch(self, data: Tensors, epoch: int) -> dict[str, float]:
        """One pass over ``data`` in the order of :attr:`batch_order`, each batch through the features'
        ``on_batch`` (augmentation, resizing) before its step."""
        self.model.train()
        sums: dict[str, torch.Tensor] = {}
        bar = EpochBar(len(data), epoch + 1, self.tcfg.epochs, self.quiet)
        seen = 0
        for i, idx in enumerate(self.batch_order(data)):
            idx = idx.to(self.device)
            xb, yb = self.trim(data.x[idx]), data.y[idx]
            for hook in self.on_batch:
                xb = hook(self, xb)
            batch = self.step(self.layout(xb), yb)
            for k, v in batch.items():
                sums[k] = sums[k] + v if k in sums else v
            seen += len(idx)
            bar.update(len(idx), **(self._running(sums, seen) if bar.wants_postfix(i) else {}))
        bar.close()
        return self.task.metrics({k: float(v) for k, v in sums.items()}, len(data))

    def _running(self, sums: dict[str, torch.Tensor], seen: int) -> dict[str, float]:
        """Metrics so far this epoch (only computed for a visible progress bar: it syncs the device)."""
        return self.task.metrics({k: float(v) for k, v in sums.items()}, seen)

    def step(self, xb: torch.Tensor, yb: torch.Tensor) -> dict[str, torch.Tensor]:
        """Forward (:attr:`train_forward`), loss (+ penalties), backward, optimizer and scheduler step."""
        out = to_float32(self.train_forward(xb))
        loss = self.task.loss(out, xb, yb, self.model)
        total = loss + penalty_term(self.penalized, self.cfg.penalty) if self.penalized else loss
        self.optimizer.zero_grad(set_to_none=True)
        total.backward()
        if self.tcfg.grad_clip:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.tcfg.grad_clip)
        self.optimizer.step()
        self.scheduler.step()
        for hook in self.on_step_end:
            hook(self)
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
        """The net that evaluation and prediction run: :attr:`evaluated_model` when a feature set one (the
        weight average under ``training.ema``), else the trained net."""
        return self.evaluated_model if self.evaluated_model is not None else self.model

    def eval_forward(self, xb: torch.Tensor):
        """The evaluated net's output; with :attr:`eval_views` (test-time augmentation) the mean over the views."""
        model = self.evaluated()
        if self.eval_views is None:
            return model(xb)
        views = self.eval_views(xb)
        return sum(model(v) for v in views) / len(views)

    # --- best checkpoint, checkpoints, resume ---------------------------------------
    def _track_best(self, record: dict[str, Any]) -> None:
        if improved(self.tcfg, self.state, record) and self.tcfg.select and self.run is not None:
            self.run.save_checkpoint("best", {"model": self.evaluated().state_dict(), "epoch": record["epoch"]})

    def _checkpoint(self, record: dict[str, Any]) -> None:
        if self.run is None:
            return
        self.run.append_metrics(record)
        ckpt = {
            "model": self.evaluated().state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "rng": {"torch": torch.get_rng_state(), "generator": self.generator.get_state(),
                    "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []},
            "state": dict(self.state),
        }
        for hook in hooks(self.features, "checkpoint"):
            hook(self, ckpt)
        self.run.save_checkpoint("last", ckpt)

    def _restore(self) -> None:
        ckpt = self.run.load_checkpoint("last", map_location=self.device)
        self.model.load_state_dict(ckpt["model"])
        self.optimizer.load_state_dict(ckpt["optimizer"])
        self.scheduler.load_state_dict(ckpt["scheduler"])
        torch.set_rng_state(ckpt["rng"]["torch"].cpu())
        self.generator.set_state(ckpt["rng"]["generator"].cpu())
        if ckpt["rng"]["cuda"]:
            torch.cuda.set_rng_state_all([s.cpu() for s in ckpt["rng"]["cuda"]])
        self.state = dict(ckpt["state"])
        for hook in hooks(self.features, "restore"):
            hook(self, ckpt)
        self.run.truncate_metrics(self.state["epoch"])
        log.info("resumed %s after epoch %d", self.run.path, self.state["epoch"])
