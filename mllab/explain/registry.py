"""``EXPLAINERS``: every explanation method by name (``mllab explain --help`` lists them).

Metadata ``kind``: ``attribution`` (a map per input, :func:`mllab.explain.attribute`) or ``embedding``
(2-D points per example from a layer's features, :func:`mllab.explain.embed`); ``layer=True`` when the
method works at a chosen layer (Grad-CAM). The methods register themselves in
:mod:`mllab.explain.attribution` and :mod:`mllab.explain.embedding`, which the package ``mllab.explain``
imports, so the registry is full whenever any ``mllab.explain`` module is imported.
"""

from __future__ import annotations

from mllab.core.registry import Registry

EXPLAINERS = Registry("explainer", listing="mllab explain --help")
KINDS = {"attribution": "attribution maps of --images test images, one per class in turn",
         "embedding": "embeddings of a layer's features, --samples stratified examples"}  # meta "kind": what it draws
