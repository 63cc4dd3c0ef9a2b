"""Explain timings, each against captum or openTSNE measured in the same process (medians of --repeats).

    OMP_NUM_THREADS=1 MLLAB_DATA=/work/shared/data:/usr/share/datasets .venv/bin/python bench/explain.py

1. Attribution of 64 random 1x32x32 images through LeNet-5 (untrained weights: the cost does not depend on
   them), each method: mllab vs captum (Saliency, GuidedBackprop, Deconvolution, LayerGradCam + interpolate,
   IntegratedGradients with 50 steps). Target: under 2 s per method on one core.
2. Guided backprop of 10 random 3x32x32 images through NiN: mllab vs captum. Target: under 10 s.
3. 2-D embedding of 10 000 x 128 features (MNIST test images, PCA to 128): mllab's ``embed(x, "tsne")``
   vs openTSNE's TSNE(...).fit on the same array and settings. Target: ratio <= 1.1.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np
import torch

import mllab.explain as ex
from mllab.models.registry import create_model


def median_seconds(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


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


def attribution_rows(name, shape, n, methods, repeats):
    torch.manual_seed(0)
    net = create_model(name, shape, 10).eval()
    x, target = torch.rand(n, *shape), torch.arange(n) % 10
    layer = ex.attribution.default_cam_layer(net, x)
    for method in methods:
        ours = median_seconds(lambda: ex.attribute(net, x, target, method), repeats)
        theirs = median_seconds(captum_call(method, net, x.clone().requires_grad_(), target, layer), repeats)
        print(f"| {name} | {n} | {method} | {ours:.3f} | {theirs:.3f} | {ours / theirs:.2f} |")


def embedding_row(repeats):
    from openTSNE import TSNE

    import mllab

    ds = mllab.load_dataset("mnist")
    x = ex.embedding.pca(ds.test.x.reshape(10_000, -1).astype(np.float32) / 255, 128).astype(np.float32)
    ours, theirs = [], []
    for k in range(repeats):  # alternate, each going first in turn (no warm-up needed at this size)
        for who in (("ours", "theirs") if k % 2 == 0 else ("theirs", "ours")):
            t0 = time.perf_counter()
            if who == "ours":
                ex.embed(x, "tsne")
            else:
                TSNE(n_components=2, perplexity=30.0, random_state=0, n_jobs=1).fit(x)
            (ours if who == "ours" else theirs).append(time.perf_counter() - t0)
        print(f"  repeat {k}: mllab {ours[-1]:.1f} s, openTSNE {theirs[-1]:.1f} s", flush=True)
    o, t = statistics.median(ours), statistics.median(theirs)
    print(f"| embed 10000x128 | tsne | {o:.1f} | {t:.1f} (openTSNE) | {o / t:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--embed-repeats", type=int, default=2)
    parser.add_argument("--only", choices=["attribution", "embedding"], help="Run one part only.")
    args = parser.parse_args()
    torch.set_num_threads(1)
    import captum

    print(f"python {platform.python_version()}, torch {torch.__version__}, captum {captum.__version__}, "
          f"{torch.get_num_threads()} thread(s), processor {platform.processor() or platform.machine()}")
    print("| model | images | method | mllab (s) | captum (s) | ratio |\n|---|---:|---|---:|---:|---:|")
    if args.only != "embedding":
        attribution_rows("lenet5", (1, 32, 32), 64, ex.EXPLAINERS.names(kind="attribution"), args.repeats)
        attribution_rows("nin", (3, 32, 32), 10, ["guided_backprop"], args.repeats)
    if args.only != "attribution":
        embedding_row(args.embed_repeats)


if __name__ == "__main__":
    main()
