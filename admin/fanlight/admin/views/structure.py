"""The structured pages of a form in a change: its outline, adding a question or a section, moving and
removing them, building a condition in words, previewing a section as answers are given, and starting a
new form from a copy.

Each edit is written with fanlight.admin.structure (the YAML round trip that keeps comments and order)
and saved as a hand edit of the file is: workflow.save_item, which records the "edit" event with the
semantic diff's summary. An edit that would leave the definitions with problems is refused (422) and
nothing is saved, as in the quick edit.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from fanlight.admin import workflow
from fanlight.admin.quickedit import QuickEditError
from fanlight.admin.structure import conditions, copying
from fanlight.admin.structure.document import FormDocument, QuestionRow, SectionRow, StructureError
from fanlight.admin.structure.questions import FIELD_TYPES, SETTING_WORDS, QuestionInput, SectionInput
from fanlight.engine import evaluate
from fanlight.engine.diff import referencing
from fanlight.renderers.html_form import encode, section_answers
from fanlight.web import clock, db
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import requires
from fanlight.web.definitions import registry
from fanlight.web.errors import FormError
from fanlight.web.models import Change

from . import Page, bp, editable_by_me, find_change, problems_for, refused, tests_summary, text_of

SECTION_FIRST_TYPES = [t for t in FIELD_TYPES if t not in ("repeat", "content")]


# Shared steps ---------------------------------------------------------------------------------------------


def _document(s: Session, item: Change, path: str) -> FormDocument:
    text = text_of(s, item, path)
    if not text:
        abort(404)
    try:
        return FormDocument.parse(text)
    except QuickEditError:
        abort(404)


def _shared_options(s: Session, item: Change) -> dict[str, list[tuple[str, str]]]:
    """The change's shared option lists, so a condition can offer the answers of a question using one."""
    lists = workflow.check(s, item).definitions.option_lists
    return {key: [(o.value, o.label) for o in found.options] for key, found in lists.items()}


def _questions(s: Session, item: Change, document: FormDocument) -> dict[str, conditions.Question]:
    return document.questions(_shared_options(s, item))


def _outline_url(item: Change, path: str) -> str:
    return url_for("workbench.structure", change_id=item.id, path=path)


def _problems(s: Session, item: Change, path: str, document: FormDocument, anchor: str) -> tuple[str, list[FormError]]:
    """The file's new text, and why it cannot be saved (a lost comment; problems it would leave)."""
    try:
        text = document.render()
    except QuickEditError as error:
        return "", [FormError(anchor, str(error))]
    _, found = problems_for(s, item, path, text)
    return text, [FormError(anchor, f"This would make the definitions invalid: {p.code} {p.message} "
                                    f"({p.where.file}, line {p.where.line})") for p in found[:10]]


def _save(s: Session, item: Change, path: str, text: str, done: str, then: str | None = None) -> Page:
    """Save the new text as a hand edit is saved, say what was done and how the tests went, and go on."""
    try:
        workflow.save_item(s, item, signed_in_user(), path, text)
    except workflow.NotAllowed as error:
        return refused(error, item)
    s.commit()
    loaded, _ = problems_for(s, item, path, text)
    flash(f"{done} {tests_summary(loaded, [])}", "success")
    return redirect(then or _outline_url(item, path))


def _check_editable(item: Change) -> Page | None:
    try:
        workflow.ensure_editable(item, signed_in_user())
    except workflow.NotAllowed as error:
        return refused(error, item)
    return None


def _render(template: str, status: int = 200, **context: Any) -> Page:
    errors = context.setdefault("errors", [])
    context.setdefault("error_for", {e.field: e.message for e in reversed(errors)})
    html = render_template(f"admin/structure/{template}", **context)
    return (html, status) if status != 200 else html


# The outline ----------------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure")
@requires("edit_definitions")
def structure(change_id: int) -> Page:
    """A form's sections and questions, each condition in words, and what can be done to them."""
    s = db.session()
    item = find_change(change_id)
    path = request.args.get("path", "")
    text = text_of(s, item, path)
    if not text:
        abort(404)
    try:
        document: FormDocument | None = FormDocument.parse(text)
        reason = ""
    except QuickEditError as error:
        document, reason = None, str(error)
    questions = _questions(s, item, document) if document else {}
    return _render("outline.html", change=item, path=path, document=document, reason=reason,
                   sections=document.sections() if document else [], words=_words(document, questions),
                   types=FIELD_TYPES, checks=workflow.check(s, item), editable=editable_by_me(item))


def _words(document: FormDocument | None, questions: dict[str, conditions.Question]) -> dict[str, str]:
    """Each section's and question's show_if, in words where this page wrote it."""
    found: dict[str, str] = {}
    for section in document.sections() if document else []:
        for node, show_if in [(section.id, section.show_if), *((q.id, q.show_if) for q in section.questions)]:
            if show_if:
                found[node] = conditions.expression_in_words(show_if, questions)
    return found


