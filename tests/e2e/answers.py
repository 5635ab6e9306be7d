"""Answers the browser tests type in: a missing-child referral, built from the bundled
complete-referral scenario (definitions/tests/cause-for-concern-complete.yaml) with the
concern changed from neglect to a child missing from home.
"""

from __future__ import annotations

import copy
import datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[2]
NEGLECT_ONLY = ("basic_care_concerns", "neglect_duration", "neglect_support_tried")


@cache
def _scenario() -> dict[str, Any]:
    tests = yaml.safe_load((REPO / "definitions" / "tests" / "cause-for-concern-complete.yaml").read_text())
    answers: dict[str, Any] = tests["scenarios"][0]["answers"]
    return answers


def missing_child_referral(*, people: int = 1) -> dict[str, Any]:
    """A complete cause-for-concern referral about a child missing from home.

    `people` keeps the first N children and household members (1 for the journeys typed
    through the pages, to keep them quick; all of them when answers are stored directly).
    """
    answers = copy.deepcopy(_scenario())
    for key in NEGLECT_ONLY:
        answers.pop(key)
    answers["children"] = answers["children"][:people]
    answers["household_members"] = answers["household_members"][:people]
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    answers["consent"]["date"] = (yesterday - datetime.timedelta(days=1)).isoformat()
    answers.update(
        categories=["missing"],
        primary_category="missing",
        missing_from="home",
        date_time_missing=f"{yesterday.isoformat()}T18:30",
        still_missing=True,
        reported_to_police=True,
        missing_police_reference="WM-2611-0042",
        episodes_last_90_days=2,
        exploitation_concerns=False,
        concern_description=(
            "Jordan did not come home after school yesterday. His mother rang the school at 6.30pm; he "
            "was last seen leaving the school gates with two older boys. He has been missing once "
            "before this term, for one night, and would not say where he had been."
        ),
    )
    return answers
