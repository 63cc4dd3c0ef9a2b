"""``mllab explain`` and ``mllab probe``: look inside a trained run; results go to RUN/explain/."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer
from typer.core import TyperCommand

def methods_help() -> str:
    """The --method help: the registered explainers (:data:`mllab.explain.EXPLAINERS`), grouped by kind."""
    from mllab.explain.registry import EXPLAINERS, KINDS

    kinds = dict.fromkeys(entry.meta["kind"] for entry in EXPLAINERS)
    groups = [f"{', '.join(EXPLAINERS.names(kind=kind))} ({KINDS.get(kind, kind)})" for kind in kinds]
    return f"Comma-separated methods: {'; '.join(groups)}."


class ExplainCommand(TyperCommand):
    """``mllab explain``: its --method help is read from the explainer registry when the help is shown, not
    when the CLI starts (the registry's modules import torch, which ``mllab --help`` does without)."""

    def format_help(self, ctx, formatter) -> None:
        for param in self.params:
            if param.name == "method":
                param.help = methods_help()
        super().format_help(ctx, formatter)


def explain(runs: List[Path] = typer.Argument(..., help="Run folder (runs/<experiment>/<group>/seed<k>); several: "
                                                  "one grid per attribution method, a row per run (needs --out)."),
            method: Optional[str] = typer.Option(None, "--method", "-m", help="(filled by ExplainCommand)"),
            layer: Optional[List[str]] = typer.Option(None, "--layer", "-l", help="Module name (--list-layers); "
                                                      "NAME:in = its input, NAME:last = an LSTM's last step "
                                                      "(NAME:forward / NAME:backward: one direction's). Repeat."),
            images: int = typer.Option(10, "--images", "-n", min=1, help="Images for attribution maps."),
            target: str = typer.Option("true", "--target", help="Whose evidence the attribution maps show: true "
                                       "(each image's label), pred (the class the model predicts) or a class "
                                       "index N."),
            split: str = typer.Option("test", "--split", help="train, val or test."),
            samples: int = typer.Option(1000, "--samples", min=3, help="Stratified examples per embedding."),
            out: Optional[Path] = typer.Option(None, "--out", help="Folder for the figures (default: RUN/explain; "
                                               "required with several runs)."),
            list_layers: bool = typer.Option(False, "--list-layers", help="Print module names and output shapes.")
            ) -> None:
    """Attribution maps and embeddings of a trained torch run into RUN/explain/ (PNG + NPZ), shown by
    'mllab report RUN': mllab explain RUN --method gradcam,pca_tsne --layer features. Several runs: mllab explain
    RUN1 RUN2 --method guided_backprop --out DIR (rows = runs, columns = the same images)."""
    from mllab.cli.errors import fail, user_errors

    with user_errors():
        from mllab.explain import EXPLAINERS
        from mllab.explain.run import explain_run, explain_runs
        from mllab.explain.run import list_layers as layers_of

        if list_layers:
            for run in runs:
                if len(runs) > 1:
                    typer.echo(f"{run}:")
                for name, kind, shape in layers_of(run):
                    typer.echo(f"{name:32s} {kind:20s} {'(not called)' if shape is None else tuple(shape)}")
            return
        if not method:
            fail(f"name a method with --method; one of {', '.join(EXPLAINERS.names())}")
        methods = [m.strip() for m in method.split(",") if m.strip()]
        if len(runs) > 1 and out is None:
            fail(f"{len(runs)} runs make one grid per method: name its folder with --out DIR")
        paths = (explain_runs(runs, methods, out, layer or [], images, split, target=target) if len(runs) > 1 else
                 explain_run(runs[0], methods, layer or [], images, split, samples, out, target))
        for path in paths:
            typer.echo(f"wrote {path}")


def probe(run: Path = typer.Argument(..., help="Run folder."),
          layer: Optional[List[str]] = typer.Option(None, "--layer", "-l", help="Layers to probe (default: every "
                                                    "leaf module the forward pass calls). Repeat."),
          train_samples: int = typer.Option(2000, "--train-samples", min=10, help="Stratified training examples "
                                            "the probes are fitted on."),
          test_samples: int = typer.Option(1000, "--test-samples", min=10, help="Stratified test examples scored.")
          ) -> None:
    """Linear-probe, kNN accuracy and class separability per layer (depth order) into RUN/explain/probe.json
    and probe.png, and a table."""
    from mllab.cli.errors import user_errors

    with user_errors():
        from mllab.explain.probes import probe_run

        rows, paths = probe_run(run, layer or [], train_samples, test_samples)
        typer.echo(f"{'layer':28s} {'dim':>6s} {'linear':>7s} {'kNN':>7s} {'separability':>12s}")
        for r in rows:
            typer.echo(f"{r['layer']:28s} {r['dim']:6d} {r['linear_probe_accuracy']:7.4f} {r['knn_accuracy']:7.4f} "
                       f"{r['separability']:12.4f}")
        for path in paths:
            typer.echo(f"wrote {path}")


def data_show(names: list[str] = typer.Argument(..., help="Datasets (mllab data list); several: side by side."),
              tsne: bool = typer.Option(False, "--tsne", help="PCA-to-10 + t-SNE of raw test images, by class."),
              hist: bool = typer.Option(False, "--hist", help="Per-channel pixel histograms with mean/std, as "
                                        "loaded and after --transform."),
              transform: list[str] = typer.Option(["invert"], "--transform", help="Transform compared in --hist."),
              samples: int = typer.Option(2000, "--samples", min=10, help="Test images per dataset for --tsne."),
              out: Path = typer.Option(Path("."), "--out", help="Folder for the PNGs.")) -> None:
    """Views of whole datasets: mllab data show mnist fashion_mnist --tsne; mllab data show mnist --hist"""
    from mllab.cli.errors import fail, user_errors

    if not (tsne or hist):
        fail("choose a view: --tsne and/or --hist")
    with user_errors():
        from mllab.core import plotting
        from mllab.explain.datasets import dataset_tsne, pixel_histograms

        if tsne:
            path = plotting.save(dataset_tsne(names, samples), out / f"tsne-{'-'.join(names)}.png")
            typer.echo(f"wrote {path}")
        if hist:
            for name in names:
                path = plotting.save(pixel_histograms(name, [(), tuple(transform)]), out / f"hist-{name}.png")
                typer.echo(f"wrote {path}")
