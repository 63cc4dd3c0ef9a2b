"""Forward hooks on a torch network, in one place: :func:`inspecting` registers them and puts the network in
eval mode, and afterwards (also when the forward pass fails) removes every hook and gives every module back
the mode it had; :class:`LayerRecorder` records the tensors at chosen layers through it; :func:`features`,
:func:`layer_table` and :func:`recurrent_layers` use the recorder. Every hook in mllab goes through
:func:`inspecting` (explain's attribution maps and probes, a run's penultimate features).

A *selection* names a module by its ``named_modules()`` name, optionally with a place:

- ``"features.1"``: the module's output (after it);
- ``"features.1:in"``: the module's first input (before it), so "before and after the ReLU" is
  ``["features.1:in", "features.1"]``;
- ``"lstms.0:last"``: for a module returning a tuple (``nn.LSTM``: ``(output, (h_n, c_n))``), the last
  step's hidden state of the top layer, both directions concatenated, (B, D*H); ``"lstms.0:forward"`` and
  ``"lstms.0:backward"`` one direction's (B, H) (a bidirectional layer's backward direction ends at the
  first step); plain ``"lstms.0"`` takes the first tensor of the tuple (the output sequence, (B, T, D*H)).

Recorded tensors are cloned, so an in-place ReLU after the module cannot overwrite them.

>>> import torch
>>> from torch import nn
>>> net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(inplace=True), nn.Linear(3, 2))
>>> feats = features(net, torch.randn(5, 4), ["0", "1:in", "1"])
>>> [feats[k].shape for k in feats]
[(5, 3), (5, 3), (5, 3)]
>>> bool((feats["0"] == feats["1:in"]).all()), bool((feats["1"] >= 0).all())
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Self

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pad_packed_sequence

from mllab.core.errors import MllabError
from mllab.core.registry import did_you_mean

PLACES = ("out", "in", "last", "forward", "backward")
DIRECTIONS = ("forward", "backward")
BATCH = 256  # examples per forward pass when capturing features


def parse(selection: str) -> tuple[str, str]:
    """``"name[:place]"`` -> (name, place); place is out (default), in or last."""
    name, _, place = selection.partition(":")
    place = place or "out"
    if place not in PLACES:
        raise MllabError(f"layer {selection!r}: unknown place {place!r}; use NAME (output), NAME:in (input), "
                         "NAME:last (last step of a recurrent layer) or NAME:forward / NAME:backward (one direction's)")
    return name, place


def pick(value, place: str, selection: str) -> torch.Tensor:
    """The tensor a selection means in a module's input tuple or output (tensor or tuple)."""
    if place == "in":
        return pick(value[0], "out", selection)
    if isinstance(value, torch.Tensor):
        if place != "out":
            raise MllabError(f"layer {selection!r}: ':{place}' needs a recurrent module returning (output, (h_n, c_n)); "
                             f"this one returns one tensor {tuple(value.shape)}; select it without ':{place}'")
        return value
    if isinstance(value, PackedSequence):  # a packed LSTM's input or output (B, T, F), padded with zeros
        return pad_packed_sequence(value, batch_first=True)[0]
    if not isinstance(value, (tuple, list)) or not isinstance(value[0], (torch.Tensor, PackedSequence)):
        raise MllabError(f"layer {selection!r}: its output is a {type(value).__name__}, not a tensor or tuple of tensors")
    if place == "out":
        return pick(value[0], "out", selection)
    out, state = pick(value[0], "out", selection), value[1]
    h_n = state[0] if isinstance(state, (tuple, list)) else state  # (layers*D, B, H)
    directions = out.shape[-1] // h_n.shape[-1]
    top = h_n[-directions:]  # (D, B, H): the top layer's directions
    if place in DIRECTIONS:
        if DIRECTIONS.index(place) >= directions:
            raise MllabError(f"layer {selection!r}: the layer has one direction; select NAME:last or NAME:forward")
        return top[DIRECTIONS.index(place)]  # (B, H)
    return top.permute(1, 0, 2).reshape(h_n.shape[1], -1)  # (D, B, H) -> (B, D*H)


