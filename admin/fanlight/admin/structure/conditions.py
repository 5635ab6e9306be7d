"""Conditions built from words: "show this when *question* *is / is not / is one of / is answered*
*answer*", joined by and/or, written to the YAML as the expression it means and read back.

Only expressions this module writes are read back into a Condition (`parse` checks that
writing the parsed condition gives the same text); anything written by hand in the YAML
editor is shown as it is and left alone until the service lead replaces it.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from dataclasses import dataclass

from werkzeug.datastructures import MultiDict

from fanlight.web.errors import FormError

# What a condition can say about an answer, and how it reads.
OPERATORS: dict[str, str] = {
    "is": "is",
    "is_not": "is not",
    "one_of": "is one of",
    "answered": "is answered",
    "not_answered": "is not answered",
}
# A ticked-boxes answer is a list: "is" reads as "includes".
LIST_WORDS: dict[str, str] = {"is": "includes", "is_not": "does not include", "one_of": "includes any of"}
JOINS = ("and", "or")
NEEDS_NO_ANSWER = frozenset({"answered", "not_answered"})
MAX_CLAUSES = 10
MAX_ANSWER = 500  # characters: as long as an option's label may be
YES_NO = (("true", "Yes"), ("false", "No"))
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_LITERAL = r"(?:'(?:[^'\\]|\\.)*'|true|false|-?\d+(?:\.\d+)?|d'\d{4}-\d{2}-\d{2}')"
_ID = r"([a-z][a-z0-9_]*)"


@dataclass(frozen=True)
class Question:
    """A question a condition can read: a top-level answerable field of the form."""

    id: str
    label: str
    type: str
    options: tuple[tuple[str, str], ...] = ()  # (value, label); yes/no questions have true/false

    @property
    def has_choices(self) -> bool:
        return bool(self.options)

    def option_label(self, value: str) -> str:
        return dict(self.options).get(value, value)


@dataclass
class Clause:
    field: str = ""
    operator: str = "is"
    answers: list[str] = dataclasses.field(default_factory=list)


@dataclass
class Condition:
    clauses: list[Clause] = dataclasses.field(default_factory=list)
    join: str = "and"


# Writing ----------------------------------------------------------------------------------------------


def quoted(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def literal(question: Question, answer: str) -> str:
    """An answer written the way the expression language reads that question's answers."""
    if question.type == "yes_no":
        return answer
    if question.type == "number":
        return number_literal(answer)
    if question.type == "date":
        return f"d'{answer}'"
    return quoted(answer)


def number_literal(answer: str) -> str:
    """A number as the expression language reads it: 007 would not compile, so it is written 7."""
    _, sign, digits = answer.rpartition("-")
    whole, dot, fraction = digits.partition(".")
    return f"{sign}{whole.lstrip('0') or '0'}{dot}{fraction}"


def clause_expression(clause: Clause, question: Question) -> str:
    name = question.id
    if clause.operator == "answered":
        return f"{name} != null"
    if clause.operator == "not_answered":
        return f"{name} == null"
    values = [literal(question, a) for a in clause.answers]
    if question.type == "checkboxes":  # a list of ticked values: membership, not equality
        if clause.operator == "is":
            return f"{values[0]} in {name}"
        if clause.operator == "is_not":
            return f"not ({values[0]} in {name})"
        return "(" + " or ".join(f"{v} in {name}" for v in values) + ")"
    if clause.operator == "is":
        return f"{name} == {values[0]}"
    if clause.operator == "is_not":
        return f"{name} != {values[0]}"
    return f"{name} in [{', '.join(values)}]"


def to_expression(condition: Condition, questions: dict[str, Question]) -> str:
    return f" {condition.join} ".join(clause_expression(c, questions[c.field]) for c in condition.clauses)


# Reading back ---------------------------------------------------------------------------------------------


def _unquote(text: str) -> str:
    if text.startswith("d'"):
        return text[2:-1]
    if text.startswith("'"):
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


def _split(expression: str) -> tuple[list[str], str] | None:
    """The expression's parts joined at the top level by one kind of join, and that join."""
    parts, joins, depth, quote, start, i = [], set(), 0, False, 0, 0
    while i < len(expression):
        char = expression[i]
        if quote:
            i += 2 if char == "\\" else 1
            quote = quote and char != "'"
            continue
        if char == "'":
            quote = True
        elif char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif depth == 0:
            for join in JOINS:
                if expression.startswith(f" {join} ", i):
                    parts.append(expression[start:i])
                    joins.add(join)
                    start = i = i + len(join) + 2
                    break
            else:
                i += 1
            continue
        i += 1
    parts.append(expression[start:])
    if len(joins) > 1:
        return None  # and and or mixed without brackets: not one this page wrote
    return parts, joins.pop() if joins else "and"


_CLAUSES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^{_ID} != null$"), "answered"),
    (re.compile(rf"^{_ID} == null$"), "not_answered"),
    (re.compile(rf"^{_ID} == ({_LITERAL})$"), "is"),
    (re.compile(rf"^{_ID} != ({_LITERAL})$"), "is_not"),
    (re.compile(rf"^{_ID} in \[((?:{_LITERAL})(?:, {_LITERAL})*)\]$"), "one_of"),
]
_LIST_IS = re.compile(rf"^({_LITERAL}) in {_ID}$")
_LIST_IS_NOT = re.compile(rf"^not \(({_LITERAL}) in {_ID}\)$")


