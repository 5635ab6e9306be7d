"""The task list and the sections: show, save (with add/remove for lists), live updates, carry forward."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from fanlight.engine import CompiledForm, Evaluation
from fanlight.engine.definitions import model as m
from fanlight.renderers import html_form

from .. import clock, db, extensions
from ..access.permissions import holdable, requires
from ..errors import Conflict, error_page
from ..models import Draft
from . import blueprint as bp
from . import drafts, journey
from .context import DraftPage, Sent, evaluate_draft, evaluate_now, open_draft, posted_revision, to_submission


@bp.errorhandler(Sent)
def _sent(error: Sent) -> Response:
    """Any page of a draft that has been sent (a double click, a replay, an old tab) leads to its submission."""
    return to_submission(error.draft)


def live_draft(draft_id: str) -> DraftPage:
    """For requests that change a draft in place (autosave, uploads): a sent draft is a conflict."""
    try:
        return open_draft(draft_id)
    except Sent:
        raise Conflict() from None


@bp.route("/drafts/<draft_id>")
@requires("refer")
def task_list(draft_id: str) -> str:
    page = open_draft(draft_id)
    return render_template("pages/referrals/task_list.html", compiled=page.compiled, draft=page.draft,
                           evaluation=page.evaluation, sections=page.statuses(),
                           newer=_newer_version(page.draft, page.compiled), new_questions=session.pop("new_questions", None))


def _newer_version(draft: Draft, compiled: CompiledForm) -> CompiledForm | None:
    """The live version of this draft's form, if it differs from the one the draft is on."""
    live = extensions.catalogue().current(draft.form_id)
    if live is None or live.form.content_hash == compiled.form.content_hash:
        return None
    return live


@bp.route("/drafts/<draft_id>/carry-forward", methods=["POST"])
@requires("refer")
def carry_forward(draft_id: str) -> Response:
    """Move a draft to the newest version of its form, keeping every answer whose question remains."""
    page = open_draft(draft_id)
    newer = _newer_version(page.draft, page.compiled)
    live = extensions.catalogue().live
    if newer is not None and live is not None:
        try:
            session["new_questions"] = drafts.carry_forward(page.draft, posted_revision(), page.compiled, newer, live)
        except drafts.StaleRevision:
            raise Conflict() from None
    return redirect(url_for("referrals.task_list", draft_id=draft_id))


@bp.route("/drafts/<draft_id>/resume")
@requires("refer")
def resume(draft_id: str) -> Response:
    open_draft(draft_id)
    return redirect(url_for("referrals.task_list", draft_id=draft_id))


@bp.route("/drafts/<draft_id>/sections/<section_id>")
@requires("refer")
def section(draft_id: str, section_id: str) -> str:
    page = open_draft(draft_id)
    return section_page(page, page.section(section_id), page.answers,
                        show_errors=request.args.get("check") == "1")[0]


def section_page(page: DraftPage, sec: m.Section, answers: dict[str, Any], *, show_errors: bool,
                 status: int = 200, conflict: bool = False, extra_errors: list[Any] | None = None,
                 warned: bool = False) -> tuple[str, int]:
    """The section's page. `warned`: it was just saved and has warnings the page has not shown
    yet: they are listed in a banner at the top (each a link to its question), and posted back
    so that "Save and continue" pressed again carries on."""
    saved = answers is page.answers and not extra_errors
    evaluation = page.evaluation if saved else evaluate_now(page.compiled, answers)
    errors = (journey.errors_in(sec, evaluation, page.compiled) if show_errors else []) + (extra_errors or [])
    context = _page_context(page, sec, answers, evaluation, errors)
    shown = journey.warnings_in(sec, evaluation, page.compiled) if warned else []
    return render_template("pages/referrals/section.html", conflict=conflict, warned=shown,
                           warned_keys=[journey.warning_key(w) for w in shown],
                           parts=_parts(page, sec, context, saved=saved, show_errors=show_errors), **context), status