def returns_state(output) -> bool:
    """True for a recurrent module's output ``(sequence, h_n)`` or ``(sequence, (h_n, c_n))``."""
    return (isinstance(output, (tuple, list)) and len(output) == 2
            and isinstance(output[0], (torch.Tensor, PackedSequence))
            and (isinstance(output[1], torch.Tensor) or
                 (isinstance(output[1], (tuple, list)) and all(isinstance(t, torch.Tensor) for t in output[1]))))


Hook = tuple[nn.Module, str, Callable]  # (module, "in" | "out", hook): a forward pre-hook, or a forward hook


@contextmanager
def inspecting(model: nn.Module, hooks: Iterable[Hook] = (), eval_mode: bool = True) -> Iterator[nn.Module]:
    """``model`` with ``hooks`` registered, in eval mode with ``eval_mode``, for the duration. Afterwards, also
    when a forward pass or a registration fails, every registered hook is removed and every module is back
    in the mode it had (module by module: a BatchNorm kept in eval mode inside a training model stays so).

    >>> net = nn.Sequential(nn.Linear(2, 2), nn.Dropout()).train()
    >>> with inspecting(net, [(net[0], "out", lambda mod, args, out: None)]):
    ...     net.training, len(net[0]._forward_hooks)
    (False, 1)
    >>> net.training, net[1].training, len(net[0]._forward_hooks)
    (True, True, 0)
    """
    modes = [(module, module.training) for module in model.modules()]
    handles = []
    try:
        if eval_mode:
            model.eval()
        for module, place, hook in hooks:
            handles.append(module.register_forward_pre_hook(hook) if place == "in" else
                           module.register_forward_hook(hook))
        yield model
    finally:
        for handle in handles:
            handle.remove()
        for module, training in modes:
            module.training = training


class LayerRecorder:
    """Context manager recording the tensors at ``selections`` during forward passes, through
    :func:`inspecting` (hooks always removed; ``eval_mode=True``: the model in eval mode meanwhile).

    ``grad=True`` keeps the recorded tensors in the autograd graph (Grad-CAM needs d score / d activation):
    a forward hook records the module's output and *replaces* it by a clone for the rest of the network, so
    an in-place op after the module (``ReLU(inplace=True)``) changes the clone, never the recorded values. Without ``grad`` the recorded
    tensors are detached clones. ``recorded[selection]`` is a list, one tensor per forward pass (a module
    called twice in one pass records twice).

    >>> net = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    >>> with LayerRecorder(net, ["1"]) as rec:
    ...     _ = net(torch.zeros(3, 2))
    >>> rec.recorded["1"][0].shape, len(net[1]._forward_hooks)
    (torch.Size([3, 2]), 0)
    """

    def __init__(self, model: nn.Module, selections: Sequence[str], grad: bool = False, eval_mode: bool = False):
        self.model, self.grad, self.eval_mode = model, grad, eval_mode
        self.selections = list(dict.fromkeys(selections))
        self.recorded: dict[str, list[torch.Tensor]] = {s: [] for s in self.selections}
        self._stack = ExitStack()

    def __enter__(self) -> Self:
        modules = dict(self.model.named_modules())
        hooks = []
        for sel in self.selections:  # every name checked before any hook is registered
            name, place = parse(sel)
            if name not in modules:
                raise MllabError(f"layer {name!r} is not a module of {type(self.model).__name__}"
                                 f"{did_you_mean(name, [n for n in modules if n])}; 'mllab explain RUN --list-layers' "
                                 f"lists them (e.g. {_some(modules)})")
            hooks.append(self._hook(modules[name], sel, place))
        self._stack.enter_context(inspecting(self.model, hooks, self.eval_mode))
        return self

    def _hook(self, module: nn.Module, sel: str, place: str) -> Hook:
        if place == "in":
            def before(mod, args):
                self.recorded[sel].append(self._keep(pick(args, place, sel)))
            return module, "in", before

        def after(mod, args, output):
            tensor = pick(output, place, sel)
            if self.grad and isinstance(output, torch.Tensor):
                self.recorded[sel].append(output)
                return output.clone()  # the network goes on from a copy: an in-place op after us changes that
            self.recorded[sel].append(self._keep(tensor))
            return None
        return module, "out", after

    def _keep(self, t: torch.Tensor) -> torch.Tensor:
        return t.clone() if self.grad else t.detach().clone()

    def remove(self) -> None:
        """Remove the hooks (and give the model its mode back) now; leaving the ``with`` block does it too."""
        self._stack.close()

    def __exit__(self, *exc) -> None:
        self.remove()


