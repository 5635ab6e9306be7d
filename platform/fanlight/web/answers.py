"""Posted HTML form data -> answers in the engine's one JSON shape.

Each rendered field posts a hidden `_present` marker with its name, so an unticked
checkbox (which posts nothing) clears its answer while a field that was not on the page
keeps its saved answer. Values are passed on as typed; the engine coerces and checks
them, so a bad date comes back as a `type` error next to what the person entered.
"""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from fanlight.engine.definitions import model as m

MAX_REPEAT_ROWS = 200
# C0 control characters other than tab, line feed and carriage return: never meant, and NUL
# cannot be stored at all in PostgreSQL text or JSONB.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NUMBER = re.compile(r"[0-9]{1,9}")


def clean_text(text: str) -> str:
    return _CONTROL.sub("", text)


def clean(form: MultiDict[str, str]) -> MultiDict[str, str]:
    """The posted values without control characters."""
    return MultiDict([(key, clean_text(value)) for key, value in form.items(multi=True)])


def is_number(text: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts '²', which int() then refuses."""
    return _NUMBER.fullmatch(text) is not None


def section_answers(section: m.Section, form: MultiDict[str, str], saved: dict[str, Any]) -> dict[str, Any]:
    form = clean(form)
    present = set(form.getlist("_present"))
    changes: dict[str, Any] = {}
    for f in section.fields:
        if f.id in present and f.type not in ("content", "file"):
            changes[f.id] = field_answer(f, f.id, form, saved.get(f.id))
    return changes


def field_answer(f: m.Field, name: str, form: MultiDict[str, str], saved: Any) -> Any:
    if f.type == "checkboxes":
        return [v for v in form.getlist(name) if v] or None
    if f.type == "yes_no":
        return {"yes": True, "no": False}.get(form.get(name, ""), _blank(form.get(name)))
    if f.type == "date":
        return date_answer(form, name)
    if f.type == "datetime":
        return datetime_answer(form, name)
    if f.type == "consent":
        return consent_answer(form, name)
    if f.type == "repeat":
        return repeat_answer(f, name, form, saved)
    if f.type == "file":
        return saved
    return _blank(form.get(name))


def _blank(value: str | None) -> str | None:
    return value if value not in (None, "") else None


def date_answer(form: MultiDict[str, str], name: str) -> Any:
    day, month, year = (form.get(f"{name}-{p}", "").strip() for p in ("day", "month", "year"))
    if not (day or month or year):
        return None
    if is_number(day) and is_number(month) and is_number(year) and len(year) == 4:
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return {"day": day[:10], "month": month[:10], "year": year[:10]}  # shown again as typed, with a type error


def datetime_answer(form: MultiDict[str, str], name: str) -> Any:
    day = date_answer(form, name)
    time = form.get(f"{name}-time", "").strip()[:10]
    if day is None and not time:
        return None
    if isinstance(day, str) and len(time) == 5 and time[2] == ":" and is_number(time.replace(":", "")):
        return f"{day}T{time}"
    return {"date": day, "time": time}


def consent_answer(form: MultiDict[str, str], name: str) -> dict[str, Any] | None:
    parts: dict[str, Any] = {}
    for part, kind in m.CONSENT_PARTS.items():
        key = f"{name}-{part}"
        if kind == "yes_no":
            value: Any = {"yes": True, "no": False}.get(form.get(key, ""))
        elif kind == "date":
            value = date_answer(form, key)
        else:
            value = _blank(form.get(key))
        if value is not None:
            parts[part] = value
    return parts or None


def repeat_answer(f: m.Field, name: str, form: MultiDict[str, str], saved: Any) -> list[dict[str, Any]]:
    try:
        count = min(int(form.get(f"{name}-count", "0")), MAX_REPEAT_ROWS)
    except ValueError:
        count = 0
    saved_items = saved if isinstance(saved, list) else []
    items: list[dict[str, Any]] = []
    for index in range(max(count, 0)):
        previous = saved_items[index] if index < len(saved_items) and isinstance(saved_items[index], dict) else {}
        item: dict[str, Any] = {}
        for sub in f.fields:
            if sub.type == "content":
                continue
            value = field_answer(sub, f"{name}-{index}-{sub.id}", form, previous.get(sub.id))
            if value is not None:
                item[sub.id] = value
        items.append(item)
    return items


def apply_action(section: m.Section, action: str, answers: dict[str, Any]) -> dict[str, Any] | None:
    """'add:children' or 'remove:children:2' -> the changed answers, or None if not allowed."""
    parts = action.split(":")
    repeat = next((f for f in section.fields if f.type == "repeat" and len(parts) > 1 and f.id == parts[1]), None)
    if repeat is None:
        return None
    items = list(answers.get(repeat.id) or [])
    if parts[0] == "add" and len(items) < min(repeat.max_items or MAX_REPEAT_ROWS, MAX_REPEAT_ROWS):
        items.append({})
    elif parts[0] == "remove" and len(parts) == 3 and is_number(parts[2]) and int(parts[2]) < len(items):
        del items[int(parts[2])]
    else:
        return None
    return {repeat.id: items}
