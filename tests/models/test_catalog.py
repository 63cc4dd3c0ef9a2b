"""The packaged models catalog is the registries', and a catalog of other sources is never believed."""

import json

import mllab.models.catalog as catalog


def test_packaged_catalog_is_the_registry():
    """Fails after a model module changed until the catalog is written again: python -m mllab.models.catalog"""
    written = json.loads(catalog.CATALOG.read_text())
    assert written["digest"] == catalog.sources_digest(), "run: python -m mllab.models.catalog"
    assert tuple(written["models"]) == catalog.registry_rows()
    assert written["names"] == {kind: catalog.named_registry(kind).names() for kind in catalog.NAMED}


def test_a_catalog_of_other_sources_reads_the_registry(tmp_path, monkeypatch):
    stale = tmp_path / "catalog.json"
    stale.write_text(json.dumps({"digest": "0" * 64, "models": [{"name": "made_up", "kind": "classical",
                                                                  "task": "classify", "doc": ""}]}))
    monkeypatch.setattr(catalog, "CATALOG", stale)
    catalog.trusted_catalog.cache_clear()
    try:
        assert catalog.model_rows() == catalog.registry_rows() and catalog.kind_of("made_up") is None
        assert catalog.registry_names("loss") is catalog.named_registry("loss")  # the registry itself
        stale.write_text("{not json")
        catalog.trusted_catalog.cache_clear()
        assert catalog.kind_of("svm") == "classical" and catalog.kind_of("lenet5") == "torch"
    finally:
        catalog.trusted_catalog.cache_clear()


def test_write_catalog_round_trips(tmp_path, monkeypatch):
    path = catalog.write_catalog(tmp_path / "catalog.json")
    monkeypatch.setattr(catalog, "CATALOG", path)
    catalog.trusted_catalog.cache_clear()
    try:
        assert catalog.model_rows() == catalog.registry_rows()
        names = catalog.registry_names("optimizer")
        assert isinstance(names, catalog.CatalogNames) and names.names() == catalog.named_registry("optimizer").names()
        assert "sgd" in names and "sgdd" not in names
    finally:
        catalog.trusted_catalog.cache_clear()
