"""A form's YAML, edited section by section and question by question, keeping its comments and order.

Built on the quick edit's round trip (fanlight.admin.quickedit.Document): the same parse, the
same refusal to write if a comment would be lost, and the same care for the comment lines that
ruamel keeps with the last entry of a block (a separator before the next section moves to
whatever is last now, so it stays where it was in the file).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from fanlight.admin.quickedit import (
    Document,
    QuickEditError,
    as_list,
    as_text,
    comment_lines,
    delete_key,
    give_trailing_comments,
    set_key,
    take_trailing_comments,
    yaml_text,
)

from .conditions import YES_NO, Question

# Types a condition can read: their answers compare with one typed value.
CONDITION_TYPES = frozenset({"text", "textarea", "email", "phone", "postcode", "nhs_number", "number", "date",
                             "yes_no", "radios", "select", "checkboxes"})
Options = Sequence[tuple[str, str]]
SHOW_IF_AFTER_FIELD = ("hint", "label", "type", "id")
SHOW_IF_AFTER_SECTION = ("description", "title", "id")


class StructureError(QuickEditError):
    """The structural edit cannot be made; the message says why, in plain words."""


@dataclass
class QuestionRow:
    """One question (or guidance) of the outline, as it reads now."""

    id: str
    type: str
    label: str
    show_if: str = ""
    required: bool = False
    sub_questions: list[tuple[str, str]] = field(default_factory=list)  # a list of records' own: (id, label)


@dataclass
class SectionRow:
    id: str
    title: str
    show_if: str = ""
    questions: list[QuestionRow] = field(default_factory=list)


class FormDocument:
    """One form file, parsed for structural edits; `render()` is its text after them."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.data = document.data
        self.removed: Counter[str] = Counter()  # comments inside what was removed: they go with it

    @classmethod
    def parse(cls, text: str) -> FormDocument:
        document = Document.parse(text)
        if document.kind != "form":
            raise StructureError("Only a form has sections and questions. Use the YAML editor for this file.")
        if not isinstance(document.data.get("sections"), CommentedSeq):
            raise StructureError("This form has no list of sections to change. Use the YAML editor.")
        return cls(document)

    @property
    def text(self) -> str:
        return self.document.text

    @property
    def form_id(self) -> str:
        return as_text(self.data.get("id"))

    def render(self) -> str:
        """The text now; refused if a comment would be lost (other than those inside what was removed)."""
        result = yaml_text(self.document.yaml, self.data)
        lost = comment_lines(self.text) - comment_lines(result) - self.removed
        if lost:
            raise StructureError(f"This would lose a comment of the file ({next(iter(lost)).strip()[:60]}). "
                                 "Make this change in the YAML editor.")
        return result

    # Reading ------------------------------------------------------------------------------------------

    def sections(self) -> list[SectionRow]:
        return [SectionRow(as_text(sec.get("id")), as_text(sec.get("title")), as_text(sec.get("show_if")),
                           [_row(f) for f in as_list(sec.get("fields")) if isinstance(f, CommentedMap)])
                for sec in self._sections()]

    def questions(self, shared: Mapping[str, Options] | None = None) -> dict[str, Question]:
        """The questions a condition can read, by id, in the form's order; `shared`: the shared
        option lists of the change's set (id -> (value, label)s), for questions that use one."""
        found: dict[str, Question] = {}
        for sec in self._sections():
            for f in as_list(sec.get("fields")):
                if isinstance(f, CommentedMap) and f.get("type") in CONDITION_TYPES and not f.get("calculate"):
                    found[as_text(f["id"])] = _question(f, shared or {})
        return found

    def field_ids(self) -> set[str]:
        """Every field id in the form, sub-questions of lists too (a new id must be new to all)."""
        ids: set[str] = set()

        def walk(fields: Any) -> None:
            for f in as_list(fields):
                if isinstance(f, CommentedMap):
                    ids.add(as_text(f.get("id")))
                    walk(f.get("fields"))

        for sec in self._sections():
            walk(sec.get("fields"))
        return ids

    def section_ids(self) -> set[str]:
        return {as_text(sec.get("id")) for sec in self._sections()}

    def label_of(self, node: str) -> str:
        """What a section or question is called, for messages."""
        if node in self.section_ids():
            return as_text(self._section(node).get("title"))
        item = self._locate(node)[1]
        words = as_text(item.get("label") or item.get("text")).strip().splitlines()
        return words[0] if words else node  # a label of only spaces, written by hand, says nothing

    def show_if_of(self, node: str) -> str:
        item = self._section(node) if node in self.section_ids() else self._locate(node)[1]
        return as_text(item.get("show_if"))

    def _sections(self) -> list[CommentedMap]:
        return [s for s in as_list(self.data.get("sections")) if isinstance(s, CommentedMap)]

    def _section(self, section_id: str) -> CommentedMap:
        for sec in self._sections():
            if as_text(sec.get("id")) == section_id:
                return sec
        raise StructureError("There is no such section in this form.")

    def _field(self, field_id: str) -> tuple[CommentedSeq, CommentedMap]:
        """A top-level question and the list of its section that holds it."""
        for sec in self._sections():
            fields = sec.get("fields")
            for f in as_list(fields):
                if isinstance(f, CommentedMap) and as_text(f.get("id")) == field_id:
                    return fields, f
        raise StructureError("There is no such question in this form.")

    def _locate(self, node: str) -> tuple[CommentedSeq, CommentedMap]:
        """A question by its node: `field`, or `list/field` for a question each record of a list asks."""
        repeat_id, _, sub_id = node.rpartition("/")
        if not repeat_id:
            return self._field(node)
        fields = self._field(repeat_id)[1].get("fields")
        for f in as_list(fields):
            if isinstance(f, CommentedMap) and as_text(f.get("id")) == sub_id:
                return fields, f
        raise StructureError("There is no such question in this list.")

    # Questions ----------------------------------------------------------------------------------------

    def add_question(self, section_id: str, question: CommentedMap, after: str | None, within: str = "") -> None:
        """Add a question to a section, or to each record of its list `within`: after the question
        `after`, first if it is "", last if None."""
        if as_text(question.get("id")) in self.field_ids():
            raise StructureError(f"There is already a question with the id {question.get('id')}.")
        fields = self._records_of(within, question) if within else self._section(section_id).get("fields")
        if not isinstance(fields, CommentedSeq):
            raise StructureError("This section has no list of questions to add to. Use the YAML editor.")
        ids = [as_text(f.get("id")) if isinstance(f, CommentedMap) else "" for f in fields]
        if after is not None and after != "" and after not in ids:
            raise StructureError("There is no such question in this section to add the new one after.")
        position = len(fields) if after is None else 0 if after == "" else ids.index(after) + 1
        _insert(fields, position, question)

    def _records_of(self, repeat_id: str, question: CommentedMap) -> Any:
        """The questions each record of a list asks (a list cannot hold another list)."""
        item = self._field(repeat_id)[1]
        if item.get("type") != "repeat":
            raise StructureError(f"“{self.label_of(repeat_id)}” is not a list of records.")
        if question.get("type") == "repeat":
            raise StructureError("A list of records cannot hold another list.")
        return item.get("fields")

    def move_question(self, field_id: str, direction: str) -> None:
        """One place up or down; from the first or last place of a section, into the next section
        (a question of a list's records stays in its list)."""
        fields, item = self._locate(field_id)
        index = _index(fields, item)
        step = -1 if direction == "up" else 1
        if 0 <= index + step < len(fields):
            _remove(fields, index)
            _insert(fields, index + step, item)
            return
        if "/" in field_id:
            raise StructureError(f"“{self.label_of(field_id)}” is already the {'first' if step < 0 else 'last'} "
                                 "question of its list.")
        sections = self._sections()
        here = next(i for i, s in enumerate(sections) if s.get("fields") is fields)
        if not 0 <= here + step < len(sections):
            raise StructureError(f"“{self.label_of(field_id)}” is already the {'first' if step < 0 else 'last'} "
                                 "question of the form.")
        if len(fields) == 1:
            raise StructureError("A section needs at least one question: this is the only one in its section. "
                                 "Add another first, or move the section.")
        target = sections[here + step].get("fields")
        if not isinstance(target, CommentedSeq):
            raise StructureError("The next section has no list of questions. Use the YAML editor.")
        _remove(fields, index)
        _insert(target, len(target) if step < 0 else 0, item)

    def remove_question(self, field_id: str) -> None:
        fields, item = self._locate(field_id)
        if len(fields) == 1:
            where = "list: a list needs at least one. Remove the list" if "/" in field_id else \
                "section: a section needs at least one. Remove the section"
            raise StructureError(f"“{self.label_of(field_id)}” is the only question of its {where} instead.")
        self._removed(_remove(fields, _index(fields, item)))

    # Sections -----------------------------------------------------------------------------------------

    def add_section(self, section: CommentedMap, after: str | None) -> None:
        if as_text(section.get("id")) in self.section_ids():
            raise StructureError(f"There is already a section with the id {section.get('id')}.")
        sections = self.data["sections"]
        ids = [as_text(s.get("id")) if isinstance(s, CommentedMap) else "" for s in sections]
        if after is not None and after != "" and after not in ids:
            raise StructureError("There is no such section to add the new one after.")
        position = len(sections) if after is None else 0 if after == "" else ids.index(after) + 1
        _insert(sections, position, section)

    def move_section(self, section_id: str, direction: str) -> None:
        sections = self.data["sections"]
        item = self._section(section_id)
        index = _index(sections, item)
        step = -1 if direction == "up" else 1
        if not 0 <= index + step < len(sections):
            raise StructureError(f"“{item.get('title')}” is already the {'first' if step < 0 else 'last'} section.")
        _remove(sections, index)
        _insert(sections, index + step, item)

    def remove_section(self, section_id: str) -> None:
        sections = self.data["sections"]
        item = self._section(section_id)
        if len(sections) == 1:
            raise StructureError("A form needs at least one section: this is its only one.")
        self._removed(_remove(sections, _index(sections, item)))

    def _removed(self, item: CommentedMap) -> None:
        self.removed += comment_lines(yaml_text(self.document.yaml, item))

    # Conditions ---------------------------------------------------------------------------------------

    def set_condition(self, node: str, expression: str) -> None:
        """Show a section or question only when `expression` is true; "" shows it always."""
        is_section = node in self.section_ids()
        item = self._section(node) if is_section else self._locate(node)[1]
        if not expression:
            delete_key(item, "show_if")
            return
        set_key(item, "show_if", expression, after=SHOW_IF_AFTER_SECTION if is_section else SHOW_IF_AFTER_FIELD)