# Adding a question ----------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure/question", methods=["GET", "POST"])
@requires("edit_definitions")
def structure_question(change_id: int) -> Page:
    """Add a question to a section (or to each record of one of its lists): first its type, then what
    it asks, its settings and where it goes."""
    s = db.session()
    item = find_change(change_id)
    path, section_id = request.values.get("path", ""), request.values.get("section", "")
    document = _document(s, item, path)
    section = next((x for x in document.sections() if x.id == section_id), None) or abort(404)
    within = _list_in(section, request.values.get("within", ""))
    places = within.sub_questions if within else [(q.id, q.label or q.id) for q in section.questions]
    types = {k: t for k, t in FIELD_TYPES.items() if not (within and k == "repeat")}
    kind = request.values.get("type", "")
    context: dict[str, Any] = {"change": item, "path": path, "section": section, "within": within, "places": places,
                               "types": types, "words": SETTING_WORDS}
    if kind not in types:
        errors = [FormError("type", "Choose the type of question")] if "chosen" in request.args else []
        return _render("question_type.html", 422 if errors else 200, errors=errors, **context)
    context.update(kind=kind, spec=FIELD_TYPES[kind])
    if request.method == "GET":
        last = places[-1][0] if places else ""
        return _render("question.html", values={"required": "no", "after": last, "when": "always"}, **context)
    return _add_question(s, item, path, document, context)


def _list_in(section: SectionRow, within: str) -> QuestionRow | None:
    """The list of records (a repeat) of the section a question is added to; None: the section itself."""
    if not within:
        return None
    found = next((q for q in section.questions if q.id == within and q.type == "repeat"), None)
    return found or abort(404)


def _add_question(s: Session, item: Change, path: str, document: FormDocument, context: dict[str, Any]) -> Page:
    if (stop := _check_editable(item)) is not None:
        return stop
    posted = QuestionInput.read(request.form, document.field_ids())
    text, errors = "", list(posted.errors)
    if posted.question is not None:
        within = context["within"].id if context["within"] else ""
        try:
            document.add_question(context["section"].id, posted.question, request.form.get("after") or "", within)
        except StructureError as error:
            errors.append(FormError("after", str(error)))
        else:
            # Guidance has no question input: its problems link to the guidance's text.
            anchor = "label" if context["spec"].answerable else "text"
            text, errors = _problems(s, item, path, document, anchor)
    if errors:
        return _render("question.html", 422, values=posted.values, errors=errors, **context)
    assert posted.question is not None
    new_id = str(posted.question["id"])
    label = str(posted.question.get("label") or new_id)
    if request.form.get("when") == "conditional" and not context["within"]:
        then = url_for("workbench.structure_condition", change_id=item.id, path=path, node=new_id)
        return _save(s, item, path, text, f"Added “{label}”. Now say when it is shown.", then)
    return _save(s, item, path, text, f"Added “{label}” to {path}.")


# Adding a section -----------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure/section", methods=["GET", "POST"])
@requires("edit_definitions")
def structure_section(change_id: int) -> Page:
    """Add a section, with its first question (a section always has one)."""
    s = db.session()
    item = find_change(change_id)
    path = request.values.get("path", "")
    document = _document(s, item, path)
    sections = document.sections()
    context: dict[str, Any] = {"change": item, "path": path, "sections": sections, "types": FIELD_TYPES, "first_types": SECTION_FIRST_TYPES}
    if request.method == "GET":
        last = sections[-1].id if sections else ""
        return _render("section.html", values={"after": last, "question-required": "no"}, **context)
    if (stop := _check_editable(item)) is not None:
        return stop
    posted = SectionInput.read(_first_question_simple(request.form), document.section_ids(), document.field_ids())
    text, errors = "", list(posted.errors)
    if posted.section is not None:
        try:
            document.add_section(posted.section, request.form.get("after") or "")
        except StructureError as error:
            errors.append(FormError("after", str(error)))
        else:
            text, errors = _problems(s, item, path, document, "title")
    if errors:
        return _render("section.html", 422, values=posted.values, errors=errors, **context)
    return _save(s, item, path, text, f"Added the section “{posted.values.get('title', '').strip()}” to {path}.")


