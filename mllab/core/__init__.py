"""The bottom layer: the registry mechanism, user-facing errors, atomic file writes, metrics and plotting.

Nothing here imports another part of mllab, so every layer above may use it.
"""
