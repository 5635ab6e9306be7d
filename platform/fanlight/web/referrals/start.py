"""Your forms: starting one, telling drafts apart, and deleting a draft you no longer need."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from fanlight.engine import CompiledForm
from fanlight.engine.calendar.days import MONTH_NAMES, long_time
from fanlight.engine.definitions.model import EARLIER_REFERRAL

from .. import db, extensions
from ..access import policies
from ..access.guard import landing_for, signed_in_user
from ..access.permissions import landing, requires
from ..errors import Conflict
from ..models import Attachment, Draft, DraftStatus, Submission
from ..triage import deadlines
from . import blueprint as bp
from . import drafts, journey, prefill
from .context import DraftPage
from .context import recent as recent_evaluations


def _for_professionals(compiled: CompiledForm) -> bool:
    """Whether a form is one a referrer fills in: the front door's own (its decision) never is."""
    return compiled.form.audience != "front_door"


def offered(form_id: str) -> CompiledForm:
    """A live form this person's agency lets them use (its definition says which)."""
    compiled = extensions.catalogue().current(form_id)
    if compiled is None or not _for_professionals(compiled):
        abort(404)
    policies.require_form(form_id)
    return compiled


@bp.route("/")
@requires("account")
def home() -> Response:
    """Each role's own first page (a professional's is "Your forms")."""
    return redirect(landing_for(signed_in_user()))


@bp.route("/your-forms")
@requires("refer")
@landing(30)
def your_forms() -> str:
    """Forms to start; drafts by child, categories, progress and last saved; forms sent."""
    user = signed_in_user()
    in_progress, sent = drafts.forms_of(user)
    catalogue = extensions.catalogue()
    titles = {c.id: c.form.title for c in catalogue.forms()}
    offered = [c for c in catalogue.forms() if _for_professionals(c) and policies.can_use_form(user, c.id)]
    # "Start a new referral from this one" where the live form copies something from an earlier one.
    again = {c.id for c in offered if c.form.prefilled(EARLIER_REFERRAL)}
    most = drafts.most_drafts()
    return render_template("pages/referrals/your_forms.html", drafts=summarise(in_progress),
                           submissions=sent, titles=titles, forms=offered, start_again=again, most_drafts=most,
                           at_most=drafts.open_drafts(user) >= most)


@bp.route("/forms/<form_id>")
@requires("refer")
def start(form_id: str) -> str:
    return render_template("pages/referrals/start.html", compiled=offered(form_id))


@bp.route("/forms/<form_id>/drafts", methods=["POST"])
@requires("refer")
def new_draft(form_id: str) -> Response:
    compiled = offered(form_id)
    draft = start_draft(compiled)
    if draft is None:
        return redirect(url_for("referrals.your_forms"))
    return redirect(url_for("referrals.section", draft_id=draft.id, section_id=compiled.form.sections[0].id))


def start_draft(compiled: CompiledForm, earlier: Submission | None = None) -> Draft | None:
    """A new draft of `compiled` for the signed-in person, pre-filled from their account (and from
    `earlier`, a referral of theirs, when they start again from it); None, with a message, when
    they already have as many forms in progress as one person may."""
    user = signed_in_user()
    try:
        return drafts.new_draft(user, compiled, extensions.catalogue().live,
                                prefill.starting_answers(user, compiled, earlier))
    except drafts.TooManyDrafts as error:
        flash(f"You have {error.most} forms in progress, the most one person can have. Send or delete one of "
              "them, then start a new form.", "important")
        return None


def _title(draft: Draft) -> str:
    """The title of the form a draft was started on (even a version no longer served)."""
    catalogue = extensions.catalogue()
    compiled = catalogue.form_for(db.session(), draft) or catalogue.current(draft.form_id)
    return compiled.form.title if compiled is not None else draft.form_id


@bp.route("/drafts/<draft_id>/delete", methods=["GET", "POST"])
@requires("refer")
def delete_draft(draft_id: str) -> str | Response:
    """"Are you sure?", then the draft and its uploaded files are deleted (only its owner's, only unsent)."""
    draft = policies.own_draft(draft_id)
    sent = Conflict("This form has been sent", "A form you have sent cannot be deleted. It is kept by the Family "
                    "Front Door: find it under Submitted on Your forms.")
    if draft.status != DraftStatus.DRAFT:
        raise sent
    title = _title(draft)
    if request.method == "GET":
        files = db.session().scalar(select(func.count()).select_from(Attachment)
                                    .where(Attachment.draft_id == draft.id)) or 0
        return render_template("pages/referrals/delete_draft.html", draft=draft, title=title, files=files,
                               summary=summarise([draft])[0])
    if drafts.delete(draft, "deleted by its owner") is None:
        raise sent  # sent from another tab since this page was shown
    recent_evaluations.forget(draft.id)
    flash(f"Your {title.lower()} form has been deleted, with any files you uploaded to it.", "success")
    return redirect(url_for("referrals.your_forms"))