def _first_question_simple(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """The add-section page offers the types that need no more than options: refuse the others."""
    if form.get("question-type") not in SECTION_FIRST_TYPES:
        form = MultiDict([(k, v) for k, v in form.items(multi=True) if k != "question-type"])
    return form


# Moving and removing --------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure/move", methods=["POST"])
@requires("edit_definitions")
def structure_move(change_id: int) -> Page:
    """Move a question or a section one place up or down (a question crosses into the next section)."""
    s = db.session()
    item = find_change(change_id)
    path, node, direction = request.form.get("path", ""), request.form.get("node", ""), request.form.get("direction", "")
    document = _document(s, item, path)
    if direction not in ("up", "down") or request.form.get("what") not in ("question", "section"):
        abort(400)
    if (stop := _check_editable(item)) is not None:
        return stop
    try:
        if request.form["what"] == "section":
            document.move_section(node, direction)
        else:
            document.move_question(node, direction)
    except StructureError as error:
        flash(str(error), "error")
        return redirect(_outline_url(item, path))
    text, errors = _problems(s, item, path, document, "outline")
    if errors:
        flash(errors[0].message, "error")
        return redirect(_outline_url(item, path))
    return _save(s, item, path, text, f"Moved “{document.label_of(node)}” {direction}.", _outline_url(item, path) + f"#{node}")


@bp.route("/changes/<int:change_id>/structure/remove", methods=["GET", "POST"])
@requires("edit_definitions")
def structure_remove(change_id: int) -> Page:
    """Confirm, then remove a question or a section; refused while an expression still reads it."""
    s = db.session()
    item = find_change(change_id)
    path, node = request.values.get("path", ""), request.values.get("node", "")
    document = _document(s, item, path)
    is_section = node in document.section_ids()
    try:
        document.label_of(node)
    except StructureError:
        abort(404)
    context: dict[str, Any] = {"change": item, "path": path, "node": node, "is_section": is_section, "label": document.label_of(node),
               "readers": _readers(s, item, document, node)}
    if request.method == "GET":
        return _render("remove.html", **context)
    if (stop := _check_editable(item)) is not None:
        return stop
    try:
        if is_section:
            document.remove_section(node)
        else:
            document.remove_question(node)
    except StructureError as error:
        return _render("remove.html", 422, errors=[FormError("remove-it", str(error))], **context)
    text, errors = _problems(s, item, path, document, "remove-it")  # the button: the page has no other input
    if errors:
        return _render("remove.html", 422, errors=errors, **context)
    return _save(s, item, path, text, f"Removed {'the section ' if is_section else ''}“{context['label']}” from {path}.")


def _readers(s: Session, item: Change, document: FormDocument, node: str) -> list[Any]:
    """The expressions that read what would be removed (they must change first)."""
    compiled = workflow.check(s, item).definitions.compiled.get(document.form_id)
    if compiled is None:
        return []
    section = next((x for x in compiled.form.sections if x.id == node), None)
    ids = [f.id for f in section.fields] if section is not None else [node.rpartition("/")[2]]
    return [r for r in referencing(compiled, ids) if not r.path.startswith(f"{node}/")]


# Conditions -----------------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure/condition", methods=["GET", "POST"])
@requires("edit_definitions")
def structure_condition(change_id: int) -> Page:
    """Say when a question or section is shown, in words; saved as the expression they mean."""
    s = db.session()
    item = find_change(change_id)
    path, node = request.values.get("path", ""), request.values.get("node", "")
    document = _document(s, item, path)
    try:
        current = document.show_if_of(node)
    except StructureError:
        abort(404)
    questions = _offered(s, item, document, node)
    context: dict[str, Any] = {"change": item, "path": path, "node": node, "label": document.label_of(node), "current": current,
               "questions": questions, "operators": conditions.OPERATORS, "list_words": conditions.LIST_WORDS,
               "current_words": conditions.expression_in_words(current, questions) if current else ""}
    if request.method == "GET":
        condition = conditions.parse(current, questions) if current else None
        return _render("condition.html", condition=condition or conditions.Condition([conditions.Clause()]),
                       hand_written=bool(current) and condition is None, **context)
    if (stop := _check_editable(item)) is not None:
        return stop
    return _condition_posted(s, item, path, document, questions, context)


def _offered(s: Session, item: Change, document: FormDocument, node: str) -> dict[str, conditions.Question]:
    """The questions a condition on `node` can read: not itself, nor (for a section) its own questions."""
    own = {q.id for sec in document.sections() if sec.id == node for q in sec.questions} | {node}
    return {k: q for k, q in _questions(s, item, document).items() if k not in own}


def _condition_posted(s: Session, item: Change, path: str, document: FormDocument,
                      questions: dict[str, conditions.Question], context: dict[str, Any]) -> Page:
    action = request.form.get("action", "save")
    condition = conditions.posted(request.form)
    if action == "clear":
        return _write_condition(s, item, path, document, "", context, condition)
    if action == "add" and len(condition.clauses) < conditions.MAX_CLAUSES:
        condition.clauses.append(conditions.Clause())
    elif action.startswith("remove-") and len(condition.clauses) > 1:
        index = action.removeprefix("remove-")
        condition.clauses = [c for i, c in enumerate(condition.clauses) if str(i) != index]
    if action != "save":  # the page again, with the answers of the questions chosen so far
        return _render("condition.html", condition=condition, hand_written=False, **context)
    errors = conditions.problems(condition, questions)
    if errors:
        return _render("condition.html", 422, condition=condition, hand_written=False, errors=errors, **context)
    return _write_condition(s, item, path, document, conditions.to_expression(condition, questions), context, condition)


def _write_condition(s: Session, item: Change, path: str, document: FormDocument, expression: str,
                     context: dict[str, Any], condition: conditions.Condition) -> Page:
    document.set_condition(context["node"], expression)
    text, errors = _problems(s, item, path, document, "clause-0-field")
    if not errors and text == document.text:
        errors = [FormError("clause-0-field", "That is the condition it has already. Change it, or go back.")]
    if errors:
        return _render("condition.html", 422, condition=condition, hand_written=False, errors=errors, **context)
    if not expression:
        return _save(s, item, path, text, f"“{context['label']}” is now always shown.")
    words = conditions.expression_in_words(expression, context["questions"])
    return _save(s, item, path, text, f"“{context['label']}” is now shown when {words}.",
                 _outline_url(item, path) + f"#{context['node']}")


# Preview --------------------------------------------------------------------------------------------------


@bp.route("/changes/<int:change_id>/structure/preview")
@requires("edit_definitions")
def structure_preview(change_id: int) -> Page:
    """One section as the change would show it, re-drawn for the answers given (no JavaScript needed)."""
    s = db.session()
    item = find_change(change_id)
    path = request.args.get("path", "")
    document = _document(s, item, path)
    compiled = workflow.check(s, item).definitions.compiled.get(document.form_id)
    if compiled is None:
        return _render("preview.html", change=item, path=path, compiled=None, section=None)
    sections = compiled.form.sections
    section = next((x for x in sections if x.id == request.args.get("section")), sections[0])
    answers: dict[str, Any] = {}
    for each in sections:
        answers.update(section_answers(each, request.args, {}))
    evaluation = evaluate(compiled, answers, now=clock.now())
    others = [f for each in sections if each is not section for f in each.fields]
    everything = urlencode(encode([f for each in sections for f in each.fields], answers))
    links = {each.id: url_for("workbench.structure_preview", change_id=item.id, path=path, section=each.id)
             + (f"&{everything}" if everything else "") for each in sections}
    return _render("preview.html", change=item, path=path, compiled=compiled, section=section, answers=answers,
                   visible=evaluation.visible_fields, carried=encode(others, answers), links=links,
                   shown=evaluation.visible_sections)


# Copying a form -------------------------------------------------------------------------------------------


@bp.route("/copies", methods=["POST"])
@requires("edit_definitions")
def structure_copy_start() -> Page:
    """From a form's page: begin a change to hold the copy, and ask for the new form's id and title."""
    s = db.session()
    path = request.form.get("path", "")
    if path not in registry.texts_of(s, registry.live_id(s) or 0):
        abort(404)
    try:
        change = workflow.create(s, signed_in_user(), f"New form from {path}", "")
    except workflow.NotAllowed as error:
        return refused(error, None)
    s.commit()
    return redirect(url_for("workbench.structure_copy", change_id=change.id, path=path))


@bp.route("/changes/<int:change_id>/structure/copy", methods=["GET", "POST"])
@requires("edit_definitions")
def structure_copy(change_id: int) -> Page:
    """Start a new form from a copy of this one, in this change."""
    s = db.session()
    item = find_change(change_id)
    path = request.values.get("path", "")
    document = _document(s, item, path)
    title = str(document.data.get("title", ""))
    context: dict[str, Any] = {"change": item, "path": path, "title": title}
    if request.method == "GET":
        return _render("copy.html", values={"title": f"{title} (copy)", "id": f"{document.form_id}-copy"}, **context)
    if (stop := _check_editable(item)) is not None:
        return stop
    values = {"title": request.form.get("title", ""), "id": request.form.get("id", "").strip()}
    taken = {d.id for d in workflow.check(s, item).definitions.all()}
    try:
        text = copying.copy_form(document.text, values["id"], values["title"], taken)
    except StructureError as error:
        anchor = "title" if "title" in str(error) else "id"
        return _render("copy.html", 422, values=values, errors=[FormError(anchor, str(error))], **context)
    new_path = copying.path_for(values["id"])
    if text_of(s, item, new_path):
        return _render("copy.html", 422, values=values, **context,
                       errors=[FormError("id", f"There is already a file {new_path}: choose another id")])
    return _save(s, item, new_path, text, f"Started the new form “{values['title'].strip()}” as {new_path}, "
                 f"a copy of {path}.", _outline_url(item, new_path))