def _row(f: CommentedMap) -> QuestionRow:
    subs = [(as_text(s.get("id")), as_text(s.get("label") or s.get("id"))) for s in as_list(f.get("fields"))
            if isinstance(s, CommentedMap)]
    label = as_text(f.get("label")) or as_text(f.get("text")).strip().split("\n")[0]
    return QuestionRow(as_text(f.get("id")), as_text(f.get("type")), label, as_text(f.get("show_if")),
                       f.get("required") is True, subs)


def _question(f: CommentedMap, shared: Mapping[str, Options]) -> Question:
    options = f.get("options")
    choices = tuple((as_text(o.get("value")), as_text(o.get("label"))) for o in as_list(options) if isinstance(o, dict))
    if isinstance(options, str):
        choices = tuple(shared.get(options, ()))
    if f.get("type") == "yes_no":
        choices = YES_NO
    return Question(as_text(f["id"]), as_text(f.get("label")) or as_text(f["id"]), as_text(f.get("type")), choices)


def _index(seq: CommentedSeq, item: CommentedMap) -> int:
    return next(i for i, x in enumerate(seq) if x is item)


def _remove(seq: CommentedSeq, index: int) -> CommentedMap:
    """Take an item out; the comment lines after the list (kept by its last item) stay after it."""
    trailing = take_trailing_comments(seq) if index == len(seq) - 1 else None
    item: CommentedMap = seq[index]
    seq.ca.items.pop(index, None)
    del seq[index]
    give_trailing_comments(seq, trailing)
    return item


def _insert(seq: CommentedSeq, index: int, item: CommentedMap) -> None:
    """Put an item in; added last, it takes over the comment lines that followed the list."""
    trailing = take_trailing_comments(seq) if index >= len(seq) else None
    seq.insert(index, item)
    give_trailing_comments(seq, trailing)
