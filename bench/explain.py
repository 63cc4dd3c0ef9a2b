"""Explain timings, each against captum or openTSNE measured in the same process (medians of --repeats).

    OMP_NUM_THREADS=1 MLLAB_DATA=/work/shared/data:/usr/share/datasets .venv/bin/python bench/explain.py

1. Attribution of 64 random 1x32x32 images through LeNet-5 (untrained weights: the cost does not depend on
   them), each method: mllab vs captum (Saliency, GuidedBackprop, Deconvolution, LayerGradCam + interpolate,
   IntegratedGradients with 50 steps). Target: under 2 s per method on one core.
2. Guided backprop of 10 random 3x32x32 images through NiN: mllab vs captum. Target: under 10 s.
3. 2-D embedding of 10 000 x 128 features (MNIST test images, PCA to 128): mllab's ``embed(x, "tsne")``
   vs openTSNE's TSNE(...).fit on the same array and settings. Target: ratio <= 1.1.

Each timing is reported as wall time and as the process's CPU time (``time.process_time``): on a shared
machine other processes stretch the wall time of a one-thread computation, much less its CPU time, so the
CPU-time ratio is the one to trust there. ``uptime``'s load is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import torch

import mllab.explain as ex
from mllab.models.registry import create_model


def median_seconds(fn, repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``fn`` over ``repeats`` calls after a warm-up."""
    fn()  # warm-up
    wall, cpu = [], []
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu)


def load() -> str:
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def captum_call(method: str, net, x, target, layer):
    import captum.attr as ca

    if method == "saliency":
        return lambda: ca.Saliency(net).attribute(x, target=target)
    if method == "guided_backprop":
        return lambda: ca.GuidedBackprop(net).attribute(x, target=target)
    if method == "deconvolution":
        return lambda: ca.Deconvolution(net).attribute(x, target=target)
    if method == "integrated_gradients":
        return lambda: ca.IntegratedGradients(net).attribute(x, target=target, n_steps=50)
    module = dict(net.named_modules())[layer]
    return lambda: ca.LayerAttribution.interpolate(
        ca.LayerGradCam(net, module).attribute(x, target=target, relu_attributions=True), x.shape[-2:], "bilinear")


def ig_one_pass(net, x, target, steps=50):
    """The previous integrated gradients: all 50 interpolated copies in one batch, parameters requiring
    gradients (so each conv's backward also computed its weight gradient). The baseline of this change."""
    alphas, weights = ex.attribution._legendre(steps)
    scaled = torch.cat([a * x for a in alphas.to(x.dtype)]).requires_grad_(True)  # (S*B, ...)
    score = net(scaled).gather(1, target.repeat(steps)[:, None]).sum()
    grads = torch.autograd.grad(score, scaled)[0]
    return x * (weights.to(x.dtype).view(-1, *[1] * x.ndim) * grads.view(steps, *x.shape)).sum(0)


def attribution_rows(name, shape, n, methods, repeats):
    torch.manual_seed(0)
    net = create_model(name, shape, 10).eval()
    x, target = torch.rand(n, *shape), torch.arange(n) % 10
    layer = ex.attribution.default_cam_layer(net, x)
    for method in methods:
        ours = median_seconds(lambda: ex.attribute(net, x, target, method), repeats)
        theirs = median_seconds(captum_call(method, net, x.clone().requires_grad_(), target, layer), repeats)
        print(f"| {name} | {n} | {method} | {ours[0]:.3f} | {ours[1]:.3f} | {theirs[0]:.3f} | {theirs[1]:.3f} | "
              f"{ours[1] / theirs[1]:.2f} |", flush=True)
        if method == "integrated_gradients":
            before = median_seconds(lambda: ig_one_pass(net, x, target), repeats)
            print(f"| {name} | {n} | integrated_gradients, previous implementation (one pass, weight gradients) | "
                  f"{before[0]:.3f} | {before[1]:.3f} | {theirs[0]:.3f} | {theirs[1]:.3f} | {before[1] / theirs[1]:.2f} |",
                  flush=True)


def embedding_row(repeats):
    from openTSNE import TSNE

    import mllab

    ds = mllab.load_dataset("mnist")
    x = ex.embedding.pca(ds.test.x.reshape(10_000, -1).astype(np.float32) / 255, 128).astype(np.float32)
    times = {"ours": [], "theirs": []}  # (wall, cpu) per call
    for k in range(repeats):  # alternate, each going first in turn (no warm-up needed at this size)
        for who in (("ours", "theirs") if k % 2 == 0 else ("theirs", "ours")):
            w0, c0 = time.perf_counter(), time.process_time()
            if who == "ours":
                ex.embed(x, "tsne")
            else:
                TSNE(n_components=2, perplexity=30.0, random_state=0, n_jobs=1).fit(x)
            times[who].append((time.perf_counter() - w0, time.process_time() - c0))
        (ow, oc), (tw, tc) = times["ours"][-1], times["theirs"][-1]
        print(f"| repeat {k} ({'mllab' if k % 2 == 0 else 'openTSNE'} first) | {ow:.1f} | {oc:.1f} | {tw:.1f} | "
              f"{tc:.1f} | {oc / tc:.3f} | {load()} |", flush=True)
    o = [statistics.median(t[i] for t in times["ours"]) for i in (0, 1)]
    t = [statistics.median(t[i] for t in times["theirs"]) for i in (0, 1)]
    print(f"| median | {o[0]:.1f} | {o[1]:.1f} | {t[0]:.1f} | {t[1]:.1f} | {o[1] / t[1]:.3f} (wall {o[0] / t[0]:.3f}) | |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--embed-repeats", type=int, default=2)
    parser.add_argument("--only", choices=["attribution", "embedding"], help="Run one part only.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    import captum
    import openTSNE

    print(f"python {platform.python_version()}, torch {torch.__version__}, captum {captum.__version__}, openTSNE "
          f"{openTSNE.__version__}, numpy {np.__version__}, {torch.get_num_threads()} torch thread(s), "
          f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}, {os.cpu_count()} CPUs, "
          f"processor {platform.processor() or platform.machine()}; {load()}")
    if args.only != "embedding":
        print("| model | images | method | mllab wall (s) | mllab CPU (s) | captum wall (s) | captum CPU (s) | "
              "CPU ratio |\n|---|---:|---|---:|---:|---:|---:|---:|")
        attribution_rows("lenet5", (1, 32, 32), 64, ex.EXPLAINERS.names(kind="attribution"), args.repeats)
        attribution_rows("nin", (3, 32, 32), 10, ["guided_backprop"], args.repeats)
    if args.only != "attribution":
        print("| 10 000 x 128 | mllab wall (s) | mllab CPU (s) | openTSNE wall (s) | openTSNE CPU (s) | CPU ratio | "
              "load |\n|---|---:|---:|---:|---:|---:|---|")
        embedding_row(args.embed_repeats)
    print(load())


if __name__ == "__main__":
    main()
