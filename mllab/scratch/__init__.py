"""A from-scratch NumPy deep-learning engine, for people who learn how backpropagation works.

- ``tensor``: reverse-mode autodiff over arrays (each op's forward and backward side by side).
- ``functional``: fused ops with hand-written backward (activations with their reports'
  parameters, linear, softmax, losses, im2col and Toeplitz convolution, pooling);
  ``workspace``: the work arrays convolution reuses from one training step to the next.
- ``layers``, ``init``, ``optim``: torch-like modules, initializers, SGD / Adam with torch's rules.
- ``models``: ``SCRATCH_MODELS`` (mlp, report 004's architectures, lenet5, autoencoder).
- ``train``: ``fit_epoch`` / ``evaluate`` / ``save`` / ``load``; ``gradcheck``; ``diagnostics``.

Every op and layer is tested against torch (float64) forward and backward, and by central differences.
"""
