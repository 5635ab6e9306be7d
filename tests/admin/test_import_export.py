"""Definitions exported to a folder and imported back as a change, through the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from fanlight.admin import workflow
from fanlight.web.definitions import registry
from fanlight.web.models import Change, ChangeItem
from tests.admin.workbench_helpers import CFC, NEW_WORDING, OLD_WORDING, actions, in_service, person
from tests.support.factories import REPO, audit_rows, count, database

# Import and export ----------------------------------------------------------------------------------------


def _cli(app: Flask, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(REPO / "definitions"),
           "FANLIGHT_INSTANCE": app.instance_path, "SECRET_KEY": "cli-test", "FANLIGHT_DEMO_ACCOUNTS": "0"}
    return subprocess.run([str(Path(sys.executable).parent / "fanlight"), *args], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)


def test_export_then_import_round_trips_through_review(app, lead, reviewer, tmp_path):
    exported = tmp_path / "exported"
    result = _cli(app, "definitions", "export", str(exported))
    assert result.returncode == 0, result.stderr
    with database(app) as s:
        assert registry.folder_texts(exported) == registry.texts_of(s, registry.live_id(s) or 0)
    result = _cli(app, "definitions", "import", str(exported), "--author", lead.email)
    assert result.returncode == 0 and "nothing to import" in result.stdout, result.stdout + result.stderr

    target = exported / "forms" / "cause-for-concern.yaml"
    target.write_text(target.read_text().replace(OLD_WORDING, NEW_WORDING))
    result = _cli(app, "definitions", "import", str(exported), "--author", lead.email, "--title", "From git")
    assert result.returncode == 0, result.stderr
    assert "is in review (1 file(s), 0 problem(s))" in result.stdout
    with database(app) as s:
        change = s.scalars(select(Change).where(Change.title == "From git")).one()
        assert [i.path for i in s.scalars(select(ChangeItem).where(ChangeItem.change_id == change.id))] == [CFC]
        change_id = change.id
    assert actions(app, change_id) == ["import"]
    in_service(app, lambda s: workflow.approve(s, s.get(Change, change_id), person(s, reviewer)))
    in_service(app, lambda s: workflow.publish(s, s.get(Change, change_id), person(s, reviewer)))

    again = tmp_path / "again"
    assert _cli(app, "definitions", "export", str(again)).returncode == 0
    assert (again / CFC).read_text() == target.read_text().replace("version: 1\n", "version: 2\n", 1)
    assert registry.folder_texts(again).keys() == registry.folder_texts(exported).keys()

    broken = tmp_path / "broken"
    (broken / "forms").mkdir(parents=True)
    (broken / "forms" / "cause-for-concern.yaml").write_text(target.read_text().replace("type: consent", "type: nonsense"))
    result = _cli(app, "definitions", "import", str(broken), "--author", lead.email, "--title", "Broken")
    assert result.returncode == 1 and "is draft" in result.stdout and "forms/cause-for-concern.yaml:" in result.stderr
    assert _cli(app, "definitions", "import", str(broken), "--author", "nobody@example.org").returncode == 2


def test_import_refuses_unsafe_file_names(app, lead):
    with pytest.raises(workflow.NotAllowed, match="cannot be imported"):
        in_service(app, lambda s: workflow.import_folder(s, person(s, lead), {"../escape.yaml": "kind: form\n"}, "x"))
    assert count(app, Change) == 0


def test_an_import_by_someone_who_may_not_draft_changes_is_refused_and_audited(app, reviewer, tmp_path):
    folder = tmp_path / "from-git"
    (folder / "forms").mkdir(parents=True)
    (folder / CFC).write_text((REPO / "definitions" / CFC).read_text().replace(OLD_WORDING, NEW_WORDING))
    result = _cli(app, "definitions", "import", str(folder), "--author", reviewer.email)
    assert result.returncode == 2 and "Your role cannot import definitions" in result.stderr
    assert count(app, Change) == 0
    denials = audit_rows(app, "access_denied")
    assert len(denials) == 1 and denials[0].actor_email == reviewer.email
    assert denials[0].remote_addr == "command line"