def _clause(text: str) -> Clause | None:
    for pattern, operator in _CLAUSES:
        found = pattern.match(text)
        if found:
            answers = [_unquote(v) for v in re.findall(_LITERAL, found.group(2))] if len(found.groups()) > 1 else []
            return Clause(found.group(1), operator, answers)
    for pattern, operator in ((_LIST_IS, "is"), (_LIST_IS_NOT, "is_not")):
        found = pattern.match(text)
        if found:
            return Clause(found.group(2), operator, [_unquote(found.group(1))])
    if text.startswith("(") and text.endswith(")"):
        members = [_LIST_IS.match(part) for part in text[1:-1].split(" or ")]
        if all(members) and len({m.group(2) for m in members if m}) == 1:
            return Clause(members[0].group(2) if members[0] else "", "one_of",
                          [_unquote(m.group(1)) for m in members if m])
    return None


def parse(expression: str, questions: dict[str, Question]) -> Condition | None:
    """The condition an expression of this page's making says; None for one written by hand."""
    text = " ".join(expression.split())
    split = _split(text)
    if not text or split is None:
        return None
    parts, join = split
    clauses = [_clause(part) for part in parts]
    if not all(c is not None and c.field in questions for c in clauses):
        return None
    condition = Condition([c for c in clauses if c is not None], join)
    try:
        return condition if to_expression(condition, questions) == text else None
    except (IndexError, KeyError):
        return None


# Words --------------------------------------------------------------------------------------------------


def clause_in_words(clause: Clause, question: Question) -> str:
    words = (LIST_WORDS if question.type == "checkboxes" else {}).get(clause.operator, OPERATORS[clause.operator])
    if clause.operator in NEEDS_NO_ANSWER:
        return f"“{question.label}” {words}"
    answers = [f"“{question.option_label(a)}”" for a in clause.answers]
    listed = answers[0] if len(answers) == 1 else ", ".join(answers[:-1]) + " or " + answers[-1]
    return f"“{question.label}” {words} {listed}"


def condition_in_words(condition: Condition, questions: dict[str, Question]) -> str:
    return f" {condition.join} ".join(clause_in_words(c, questions[c.field]) for c in condition.clauses)


def expression_in_words(expression: str, questions: dict[str, Question]) -> str:
    """How the outline shows a show_if: in words when this page wrote it, else the expression itself."""
    condition = parse(expression, questions)
    return condition_in_words(condition, questions) if condition else expression


# The posted form ------------------------------------------------------------------------------------------


def posted(form: MultiDict[str, str]) -> Condition:
    """The condition as the page posted it, whether or not it is complete."""
    try:
        rows = max(1, min(MAX_CLAUSES, int(form.get("clauses", "1"))))
    except ValueError:
        rows = 1
    clauses = [Clause(form.get(f"clause-{i}-field", "").strip(), form.get(f"clause-{i}-operator", "is"),
                      [one_line(a) for a in form.getlist(f"clause-{i}-answer") if a.strip()])
               for i in range(rows)]
    join = form.get("join", "and")
    return Condition(clauses, join if join in JOINS else "and")


def one_line(answer: str) -> str:
    """An answer with each run of spaces, tabs or line breaks made one space: a line break inside quotes
    would not compile, and the condition is read back from the expression with spaces evened out."""
    return " ".join(answer.split())


def problems(condition: Condition, questions: dict[str, Question]) -> list[FormError]:
    """What is missing or wrong in a posted condition, each at its input."""
    errors: list[FormError] = []
    for i, clause in enumerate(condition.clauses):
        question = questions.get(clause.field)
        if question is None:
            errors.append(FormError(f"clause-{i}-field", "Choose the question the condition is about"))
            continue
        if clause.operator not in OPERATORS:
            errors.append(FormError(f"clause-{i}-operator", "Choose what the answer must be"))
            continue
        errors += _answer_problems(i, clause, question)
    return errors


def _answer_problems(i: int, clause: Clause, question: Question) -> list[FormError]:
    where = f"clause-{i}-answer"
    if clause.operator in NEEDS_NO_ANSWER:
        clause.answers = []
        return []
    if not clause.answers:
        return [FormError(where, f"Choose the answer to “{question.label}”" if question.has_choices
                          else f"Enter the answer to “{question.label}”")]
    if clause.operator in ("is", "is_not") and len(clause.answers) > 1:
        return [FormError(where, "Choose one answer, or choose “is one of” for several")]
    for answer in clause.answers:
        if len(answer) > MAX_ANSWER:
            return [FormError(where, f"An answer must be {MAX_ANSWER} characters or fewer")]
        if any(unicodedata.category(char) == "Cc" for char in answer):
            return [FormError(where, "An answer cannot hold control characters: type it again")]
        if question.has_choices and answer not in dict(question.options):
            return [FormError(where, f"“{answer}” is not one of the answers to “{question.label}”")]
        if question.type == "number" and not _NUMBER.fullmatch(answer):
            return [FormError(where, "Enter a number, like 5 or 2.5")]
        if question.type == "date" and not _is_date(answer):
            return [FormError(where, "Enter a real date as year-month-day, like 2026-01-31")]
    if question.type == "number":  # shown back as it is written: 007 as 7
        clause.answers = [number_literal(a) for a in clause.answers]
    return []


def _is_date(answer: str) -> bool:
    """A date the expression language accepts: year-month-day, and a day the month has."""
    if not _DATE.fullmatch(answer):
        return False
    try:
        datetime.date.fromisoformat(answer)
    except ValueError:
        return False
    return True
