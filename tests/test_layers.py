"""The layers (profrost/layers.py, docs/architecture.md): no app imports from an app above it — so no cycle
between apps — and every import inside a function says why it is there."""

import ast
from pathlib import Path

import pytest

from profrost.layers import LAYERS

ROOT = Path(__file__).resolve().parent.parent / "profrost"


def _imports(tree):
    """(line, imported module, inside a function) for every import statement of a module."""
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            inside.update(id(n) for n in ast.walk(node) if isinstance(n, (ast.Import, ast.ImportFrom)))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, id(node) in inside
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, ("." * node.level) + (node.module or ""), id(node) in inside


def _app_of(module, source_parts):
    """The project app a module name belongs to, or None (Django, the standard library, the project's root)."""
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        package = source_parts[: len(source_parts) - level]
        module = ".".join(["profrost", *package, module.lstrip(".")]).rstrip(".")
    parts = module.split(".")
    if parts[0] == "profrost" and len(parts) > 1 and parts[1] in LAYERS:
        return parts[1]
    return None


def layer_violations(root=ROOT):
    """["people/views.py:12 imports diagnostics (a layer above people)", …]."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if len(relative.parts) < 2 or relative.parts[0] not in LAYERS:
            continue  # settings, urls, the command line: the project itself, above every app
        app = relative.parts[0]
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for line, module, _ in _imports(tree):
            target = _app_of(module, relative.with_suffix("").parts)
            if target is not None and LAYERS.index(target) > LAYERS.index(app):
                found.append(f"{relative.as_posix()}:{line} imports {target} (a layer above {app})")
    return found


def unexplained_inner_imports(root=ROOT):
    """Imports inside functions with no comment on their line or the line above."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for line, module, inner in _imports(ast.parse("\n".join(lines))):
            if not inner:
                continue
            here, above = lines[line - 1], lines[line - 2].strip() if line > 1 else ""
            if "#" not in here and not above.startswith("#"):
                found.append(f"{path.relative_to(root).as_posix()}:{line} {module}")
    return found


def test_no_app_imports_from_a_layer_above_it():
    assert not layer_violations(), "\n".join(layer_violations())


def test_every_project_app_has_its_layer():
    apps = {p.parent.name for p in ROOT.glob("*/apps.py")}
    assert apps == set(LAYERS), apps ^ set(LAYERS)


def test_imports_inside_functions_say_why():
    assert not unexplained_inner_imports(), "\n".join(unexplained_inner_imports())


@pytest.mark.parametrize(
    ("app", "source", "expected"),
    [
        # An upward import, also inside a function and relative, is found; a downward one is not.
        ("structure", "from profrost.people.models import Person\n", ["structure/views.py:1 imports people"]),
        (
            "core",
            "def f():\n    from profrost.routes import actions  # x\n",
            ["core/views.py:2 imports routes"],
        ),
        ("people", "from ..accounts import permissions\n", ["people/views.py:1 imports accounts"]),
        ("routes", "from profrost.people.models import Person\nfrom . import models\n", []),
    ],
)
def test_the_check_finds_an_upward_import(tmp_path, app, source, expected):
    (tmp_path / app).mkdir()
    (tmp_path / app / "views.py").write_text(source, encoding="utf-8")
    found = [line.split(" (")[0] for line in layer_violations(tmp_path)]
    assert found == expected


def test_the_check_finds_an_unexplained_inner_import(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "views.py").write_text(
        "def f():\n    import json\n\n\ndef g():\n    # weasyprint loads slowly; only the PDF export needs it\n"
        "    import weasyprint\n",
        encoding="utf-8",
    )
    assert unexplained_inner_imports(tmp_path) == ["core/views.py:2 json"]
