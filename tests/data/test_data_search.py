"""describe_search: the folders find_file searches, in its order, and which of them exist."""

import pytest

import mllab.data.files as files
from mllab.data.files import MissingDataError, SearchDir, candidate_paths, describe_search, find_file


def test_lists_the_folders_find_file_searches_in_its_order(tmp_path, monkeypatch):
    present, missing, cache = tmp_path / "present", tmp_path / "missing", tmp_path / "cache"
    present.mkdir()
    monkeypatch.setenv("MLLAB_DATA", f"{missing}:{present}")
    monkeypatch.setenv("MLLAB_CACHE", str(cache))
    described = describe_search()
    assert described == [SearchDir(missing, "MLLAB_DATA", False), SearchDir(present, "MLLAB_DATA", True),
                         SearchDir(cache, "MLLAB_CACHE", False)]
    # find_file's candidates are <root>/<folder>/<name> over the same roots, in the same order
    assert [p.parent.parent for p in candidate_paths(("mnist",), "f.gz")] == [d.path for d in described]
    with pytest.raises(MissingDataError) as err:
        find_file("mnist", ("mnist",), "f.gz")
    searched = [line.strip() for line in str(err.value).splitlines()[1:1 + len(described)]]
    assert searched == [str(d.path / "mnist") for d in described]


def test_a_file_is_not_a_searchable_folder_and_the_default_cache_is_named(tmp_path, monkeypatch):
    not_a_folder = tmp_path / "data.txt"
    not_a_folder.write_text("")
    described = describe_search({"MLLAB_DATA": str(not_a_folder)})
    assert described[0] == SearchDir(not_a_folder, "MLLAB_DATA", False)
    assert described[-1].source == "default cache" and described[-1].path == files.cache_dir({})


def test_no_mllab_data_leaves_only_the_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("MLLAB_DATA", raising=False)
    monkeypatch.setenv("MLLAB_CACHE", str(tmp_path))
    assert describe_search() == [SearchDir(tmp_path, "MLLAB_CACHE", True)]
