"""mllab: a laboratory for machine-learning models.

Build, train, compare and look inside models from logistic regression to
LSTMs and VAEs, on the standard small benchmarks, from one config.

Heavy libraries (torch, sklearn, matplotlib) are imported lazily by the
modules that need them, so ``import mllab`` and ``mllab --help`` stay fast.
"""

__version__ = "0.1.0"
