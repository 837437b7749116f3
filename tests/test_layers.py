"""Which package may import which: ``store`` never imports ``sync`` (the sync engine and the
server build on the store, not the other way round), and no runtime module imports a
migration (so migrations can be squashed)."""
from __future__ import annotations

import ast
from pathlib import Path

import supervision_app

PACKAGE = Path(supervision_app.__file__).resolve().parent


def _imports(path: Path) -> set[str]:
    """Absolute names of the modules ``path`` imports, also through importlib strings."""
    module = ".".join(("supervision_app", *path.relative_to(PACKAGE).with_suffix("").parts))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rsplit(".", 1)[0]
            name = (f"{base}.{node.module}" if node.module else base) if node.level else node.module
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", ""))
              == "import_module" and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(str(node.args[0].value))
    return found


def _sources(under: str = "") -> list[Path]:
    return sorted((PACKAGE / under).rglob("*.py"))


def test_store_does_not_import_sync():
    offenders = {str(p.relative_to(PACKAGE)): sorted(n for n in _imports(p) if n.startswith("supervision_app.sync"))
                 for p in _sources("store")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_runtime_module_imports_a_migration():
    offenders = {}
    for path in _sources():
        if "migrations" in path.relative_to(PACKAGE).parts:
            continue
        found = sorted(n for n in _imports(path) if ".migrations.versions" in n)
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}
