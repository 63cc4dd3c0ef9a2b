"""Look inside a trained torch network: features of any layer, 2-D embeddings, attribution maps, probes.

>>> import torch, mllab.explain as ex
>>> net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 3))
>>> x = torch.rand(6, 1, 4, 4)
>>> ex.features(net, x, ["1"])["1"].shape
(6, 3)
>>> ex.attribute(net, x, target=torch.zeros(6, dtype=torch.long), method="saliency").shape
(6, 1, 4, 4)

Methods are registered in :data:`EXPLAINERS` (``mllab explain --help``); run-level drawing (the
``mllab explain`` and ``mllab probe`` commands) is in :mod:`mllab.explain.run`.
"""

from mllab.explain import tsne_numpy  # noqa: F401  (registers the tsne_numpy embedding)
from mllab.explain.attribution import attribute
from mllab.explain.embedding import embed
from mllab.explain.probes import probe
from mllab.explain.registry import EXPLAINERS
from mllab.models.hooks import LayerRecorder, features, layer_table

__all__ = ["EXPLAINERS", "LayerRecorder", "attribute", "embed", "features", "layer_table", "probe"]
