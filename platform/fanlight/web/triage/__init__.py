"""The front door (issue 9): referrals received, claimed, rated, asked about and decided.

Services, for the holding area and the referral page:

- `workflow`: every action on a referral (claim, assign, release, set_rag, move and its named
  moves), each a compare-and-set with its append-only event in one transaction;
- `history`: a referral's events, and the fold that rebuilds its state from them;
- `deadlines`: the decision clock, from the front door's working calendar (a definition);
- `decisions`: the front door's decision, a Fanlight form (front-door-decision.yaml) whose rules say
  what a decision needs, and the referrer's outcome email;
- `queue`: the holding area's filter model (shared with the dashboards), `summary`: a referral at a glance.

Pages (blueprint "triage", at /front-door): `holding_area` (the list), `referral_page` (one
referral and the actions on it), `decision_page` (recording the decision).
"""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("triage", __name__, url_prefix="/front-door")


def register(app: Flask) -> None:
    from . import decision_page, holding_area, referral_page  # noqa: F401, PLC0415  (their routes)

    app.register_blueprint(blueprint)
