"""`fanlight census export` as a person runs it: a process of its own, its summary on stderr, the file
written whole, and its exit code (0 written and valid, 1 written with gaps or problems, 2 bad usage)."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from flask import Flask

from tests.support.factories import DEFINITIONS
from tests.web.census.support import Seeded, child, decide, received

ROOT = Path(__file__).resolve().parents[3]


def census_export(app: Flask, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment: dict[str, Any] = {
        **os.environ, "DATABASE_URL": app.config["DATABASE_URL"], "FANLIGHT_DEFINITIONS": str(DEFINITIONS),
        "FANLIGHT_INSTANCE": app.instance_path, "FANLIGHT_SECRET_KEY": app.config["SECRET_KEY"],
        "FANLIGHT_DEMO_ACCOUNTS": "0", **env}
    if "FANLIGHT_LA_CODE" not in env:
        environment.pop("FANLIGHT_LA_CODE", None)
    command = [sys.executable, "-c", "import sys; from fanlight.console import main; sys.exit(main())",
               "census", "export", *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180, check=False)


def test_written_with_missing_codes_it_exits_1_and_says_which(app, seeded: Seeded, tmp_path):
    (tmp_path / "census").mkdir()
    out = tmp_path / "census" / "cin-2026-27.xml"
    done = census_export(app, "--year", "2026-27", "--out", str(out), FANLIGHT_LA_CODE="938")
    assert done.returncode == 1, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0] == f"census 2026-27 written to {out}"
    assert lines[1] == ("referrals: 4 in the census, 1 awaiting a decision, 1 resolved at the front door "
                        "(not CSC referrals), 0 withdrawn")
    assert lines[2] == "children: 5 (4 with every item)"
    assert lines[3] == "items missing: 4"
    assert f"  {seeded.ref(app, 'undecided')}: no decision yet" in lines
    assert any(line.startswith("validator problems: 2 (csc-validator-be-cin cin2026_27, 30 rules: 100, 1510,")
               for line in lines)
    assert lines[-1] == "written, with missing items and validator problems"
    assert len(ET.parse(out).getroot().findall("Children/Child")) == 5  # noqa: S314
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left beside it


def test_written_and_valid_it_exits_0(app, staff, tmp_path):
    referral = received(app, staff.teacher, datetime.datetime(2026, 5, 5, 9, 0, tzinfo=datetime.UTC),
                        child("Ivy", dob="2022-01-07"))
    decide(app, staff, referral, "cin_s17", "N2")
    out = tmp_path / "cin.xml"
    done = census_export(app, "--year", "2026-27", "--out", str(out), "--la-code", "938")
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "written: every item present, and the validator found no problem"
    assert len(ET.parse(out).getroot().findall("Children/Child")) == 1  # noqa: S314


def test_bad_usage_exits_2_and_writes_nothing(app, tmp_path):
    out = tmp_path / "cin.xml"
    for args, said in ((("--year", "2026-2027"), "is not a census year"), (("--year", "2026-28"), "must follow"),
                       (("--year", "2020-21"), "from 2024-25 on"),
                       (("--year", "2026-27", "--la-code", "93"), "three digits")):
        done = census_export(app, *args, "--out", str(out))
        assert done.returncode == 2 and said in done.stderr, done.stderr
    done = census_export(app, "--year", "2026-27", "--out", str(tmp_path / "no-such-folder" / "cin.xml"))
    assert done.returncode == 2 and "nothing was written" in done.stderr, done.stderr
    assert census_export(app, "--out", str(out)).returncode == 2  # no --year: argparse's usage error
    assert not out.exists()
