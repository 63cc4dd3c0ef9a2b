"""Torch networks, one module per family, registered in MODELS."""
