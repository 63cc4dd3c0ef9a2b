"""Models: classical estimators (``models/classical``) and torch networks (``models/nets``).

Every model is registered in :data:`mllab.models.registry.MODELS`; see that module
for the factory signatures.
"""
