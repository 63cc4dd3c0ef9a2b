"""`mllab data where/list/fetch`: the searched folders, word vectors, fetch options."""

from cli_run import ENV, mllab


def test_data_where_lists_the_searched_folders(tmp_path):
    env = {**ENV, "MLLAB_DATA": f"{tmp_path}:{tmp_path / 'absent'}", "MLLAB_CACHE": str(tmp_path / "cache")}
    lines = mllab("data", "where", env=env).stdout.splitlines()
    assert [line.split() for line in lines] == [["MLLAB_DATA", "found", str(tmp_path)],
                                                ["MLLAB_DATA", "missing", str(tmp_path / "absent")],
                                                ["MLLAB_CACHE", "missing", str(tmp_path / "cache")]]


def test_data_list_shows_word_vectors_and_whether_they_are_found(tmp_path):
    env = {**ENV, "MLLAB_DATA": str(tmp_path / "data"), "MLLAB_CACHE": str(tmp_path / "cache")}
    row = [r for r in mllab("data", "list", env=env).stdout.splitlines() if r.startswith("glove6b_100d")]
    assert len(row) == 1 and row[0].split()[1] == "missing" and "word vectors" in row[0]
    (tmp_path / "data" / "glove").mkdir(parents=True)
    (tmp_path / "data" / "glove" / "glove.6B.100d.txt").write_text("the " + " ".join(["0.1"] * 100) + "\n")
    row = [r for r in mllab("data", "list", env=env).stdout.splitlines() if r.startswith("glove6b_100d")]
    assert row[0].split()[1] == "found"


def test_fetch_source_is_for_word_vectors_only(tmp_path):
    result = mllab("data", "fetch", "mnist", "--source", "npm", check=False)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "--source: only word vectors (glove6b_100d) have a choice of source" in result.stderr
