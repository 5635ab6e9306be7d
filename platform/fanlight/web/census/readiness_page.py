"""/census/readiness: how ready a year's census is, and the referrals missing a census code, each
linked to its referral page. A GET form chooses the year (it works with JavaScript off). Managers
and front-door officers may read it (`triage`); the navigation links it for managers."""

from __future__ import annotations

from flask import render_template, request

from .. import clock
from ..access.permissions import requires
from ..triage import deadlines, decisions
from . import blueprint as bp
from . import gather
from .export import LA_CODE_VARIABLE, BadLaCode, la_code
from .items import CSC_REFERRAL_OUTCOMES, Standing
from .year import FIRST_YEAR, CensusYear, NotACensusYear

STANDINGS = {
    Standing.REFERRAL: "In the census",
    Standing.AWAITING_DECISION: "Awaiting a decision",
}


def _years(current: CensusYear) -> list[CensusYear]:
    return [CensusYear(y) for y in range(current.start, FIRST_YEAR - 1, -1)]


def _chosen(current: CensusYear) -> CensusYear:
    try:
        chosen = CensusYear.parse(request.args.get("year", ""))
    except NotACensusYear:
        return current
    return chosen if chosen <= current else current


def _la_code_set() -> bool:
    try:
        return la_code(None) is not None
    except BadLaCode:
        return False


@bp.route("/readiness")
@requires("triage")
def readiness() -> str:
    current = CensusYear.of(deadlines.local(clock.now()).date())
    year = _chosen(current)
    census = gather.census(year)
    counted_as = [decisions.label("outcome", o) for o in CSC_REFERRAL_OUTCOMES]
    return render_template("pages/census/readiness.html", census=census, year=year, years=_years(current),
                           standings=STANDINGS, counted_as=counted_as, Standing=Standing,
                           la_code_set=_la_code_set(), la_code_variable=LA_CODE_VARIABLE)