# The parts of a section page that live updates swap too; each a function of what is in `context`.
PARTS = ("partials/section_fields.html", "partials/section_nav.html", "partials/threshold_panel.html")
rendered_with: journey.KeptWith[Evaluation] = journey.KeptWith()  # kept as long as its evaluation


def _parts(page: DraftPage, sec: m.Section, context: dict[str, Any], *, saved: bool, show_errors: bool) -> list[Markup]:
    """The section's fields, its list of sections and the threshold panel: two thirds of drawing a
    page. Of saved answers they depend only on the shared evaluation, the draft's revision and the
    section (the URLs on the app's root too), so they are drawn once per evaluation: a page shown
    again, or after the save that evaluated it, is not drawn again."""
    def draw() -> list[Markup]:
        drawn = _parts_context(page, context)
        return [Markup(render_template(name, **drawn)) for name in PARTS]  # noqa: S704  # nosec B704 # Jinja output, autoescaped

    if not saved:
        return draw()
    key = (page.draft.id, page.draft.revision, sec.id, show_errors, request.script_root)
    return rendered_with.get(context["evaluation"], key, draw)


def _page_context(page: DraftPage, sec: m.Section, answers: dict[str, Any], evaluation: Evaluation,
                  errors: list[Any]) -> dict[str, Any]:
    return {
        "compiled": page.compiled, "draft": page.draft, "section": sec, "answers": answers, "evaluation": evaluation,
        "errors": errors, "error_for": {e.field: e.message for e in errors},
        "return_to": request.args.get("return", ""), "thresholds": page.compiled.thresholds,
        "warnings": evaluation.warnings, "infos": evaluation.infos,
    }


def _parts_context(page: DraftPage, context: dict[str, Any]) -> dict[str, Any]:
    """What the PARTS read besides the page's own context: worked out only when they are drawn."""
    sec, evaluation = context["section"], context["evaluation"]
    return {**context, "sections": page.statuses(context["answers"], evaluation),
            "visible": set(evaluation.visible_fields),
            "section_messages": [*journey.warnings_in(sec, evaluation, page.compiled),
                                 *journey.infos_in(sec, evaluation, page.compiled)]}


@bp.route("/drafts/<draft_id>/sections/<section_id>", methods=["POST"])
@requires("refer")
@holdable
def save_section(draft_id: str, section_id: str) -> Response | tuple[str, int]:
    page = open_draft(draft_id)
    draft, sec = page.draft, page.section(section_id)
    changes, overlong = html_form.read_section(sec, request.form, draft.answers)
    if overlong:
        return _too_long(page, sec, {**draft.answers, **changes}, overlong)
    action = request.form.get("action", "continue")
    if action.startswith(("add:", "remove:")):
        changed = html_form.apply_action(sec, action, {**draft.answers, **changes})
        if changed is None:
            abort(400)
        changes.update(changed)
    try:
        drafts.save_answers(draft, posted_revision(), changes, visited=section_id if action == "continue" else None)
    except drafts.StaleRevision:
        # Show what is saved now, from the other tab, with its revision: saving again from this
        # page can then never overwrite it with answers the person has not seen.
        db.session().refresh(draft)
        return section_page(page, sec, draft.answers, show_errors=False, status=409, conflict=True)
    if action.startswith(("add:", "remove:")):
        values: dict[str, Any] = {"draft_id": draft.id, "section_id": sec.id, **_return()}
        return redirect(url_for("referrals.section", **values) + f"#{_anchor_after(sec, action, draft.answers)}")
    if action == "later":
        return redirect(url_for("referrals.your_forms", saved=draft.id))
    evaluation = evaluate_draft(page.compiled, draft)
    if journey.errors_in(sec, evaluation, page.compiled):
        return section_page(page, sec, draft.answers, show_errors=True, status=422)
    # A warning is not an error: the answers are saved and the section can be left. But it is about
    # an answer on this page, so it is said here, beside the question, the first time it is seen
    # (GOV.UK puts a message where it can be acted on; a banner on the next page would be about a
    # page the person has left). "Save and continue" again, with nothing new to say, carries on.
    shown = set(request.form.getlist("warned"))
    if any(journey.warning_key(w) not in shown for w in journey.warnings_in(sec, evaluation, page.compiled)):
        return section_page(page, sec, draft.answers, show_errors=False, warned=True)
    return redirect(_after(page.compiled, draft, evaluation, sec.id))