# What Your forms says of each draft -------------------------------------------------------------
# What *Your forms* says about each draft, so a person can tell their drafts apart: the child or
# children it is about, the categories of concern chosen, how far it has got and when it was last saved.
#
# Progress is the task list's own count ("You have completed 3 of 9 sections": journey.statuses over
# the draft's evaluation), so the two pages always agree. It is computed when the page is shown, not
# stored: one evaluation per draft, about 1 ms for a complete referral, so 50 drafts (the most one
# person may hold, FANLIGHT_DRAFTS_PER_PERSON) add about 50 ms to the page
# (tests/web/referrals/test_your_forms.py measures it).

log = logging.getLogger(__name__)
CHILDREN, FORENAME, SURNAME, UNBORN, DUE = "children", "child_forename", "child_surname", "unborn", "child_edd"
CATEGORIES = "categories"
NO_CHILD = "No child named yet"
MOST_NAMES = 3  # "Leo Smith, Mia Smith, Ava Smith and 2 more children"


@dataclass(frozen=True)
class DraftSummary:
    draft: Draft
    title: str  # the form's, e.g. "Cause for concern"
    children: str  # "Leo Smith and unborn baby (due 3 March 2027)", or "No child named yet"
    concerns: tuple[str, ...]  # the chosen categories' labels, in the order the form lists them
    done: int | None  # sections completed, of `needed` (None: the form version is no longer served)
    needed: int | None
    saved: str  # "30 November 2026 at 8:37am GMT"

    @property
    def about(self) -> str:
        """'cause for concern about Leo Smith', 'cause for concern with no child named yet'."""
        return f"{self.title.lower()} " + ("with no child named yet" if self.children == NO_CHILD else f"about {self.children}")

    @property
    def progress(self) -> str:
        if self.done is None or self.needed is None:
            return "Not known"
        return f"{self.done} of {self.needed} sections completed"


def summarise(drafts: Iterable[Draft]) -> list[DraftSummary]:
    catalogue = extensions.catalogue()
    s = db.session()
    return [_summary(d, catalogue.form_for(s, d), catalogue.current(d.form_id)) for d in drafts]


def _summary(draft: Draft, pinned: CompiledForm | None, live: CompiledForm | None) -> DraftSummary:
    answers = draft.answers if isinstance(draft.answers, dict) else {}
    named_by = live or pinned
    title = named_by.form.title if named_by is not None else draft.form_id
    done = needed = None
    if pinned is not None:
        try:
            listed = [st for st in DraftPage(draft, pinned).statuses() if st.visible]
        except Exception:  # noqa: BLE001 (one draft the engine cannot evaluate must not hide the others)
            log.exception("no progress for draft %s", draft.id)
        else:
            needed = len(listed)
            done = sum(1 for st in listed if st.status == journey.COMPLETED)
    return DraftSummary(draft, title, children_named(answers.get(CHILDREN)),
                        concerns(answers.get(CATEGORIES), live, pinned), done, needed, saved_at(draft.updated_at))


def children_named(children: Any) -> str:
    """The children a draft is about, by name: an unborn baby by its expected date."""
    names = [n for n in (_child(c) for c in children if isinstance(c, Mapping)) if n] if isinstance(children, list) else []
    if not names:
        return NO_CHILD
    if len(names) > MOST_NAMES + 1:
        names = [*names[:MOST_NAMES], f"{len(names) - MOST_NAMES} more children"]
    said = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return said[0].upper() + said[1:]


def _child(child: Mapping[str, Any]) -> str:
    if child.get(UNBORN) is True:
        due = _date(child.get(DUE))
        return f"unborn baby (due {due})" if due else "unborn baby"
    return " ".join(p.strip() for p in (child.get(FORENAME), child.get(SURNAME)) if isinstance(p, str) and p.strip())


def _date(value: Any) -> str:
    try:
        day = datetime.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return ""
    return f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}" if day else ""


def concerns(chosen: Any, *forms: CompiledForm | None) -> tuple[str, ...]:
    """The chosen categories' labels, as the live form words them (the draft's own version's words
    for one the live form no longer has; the stored value if neither has it)."""
    if not isinstance(chosen, list):
        return ()
    labels: dict[str, str] = {}
    order: dict[str, int] = {}
    for compiled in reversed([f for f in forms if f is not None]):  # the live form's words win
        field = next((f for f in compiled.form.top_fields() if f.id == CATEGORIES), None)
        for i, option in enumerate(field.options if field is not None else ()):
            labels[option.value] = option.label
            order[option.value] = i
    values = list(dict.fromkeys(v for v in chosen if isinstance(v, str)))
    values.sort(key=lambda v: order.get(v, len(order)))
    return tuple(labels.get(v, v) for v in values)


def saved_at(moment: datetime.datetime) -> str:
    """'30 November 2026 at 8:37am GMT': in the front door's time zone, named."""
    return long_time(deadlines.local(moment))
