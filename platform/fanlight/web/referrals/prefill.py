"""Pre-filled answers (`prefill:` in a form definition): a new draft's starting values.

From the person's account (`account.*`) whenever a draft is started, and from an earlier
referral of theirs (`earlier_referral`) when they start a new one from it. Values are stored as
ordinary answers: shown filled in, editable, read by rules like any other. A value the form
would refuse as the wrong type or an unknown option is left out, never stored to fail later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fanlight.engine import CompiledForm
from fanlight.engine.definitions import model as m

from ..definitions import agencies
from ..models import Submission, User
from .context import evaluate_now

# The errors that mean "this answer can never be right here" (a value of another type, an option
# the live form no longer has): such a copied answer is dropped. Others (a required sub-question
# added since) are the person's to fix, and stay.
REFUSED = frozenset({"type", "option"})
_PATH = re.compile(r"^(?P<field>[a-z][a-z0-9_]*)(?:\[(?P<index>\d+)\])?(?:\.(?P<part>[a-z][a-z0-9_]*))?$")


def _agency_type(user: User) -> str | None:
    agency = agencies.get(user.agency_id)
    return agency.agency_type if agency is not None else None


ACCOUNT: dict[str, Callable[[User], str | None]] = {
    "account.name": lambda user: user.name,
    "account.email": lambda user: user.email,
    "account.phone": lambda user: user.phone or None,
    "account.agency": lambda user: user.agency,
    "account.agency_type": _agency_type,
}


def from_account(user: User, compiled: CompiledForm) -> dict[str, Any]:
    """The answers a new draft of `compiled` starts with, from `user`'s account."""
    answers: dict[str, Any] = {}
    for f in compiled.form.prefilled("account."):
        read = ACCOUNT.get(f.prefill or "")
        value = read(user) if read is not None else None
        if isinstance(value, str) and value.strip():
            answers[f.id] = value.strip()
    return answers


def from_earlier(submission: Submission, compiled: CompiledForm) -> dict[str, Any]:
    """The answers of `submission` that the (live) form `compiled` copies into a new referral:
    its `earlier_referral` fields that exist in both, a repeat's items less any sub-question gone
    (or a file: uploads belong to the referral they were sent with)."""
    earlier = submission.answers if isinstance(submission.answers, dict) else {}
    copied: dict[str, Any] = {}
    for f in compiled.form.prefilled(m.EARLIER_REFERRAL):
        value = earlier.get(f.id)
        if value is None or value in ("", []):
            continue
        if f.type == "repeat":
            if not isinstance(value, list):
                continue
            keep = {sub.id for sub in f.fields if sub.type != "file"}
            items = [{k: v for k, v in item.items() if k in keep} for item in value if isinstance(item, dict)]
            value = [item for item in items if item]
            if not value:
                continue
        copied[f.id] = value
    return copied


def starting_answers(user: User, compiled: CompiledForm, earlier: Submission | None = None) -> dict[str, Any]:
    """A new draft's answers: the account's values, and an earlier referral's if one is given,
    less any the form refuses as the wrong type or an unknown option."""
    answers = from_account(user, compiled)
    if earlier is not None:
        answers.update(from_earlier(earlier, compiled))
    return without_refused(compiled, answers)


def without_refused(compiled: CompiledForm, answers: dict[str, Any]) -> dict[str, Any]:
    """`answers` less each one the form refuses as a wrong type or unknown option (a top-level
    answer, a repeat item's sub-answer or a whole item, a part of a composite)."""
    cleaned = {k: _copy(v) for k, v in answers.items()}
    for _ in range(3):  # dropping one answer can show a question it hid: check again, a few times at most
        refused = [e.field for e in evaluate_now(compiled, cleaned).errors if e.code in REFUSED and e.field]
        if not refused:
            break
        for path in refused:
            _drop(cleaned, path)
        for key, value in list(cleaned.items()):
            if isinstance(value, list) and any(item is None for item in value):
                cleaned[key] = [item for item in value if item is not None]
            if cleaned[key] in ({}, [], None):
                del cleaned[key]
    return cleaned


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _drop(answers: dict[str, Any], path: str) -> None:
    match = _PATH.match(path)
    if match is None or match["field"] not in answers:
        return
    name, index, part = match["field"], match["index"], match["part"]
    if index is None and part is None:
        del answers[name]
        return
    holder: Any = answers[name]
    if index is not None:
        items = holder if isinstance(holder, list) else []
        if int(index) >= len(items):
            return
        if part is None:
            items[int(index)] = None  # removed after the pass, so the indexes of the others hold
            return
        holder = items[int(index)]
    if isinstance(holder, dict) and part is not None:
        holder.pop(part, None)