def _too_long(page: DraftPage, sec: m.Section, typed: dict[str, Any], overlong: list[html_form.Overlong],
              ) -> tuple[str, int]:
    """Nothing is saved: the page comes back with what was typed, the limit beside each answer too
    long, and what else is wrong with what was typed (not what is still to answer)."""
    said = {o.field for o in overlong}
    evaluation = evaluate_now(page.compiled, typed)
    wrong = [e for e in journey.errors_in(sec, evaluation, page.compiled) if e.code != "required" and e.field not in said]
    return section_page(page, sec, typed, show_errors=False, status=422, extra_errors=[*overlong, *wrong])


def _anchor_after(sec: m.Section, action: str, answers: dict[str, Any]) -> str:
    """After "Add another", the new record's first question; after "Remove", the list itself."""
    repeat_id = action.split(":")[1]
    repeat = next((f for f in sec.fields if f.id == repeat_id), None)
    items = answers.get(repeat_id) or []
    first = next((sub.id for sub in repeat.fields if sub.answerable), None) if repeat else None
    if action.startswith("add:") and first and items:
        return f"{repeat_id}-{len(items) - 1}-{first}"
    return repeat_id


def _after(compiled: CompiledForm, draft: Draft, evaluation: Evaluation, section_id: str) -> str:
    if request.args.get("return") == "check":
        return url_for("referrals.check_answers", draft_id=draft.id)
    following = journey.next_section(compiled, evaluation, section_id)
    if following is None:
        return url_for("referrals.check_answers", draft_id=draft.id)
    return url_for("referrals.section", draft_id=draft.id, section_id=following)


def _return() -> dict[str, str]:
    return {"return": "check"} if request.args.get("return") == "check" else {}


@bp.route("/drafts/<draft_id>/sections/<section_id>/live", methods=["POST"])
@requires("refer")
def live(draft_id: str, section_id: str) -> tuple[str, int, dict[str, str]] | tuple[str, int] | Response:
    """htmx: save what was typed (autosave) and send back what is now shown."""
    page = live_draft(draft_id)
    draft, sec = page.draft, page.section(section_id)
    changes, overlong = html_form.read_section(sec, request.form, draft.answers)
    if overlong:  # autosave stops, saying why, until the answer is short enough (the page's own post says it too)
        return _not_saved(overlong)
    answers = {**draft.answers, **changes}
    try:
        drafts.save_answers(draft, posted_revision(), changes)
    except drafts.StaleRevision:
        html = render_template("partials/conflict.html", draft=draft, section=sec)
        return html, 409, {"HX-Retarget": "#conflict", "HX-Reswap": "innerHTML"}
    evaluation = evaluate_now(page.compiled, answers)
    errors = journey.errors_in(sec, evaluation, page.compiled) if request.form.get("show_errors") == "1" else []
    context = _parts_context(page, _page_context(page, sec, answers, evaluation, errors))
    return render_template("partials/live.html", saved_at=clock.now(), **context), 200


def _not_saved(overlong: list[html_form.Overlong]) -> Response:
    """htmx: the swap into the page's banner that says an answer is too long and nothing was saved."""
    said = " ".join(f"{o.message}." for o in overlong[:3])
    them = "it" if len(overlong) == 1 else "them"
    return error_page(422, "Your answers are not being saved", f"{said} Shorten {them} to carry on saving.")
