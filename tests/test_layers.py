"""The package's layering (DESIGN.md "Layers"): no import cycles, no import of a higher layer.

Every ``import`` in ``mllab/`` counts, function-level ones included, and so does a module named in a string
(``importlib.import_module("mllab....")``): a look-up by name is an import all the same. No exception is
allowed.
"""

import ast
from pathlib import Path

import mllab

ROOT = Path(mllab.__file__).parent
LAYERS = {"core": 1, "recipes": 1, "data": 2, "models": 2, "scratch": 2, "trackers": 2, "training": 2, "runs": 3,
          "report": 4, "experiments": 5, "explain": 5, "ocr": 5, "sweep": 6, "cli": 7}  # recipes: YAML files, no code
ROOT_LAYER = 6  # the package root is the Python API: load_dataset, create_model, load_run, train (layers 2-5)


def modules() -> dict[str, Path]:
    out = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return out


MODULES = modules()


def owner(name: str) -> str | None:
    """The mllab module that ``name`` (a module, or a name inside one) resolves to."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imported(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + [base]).strip(".")
            names |= {base} | {f"{base}.{a.name}" for a in node.names}
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("mllab."):
            names.add(node.value)
    found = {owner(n) for n in names if n.startswith("mllab")} - {None, module}
    return {m for m in found if not (path.name == "__init__.py" and m.startswith(module + "."))}


GRAPH = {m: imported(m, p) for m, p in MODULES.items()}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1], ROOT_LAYER) if len(parts) > 1 else ROOT_LAYER


def test_no_module_imports_a_higher_layer():
    upward = sorted(f"{m} (layer {layer(m)}) -> {d} (layer {layer(d)})" for m, deps in GRAPH.items() for d in deps
                    if layer(d) > layer(m))
    assert not upward, "\n".join(upward)


def test_no_import_cycles():
    cycles = [c for c in strongly_connected(GRAPH) if len(c) > 1]
    assert not cycles, "\n".join(" <-> ".join(sorted(c)) for c in cycles)


def test_every_package_has_a_layer():
    packages = {m.split(".")[1] for m in MODULES if m.count(".") >= 1 and (ROOT / m.split(".")[1]).is_dir()}
    assert packages <= set(LAYERS), f"give {packages - set(LAYERS)} a layer"


def test_the_checker_sees_function_level_and_by_name_imports(tmp_path):
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from mllab.cli.main import app\n    return 'mllab.report.html'\n")
    assert imported("mllab.core.fake", source) == {"mllab.cli.main", "mllab.report.html"}


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm, iterative."""
    index, low, on_stack, stack, out, counter = {}, {}, set(), [], [], 0
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    top = stack.pop()
                    on_stack.discard(top)
                    component.append(top)
                    if top == node:
                        break
                out.append(component)
    return out
