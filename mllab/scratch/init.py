"""Weight initializers for the scratch engine, by name: ``fn(shape, fan_in, fan_out, rng) -> ndarray``.

``normal_fanin`` is report 004's choice (LeCun's "Efficient backprop"): a
zero-mean Gaussian with std m^-1/2, m the number of inputs of a unit.

>>> import numpy as np
>>> w = SCRATCH_INITS.get("normal_fanin")((1000, 400), 400, 1000, np.random.default_rng(0))
>>> round(float(w.std() * 20), 1)
1.0
"""

from __future__ import annotations

import math

import numpy as np

from mllab.core.registry import Registry

SCRATCH_INITS = Registry("scratch init")


def fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out) computed as torch does: dim 1 and dim 0 times the kernel area."""
    receptive = math.prod(shape[2:])
    if len(shape) < 2:
        return shape[0], shape[0]
    return shape[1] * receptive, shape[0] * receptive


@SCRATCH_INITS.register("zeros")
def zeros(shape, fan_in, fan_out, rng):
    return np.zeros(shape)


@SCRATCH_INITS.register("constant")
def constant(shape, fan_in, fan_out, rng, value: float = 0.01):
    return np.full(shape, value)


@SCRATCH_INITS.register("normal_fanin")
def normal_fanin(shape, fan_in, fan_out, rng):
    """N(0, 1/m), m = fan-in (report 004)."""
    return rng.normal(0.0, fan_in**-0.5, shape)


@SCRATCH_INITS.register("xavier")
def xavier_uniform(shape, fan_in, fan_out, rng):
    """Glorot uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out))."""
    a = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-a, a, shape)


@SCRATCH_INITS.register("xavier_normal")
def xavier_normal(shape, fan_in, fan_out, rng):
    return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), shape)


@SCRATCH_INITS.register("kaiming")
def kaiming_normal(shape, fan_in, fan_out, rng):
    """He normal for ReLU: N(0, 2 / fan_in)."""
    return rng.normal(0.0, math.sqrt(2.0 / fan_in), shape)


@SCRATCH_INITS.register("torch_default")
def torch_default(shape, fan_in, fan_out, rng):
    """torch's Linear/Conv default (kaiming_uniform with a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
    bound = 1.0 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape)
