"""Deliveries for administrators (issue 14, item 4): decided referrals on their way to the council's
case system, by state, with how many of each; one delivery with its attempts (never its payload: the child's details are the front door's to read); resend
one (from dead, cancelled or sent) or cancel one (pending, sent or dead). Each change is a
compare-and-set in fanlight.web.delivery.records: a delivery that moved on since the page was drawn
is refused with a banner, and nothing changes. Each change writes an audit row in its transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from fanlight.web import db
from fanlight.web.access.audit import audit
from fanlight.web.access.permissions import requires
from fanlight.web.config import destination_variable, find_destination
from fanlight.web.delivery.records import NotChanged
from fanlight.web.delivery.records import cancel as cancel_delivery
from fanlight.web.delivery.records import resend as resend_delivery
from fanlight.web.models import Delivery, DeliveryAttempt, DeliveryState, Submission

from .wording import at

bp = Blueprint("deliveries", __name__, url_prefix="/admin/deliveries", template_folder="templates")

S = DeliveryState
PAGE_SIZE = 50
# What an operator may do from each state (records.resend and records.cancel check it again).
RESENDABLE = (S.SENT, S.DEAD, S.CANCELLED)
CANCELLABLE = S.sources(S.CANCELLED)
TAG: dict[str, str] = {S.PENDING: "blue", S.SENDING: "light-blue", S.SENT: "yellow", S.DELIVERED: "green", S.DEAD: "red",
       S.CANCELLED: "grey"}
STATE_NAMES: dict[str, str] = {S.PENDING: "Waiting", S.SENDING: "Sending", S.SENT: "Sent, awaiting acknowledgement",
               S.DELIVERED: "Delivered", S.DEAD: "Dead", S.CANCELLED: "Cancelled"}


@dataclass(frozen=True)
class Tab:
    id: str
    title: str
    states: tuple[str, ...]


TABS = (
    Tab("waiting", "Waiting", (S.PENDING, S.SENDING)),
    Tab("sent", "Sent awaiting acknowledgement", (S.SENT,)),
    Tab("dead", "Dead", (S.DEAD,)),
    Tab("delivered", "Delivered", (S.DELIVERED,)),
    Tab("cancelled", "Cancelled", (S.CANCELLED,)),
    Tab("all", "All", tuple(S)),
)
BY_ID = {t.id: t for t in TABS}


@dataclass(frozen=True)
class Row:
    delivery: Delivery
    reference: str


def not_configured(destination: str) -> str:
    """Why nothing will reach `destination` ("" if it has an address)."""
    if find_destination(destination, current_app.config) is not None:
        return ""
    return f"Not configured: set {destination_variable(destination)}"


def counts() -> dict[str, int]:
    """How many deliveries are in each tab."""
    by_state: dict[str, int] = {str(state): n for state, n in db.session().execute(
        select(Delivery.state, func.count()).group_by(Delivery.state))}
    return {t.id: sum(by_state.get(s, 0) for s in t.states) if t.id != "all" else sum(by_state.values())
            for t in TABS}


def listed(tab: Tab, page: int) -> list[Row]:
    """The deliveries in the tab, newest first, a page at a time."""
    query = select(Delivery, Submission.reference).join(Submission, Submission.id == Delivery.submission_id)
    if tab.id != "all":
        query = query.where(Delivery.state.in_(tab.states))
    query = query.order_by(Delivery.created_at.desc(), Delivery.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return [Row(d, reference) for d, reference in db.session().execute(query)]


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1


def _common() -> dict[str, Any]:
    return {"at": at, "not_configured": not_configured, "tag": TAG, "state_names": STATE_NAMES, "S": S}


@bp.route("/")
@requires("manage_users")
def index() -> str:
    tab = BY_ID.get(request.args.get("state", ""), TABS[0])
    page = _page_number()
    found = counts()
    pages = max(1, -(-found[tab.id] // PAGE_SIZE))
    page = min(page, pages)
    return render_template("admin/deliveries.html", tabs=TABS, tab=tab, counts=found, rows=listed(tab, page),
                           page=page, pages=pages, **_common())


def _delivery(delivery_id: int) -> Row:
    found = db.session().execute(select(Delivery, Submission.reference)
                                 .join(Submission, Submission.id == Delivery.submission_id)
                                 .where(Delivery.id == delivery_id)).first()
    if found is None:
        abort(404)
    return Row(found[0], found[1])


@bp.route("/<int:delivery_id>")
@requires("manage_users")
def show(delivery_id: int) -> str:
    row = _delivery(delivery_id)
    attempts = list(db.session().scalars(select(DeliveryAttempt).where(DeliveryAttempt.delivery_id == delivery_id)
                                         .order_by(DeliveryAttempt.number, DeliveryAttempt.id)))
    return render_template("admin/delivery.html", delivery=row.delivery, reference=row.reference, attempts=attempts,
                           payload_keys=sorted(row.delivery.payload or {}), may_resend=row.delivery.state in RESENDABLE,
                           may_cancel=row.delivery.state in CANCELLABLE, **_common())


def _act(delivery_id: int, verb: str, event: str, move: Callable[[Session, int], None], done: str) -> Response:
    """Audit and move in one transaction (the move commits both, or rolls both back)."""
    row = _delivery(delivery_id)
    d = row.delivery
    s = db.session()
    audit(event, f"delivery {d.id} ({d.key}) of {row.reference} to {d.destination}: was {d.state}")
    try:
        move(s, d.id)
    except NotChanged:
        s.rollback()
        now = s.get(Delivery, d.id)
        state = STATE_NAMES.get(now.state, now.state).lower() if now is not None else "gone"
        flash(f"The delivery of {row.reference} to {d.destination} could not be {verb}: it is {state} now. "
              "Nothing was changed.", "important")
    else:
        flash(done.format(reference=row.reference, destination=d.destination), "success")
    return redirect(url_for("deliveries.show", delivery_id=d.id), code=303)


@bp.route("/<int:delivery_id>/resend", methods=["POST"])
@requires("manage_users")
def resend(delivery_id: int) -> Response:
    return _act(delivery_id, "resent", "delivery_resent", resend_delivery,
                "You resent {reference} to {destination}: it will be sent again shortly.")


@bp.route("/<int:delivery_id>/cancel", methods=["POST"])
@requires("manage_users")
def cancel(delivery_id: int) -> Response:
    return _act(delivery_id, "cancelled", "delivery_cancelled", cancel_delivery,
                "You cancelled the delivery of {reference} to {destination}: it will not be sent again unless you resend it.")