def _some(modules: dict) -> str:
    return ", ".join(n for n in list(modules)[1:4] if n) or "(the model has no submodules)"


def features(model: nn.Module, x, layers: Sequence[str], batch_size: int = BATCH) -> dict[str, np.ndarray]:
    """``{selection: (N, ...) float32 array}`` of ``model`` on ``x`` (array or tensor), in batches.

    Each result array is allocated once, after the first batch, and filled batch by batch, so memory stays
    at the captured features plus one batch's activations. The model is in eval mode for the capture and
    back in its previous mode after it.
    """
    x = torch.as_tensor(np.asarray(x)) if not isinstance(x, torch.Tensor) else x
    out: dict[str, np.ndarray] = {}
    with torch.no_grad(), LayerRecorder(model, layers, eval_mode=True) as rec:
        for start in range(0, len(x), batch_size):
            model(x[start:start + batch_size])
            for sel in rec.selections:
                batch = _first_call(rec, sel, len(x[start:start + batch_size]))
                if sel not in out:
                    out[sel] = np.empty((len(x),) + batch.shape[1:], np.float32)
                out[sel][start:start + len(batch)] = batch
    return out


def _first_call(rec: LayerRecorder, sel: str, rows: int) -> np.ndarray:
    """What ``sel`` recorded at its first call in this forward pass (then forgotten), checked for one row per
    example."""
    if not rec.recorded[sel]:
        raise MllabError(f"layer {sel!r} was not called in the forward pass; choose another "
                         "('mllab explain RUN --list-layers')")
    batch = rec.recorded[sel][0].float().numpy()
    rec.recorded[sel].clear()
    if len(batch) != rows:
        raise MllabError(f"layer {sel!r} gives {len(batch)} rows for a batch of {rows} examples (packed tokens?); "
                         "select a layer with one row per example, e.g. an LSTM's NAME:last")
    return batch


def layer_table(model: nn.Module, example: torch.Tensor,
                call_order: bool = False) -> list[tuple[str, str, tuple[int, ...] | None]]:
    """Every named module, its class and its output shape for one ``example`` batch (None for a module the
    forward pass does not call); tuple outputs show their first tensor's shape, a packed sequence its padded
    (B, T, F) shape. In ``named_modules()`` order, or with ``call_order`` in the order the modules finished
    (called modules only)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def record(name):
        def hook(mod, args, output):
            t = output[0] if isinstance(output, (tuple, list)) and output else output
            if name in shapes:
                return
            if isinstance(t, PackedSequence):  # padded (B, T, F)
                shapes[name] = (int(t.batch_sizes[0]), len(t.batch_sizes), *t.data.shape[1:])
            elif isinstance(t, torch.Tensor):
                shapes[name] = tuple(t.shape)
        return hook

    modules = dict(model.named_modules())
    with torch.no_grad(), inspecting(model, [(m, "out", record(name)) for name, m in modules.items() if name]):
        model(example)
    names = list(shapes) if call_order else [n for n in modules if n]
    return [(name, type(modules[name]).__name__, shapes.get(name)) for name in names]


def recurrent_layers(model: nn.Module, example: torch.Tensor) -> set[str]:
    """Names of the modules that return ``(sequence, state)`` on ``example`` (LSTM, GRU, RNN layers): the ones
    a ``NAME:last`` selection applies to."""
    found: set[str] = set()

    def record(name):
        return lambda mod, args, out: found.add(name) if returns_state(out) else None

    hooks = [(m, "out", record(name)) for name, m in model.named_modules() if name]
    with torch.no_grad(), inspecting(model, hooks):
        model(example)
    return found
