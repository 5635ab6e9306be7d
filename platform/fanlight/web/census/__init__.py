"""The DfE Children in Need census (issue 10, item 5): the referral items the front door owns.

- `year`: a census year ("2026-27") and its dates;
- `items`: which referrals the census counts (`items.counts_as_cin_referral`, the rule a council
  reads) and each one's census items and gaps: pure functions;
- `gather`: the year's referrals from the database, on the front door's local calendar;
- `codes`: the census's code lists;
- `xml`: the DfE XML, written atomically; `validation`: the Data to Insight CIN validator's rules
  about those items, run on it; `export`: all three, for `fanlight census export`;
- `readiness_page`: /census/readiness, the referrals of a year missing a census code.
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("census", __name__, url_prefix="/census")


def register(app: Flask) -> None:
    from . import readiness_page  # noqa: F401, PLC0415  (its route)

    app.register_blueprint(blueprint)
