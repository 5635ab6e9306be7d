"""The repository layout keeps its promises (DESIGN §2)."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE = ROOT / "platform" / "fanlight" / "engine"
FORBIDDEN_IN_ENGINE = {"flask", "flask_htmx", "flask_wtf", "sqlalchemy", "wtforms", "alembic"}


def test_platform_is_a_source_root_not_a_package():
    assert not (ROOT / "platform" / "__init__.py").exists()
    assert not (ROOT / "platform" / "fanlight" / "__init__.py").exists(), "fanlight is a namespace over three roots"


def test_import_platform_from_the_repo_root_is_still_the_standard_library():
    out = subprocess.run(
        [sys.executable, "-c", "import platform, sysconfig; print(platform.system()); print(platform.__file__)"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert out[0] in {"Linux", "Darwin", "Windows"}
    assert Path(out[1]).resolve().parent != ROOT / "platform"
    assert "site-packages" not in out[1] and Path(out[1]).name == "platform.py"


def test_the_engine_imports_no_web_framework_database_or_form_library():
    """Checked twice: statically over every module, and by importing the engine in a clean process."""
    for path in ENGINE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN_IN_ENGINE, f"{path.relative_to(ROOT)} imports {name}"
    code = (
        "import sys, fanlight.engine, fanlight.engine.cli;"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(FORBIDDEN_IN_ENGINE)!r});"
        "print(','.join(bad))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_every_kind_ships_a_json_schema_that_editors_can_use():
    import json

    from jsonschema import Draft202012Validator

    from fanlight.engine.definitions.schema import KINDS

    schemas = sorted((ENGINE / "definitions" / "schemas").glob("*.schema.json"))
    assert sorted(p.name.split(".")[0] for p in schemas) == sorted(KINDS)
    for path in schemas:
        Draft202012Validator.check_schema(json.loads(path.read_text()))



MOST_MODULES = 12  # a folder past this wants splitting by feature (docs/architecture.md)


def folders_over_the_limit(roots: list[Path], most: int = MOST_MODULES) -> dict[str, int]:
    """{folder: its number of Python modules} for every folder under `roots` holding more than `most`."""
    found: dict[str, int] = {}
    for root in roots:
        for folder in [root, *(p for p in root.rglob("*") if p.is_dir() and "migrations" not in p.parts)]:
            count = len(list(folder.glob("*.py")))
            if count > most:
                found[folder.relative_to(root.parent).as_posix()] = count
    return found


def test_no_folder_of_the_product_holds_more_than_twelve_modules():
    roots = [ROOT / r / "fanlight" for r in ("platform", "renderers", "admin")]
    assert folders_over_the_limit(roots) == {}


def test_the_module_count_check_reports_a_crowded_folder(tmp_path):
    crowded = tmp_path / "fanlight" / "web"
    crowded.mkdir(parents=True)
    for n in range(MOST_MODULES):
        (crowded / f"m{n}.py").write_text("")
    assert folders_over_the_limit([tmp_path / "fanlight"]) == {}
    (crowded / "one_too_many.py").write_text("")
    assert folders_over_the_limit([tmp_path / "fanlight"]) == {"fanlight/web": MOST_MODULES + 1}
