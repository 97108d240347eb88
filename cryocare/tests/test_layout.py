"""The project's layout holds: apps depend one way, the pure engine imports no app, no import
hides inside a function to get round a cycle. Read from the source, so a new import that breaks
the rule fails here."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Each app may use the apps before it, never one after it (README, "Where things are").
APP_ORDER = ["patients", "clinic", "protocols", "sessions", "documents", "notifications", "outcomes", "exchange"]
# The protocol engine itself: pure Python, usable by every app.
PURE_ENGINE = {
    "protocols.codes",
    "protocols.engine",
    "protocols.limits",
    "protocols.rules",
    "protocols.ruleset_1",
    "protocols.window",
}
PROJECT = {*APP_ORDER, "cryocare"}
# Imports that may stay inside a function: Django's app registry is not ready when apps.py is
# imported, and WeasyPrint is optional (without its system libraries the app still runs).
LOCAL_IMPORTS_ALLOWED = {("patients.apps", "patients.roles"), ("documents.rendering", "weasyprint")}


def _modules():
    for app in PROJECT:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts or "tests" in relative.parts:
                continue
            yield ".".join(relative.parts).removesuffix(".__init__"), ast.parse(path.read_text())


def _imports(tree):
    """(imported module, inside a function?) for every import statement of the module."""
    functions = {
        id(node)
        for fn in ast.walk(tree)
        if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef)
        for node in ast.walk(fn)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            yield name, id(node) in functions


def _project_module(name: str) -> str | None:
    return name if name.split(".")[0] in PROJECT else None


MODULES = dict(_modules())


def test_every_app_module_was_read():
    assert {"sessions.facts", "patients.access", "documents.rendering", "clinic.models"} <= MODULES.keys()


@pytest.mark.parametrize("module", sorted(PURE_ENGINE))
def test_the_pure_engine_imports_no_app(module):
    imported = {_project_module(name) for name, _ in _imports(MODULES[module])} - {None}
    assert {name for name in imported if not any(name.startswith(p) for p in PURE_ENGINE)} == set()


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.split(".")[0] in APP_ORDER))
def test_apps_use_only_the_apps_before_them(module):
    rank = APP_ORDER.index(module.split(".")[0])
    for name, _ in _imports(MODULES[module]):
        target = _project_module(name)
        if target is None or any(target.startswith(p) for p in PURE_ENGINE):
            continue
        app = target.split(".")[0]
        assert app != "cryocare", f"{module} imports {name}: the project package sits above every app"
        assert APP_ORDER.index(app) <= rank, f"{module} imports {name}, from an app after its own"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_import_of_the_project_hides_inside_a_function(module):
    allowed = [target for owner, target in LOCAL_IMPORTS_ALLOWED if owner == module]
    hidden = {
        name
        for name, local in _imports(MODULES[module])
        if local
        and (_project_module(name) or name == "weasyprint")
        and not any(name == a or name.startswith(f"{a}.") for a in allowed)
    }
    assert hidden == set(), f"{module} imports {hidden} inside a function"


def test_make_test_runs_every_apps_tests():
    """pytest.ini's testpaths name every app with tests: an app left out would have its tests never run."""
    ini = (ROOT / "pytest.ini").read_text()
    testpaths = next(line for line in ini.splitlines() if line.startswith("testpaths")).split("=", 1)[1].split()
    with_tests = {path.parent.name for path in ROOT.glob("*/tests") if path.is_dir()}
    assert with_tests <= set(testpaths), f"not in pytest.ini's testpaths: {sorted(with_tests - set(testpaths))}"
