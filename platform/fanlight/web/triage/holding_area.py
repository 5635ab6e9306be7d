"""The holding area: every referral the front door has received, filtered, sorted and paged
(issue 9, item 1). A GET form: every filter and sort is in the query string, so it survives a
reload and works with JavaScript off. With it, the table refreshes itself every minute: an htmx request
gets the table region alone (its poll does not count as activity: see accounts.sessions)."""

from __future__ import annotations

from flask import render_template, request

from .. import clock
from ..access.guard import signed_in_user
from ..access.permissions import landing, requires
from ..models import ReferralStatus
from . import blueprint as bp
from . import queue, summary


@bp.route("/")
@requires("triage")
@landing(20)  # before "Your forms" (30): an officer also has `refer`, but works here
def holding_area() -> str:
    user = signed_in_user()
    choices = queue.choices_for()
    chosen = queue.QueueFilter.from_args(request.args, user.id, choices)
    now = clock.now()
    page = chosen.page_of(now)
    refresh = bool(request.headers.get("HX-Request"))  # the page's own poll: the table region alone
    template = "pages/triage/_holding_table.html" if refresh else "pages/triage/holding_area.html"
    return render_template(template, filter=chosen, choices=choices, page=page,
                           rows=summary.summaries(page.rows, now), statuses=[(queue.OPEN, "Open (a decision still owed)"), *((s.value, s.label) for s in ReferralStatus)])
