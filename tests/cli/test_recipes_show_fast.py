"""``mllab recipes show`` validates a recipe in full without importing torch or scikit-learn (issue 31: listings
in a blink): the names the config checks (optimizer, schedule, loss, init, model kind) come from the models'
catalog. Run as a user runs it, under ``python -X importtime`` (tests/cli/test_listings_fast.py)."""

from tests.cli.cli_run import mllab
from tests.cli.test_listings_fast import HEAVY, imported


def test_recipes_show_prints_the_validated_config_without_torch():
    out, modules = imported(("recipes", "show", "s000_nin"))
    assert out.startswith("# s000_nin: ") and "# reproduces s000-nin: nin on svhn" in out
    assert "40 epochs x 3 seeds" in out and "eval_batch_size: 1024" in out  # a default only validation fills in
    assert "mllab" in modules and not modules & HEAVY, f"imported {sorted(modules & HEAVY)}"


def test_a_classical_recipe_is_one_fit():
    out, modules = imported(("recipes", "show", "s000_svm_rbf_raw"))
    assert "one fit x" in out and not modules & HEAVY


def test_an_unknown_name_is_still_refused_in_one_line(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("extends: demo\noptimizer: {name: sgdd}\n")
    result = mllab("recipes", "show", str(config), check=False)
    assert result.returncode == 2 and "unknown optimizer 'sgdd'" in result.stderr and "did you mean sgd" in \
        result.stderr and len(result.stderr.strip().splitlines()) == 1
