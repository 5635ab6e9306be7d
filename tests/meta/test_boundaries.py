"""The import boundaries between Fanlight's parts (docs/architecture.md), checked on the source.

- the engine imports nothing else of Fanlight;
- the renderers import nothing of the web runtime or the back office;
- `fanlight.web.app` (the composition root) is the only module of platform/ that imports the
  back office (`fanlight.admin`);
- the web layer's shared modules (access, definitions, models, clock, db, errors, ...) import no
  feature package; a feature package never imports another feature package's private names
  (those starting with `_`);
- the back office uses the web layer only through its shared modules (and accounts.service,
  api.clients and delivery.records: making accounts and API clients, resending and cancelling
  deliveries).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = ("platform", "renderers", "admin")
FEATURES = ("accounts", "referrals", "triage", "dashboards", "census", "api", "delivery")
COMPOSITION_ROOT = "fanlight.web.app"
# What the back office may use of the web layer: its shared modules, and making accounts.
ADMIN_MAY_USE = ("access", "definitions", "models", "clock", "db", "errors", "extensions", "mail", "security",
                 "accounts.service", "api.clients", "delivery.records", "config")


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # the module imported from
    names: tuple[str, ...]  # the names imported from it (empty for `import x`)


def modules() -> dict[str, str]:
    """{module name: source} of every Python module of Fanlight (migrations excluded). A package's
    `__init__` is named `package.__init__`, so its relative imports resolve from the package."""
    found: dict[str, str] = {}
    for root in (ROOT / r for r in SOURCE_ROOTS):
        for path in sorted(root.rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if "migrations" not in parts:
                found[".".join(parts)] = path.read_text(encoding="utf-8")
    return found


def imports(name: str, source: str) -> Iterator[Import]:
    package = name.rsplit(".", 1)[0]  # relative imports resolve from the module's package
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, ())
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(a.name for a in node.names)
            yield Import(name, base, names)
            for alias in node.names:  # `from package import module` imports the module too
                yield Import(name, f"{base}.{alias.name}", ())


def _feature(module: str) -> str | None:
    parts = module.split(".")
    if len(parts) >= 3 and parts[:2] == ["fanlight", "web"] and parts[2] in FEATURES:
        return parts[2]
    return None


def _shared_web(module: str) -> bool:
    parts = module.split(".")
    return parts[:2] == ["fanlight", "web"] and len(parts) >= 3 and _feature(module) is None and module != COMPOSITION_ROOT


def crossings(sources: dict[str, str]) -> list[str]:
    """Every import that crosses a boundary, as `importer -> imported: rule`."""
    found: set[str] = set()
    for name, source in sources.items():
        importer = name.removesuffix(".__init__")
        for imp in imports(name, source):
            rule = _rule(importer, imp.target, imp.names)
            if rule:
                found.add(f"{importer} -> {imp.target}: {rule}")
    return sorted(found)


def _rule(importer: str, target: str, names: tuple[str, ...]) -> str:
    if not target.startswith("fanlight."):
        return ""
    if importer.startswith("fanlight.engine") and not target.startswith("fanlight.engine"):
        return "the engine imports nothing else of Fanlight"
    if importer.startswith("fanlight.renderers") and target.startswith(("fanlight.web", "fanlight.admin")):
        return "the renderers import nothing of the web runtime or the back office"
    if target.startswith("fanlight.admin") and not importer.startswith("fanlight.admin") and importer != COMPOSITION_ROOT:
        return f"only {COMPOSITION_ROOT} imports the back office"
    if _shared_web(importer) and _feature(target):
        return "the web layer's shared modules import no feature package"
    importer_feature, target_feature = _feature(importer), _feature(target)
    if importer_feature and target_feature and importer_feature != target_feature:
        private = [n for n in names if n.startswith("_")] + [p for p in target.split(".") if p.startswith("_")]
        if private:
            return f"a feature never imports another feature's private names ({', '.join(private)})"
    if importer.startswith("fanlight.admin") and target.startswith("fanlight.web."):
        used = target.removeprefix("fanlight.web.")
        if not any(used == allowed or used.startswith(allowed + ".") for allowed in ADMIN_MAY_USE):
            return "the back office uses only the web layer's shared modules"
    return ""


def test_no_import_crosses_a_boundary():
    assert crossings(modules()) == []


def test_only_the_composition_root_of_platform_imports_the_back_office():
    importers = {imp.module.removesuffix(".__init__") for name, source in modules().items()
                 if not name.startswith("fanlight.admin") for imp in imports(name, source)
                 if imp.target.startswith("fanlight.admin")}
    assert importers == {COMPOSITION_ROOT}


# The test of the test: every rule fails on a crossing made for it --------------------------------------


CROSSINGS = {
    "fanlight.engine.leak": "from fanlight.web import db\n",
    "fanlight.renderers.leak": "from fanlight.admin import workflow\n",
    "fanlight.web.referrals.leak": "import fanlight.admin.views\n",
    "fanlight.web.clock": "from fanlight.web.referrals import drafts\n",
    "fanlight.web.accounts.leak": "from fanlight.web.referrals.sections import _anchor_after\n",
    "fanlight.web.triage.leak": "from ..referrals import _private\n",
    "fanlight.admin.leak": "from fanlight.web.referrals import sections\n",
    "fanlight.console.leak": "from fanlight.admin import workflow\n",
}


def test_the_boundary_check_reports_every_kind_of_crossing():
    found = crossings(CROSSINGS)
    for module in CROSSINGS:
        assert any(line.startswith(f"{module} ->") for line in found), (module, found)


def test_imports_within_a_feature_and_from_shared_modules_are_allowed():
    allowed = {
        "fanlight.web.referrals.sections": "from . import drafts\nfrom ..access import policies\nfrom fanlight.engine import evaluate\n",
        "fanlight.web.app": "import fanlight.admin\nfrom .referrals import register\n",
        "fanlight.admin.workflow": "from fanlight.web.definitions import registry\nfrom fanlight.web.models import Change\n",
        "fanlight.web.triage.queue": "from ..referrals.submissions import submission_for\n",
    }
    assert crossings(allowed) == []
