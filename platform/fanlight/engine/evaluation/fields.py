"""One coercer per field type: JSON answer -> (clean answer, expression value, problems).

Each coercer checks the answer's shape and the field's constraints. It never raises:
hostile input gives a coded issue. `required` is decided later, once every field's
visibility and value are known (`required_if` may look at any field).
"""

from __future__ import annotations

import datetime
import decimal
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..definitions import model as m
from ..expressions import Horizon
from ..problems import Where
from ..regexes import RegexRefused, compile_linear

UTC = datetime.UTC
DEFAULT_MAX_LENGTH = {"text": 500, "textarea": 10_000, "email": 254, "phone": 30, "postcode": 12, "nhs_number": 20}
MAX_ITEMS_CEILING = 200  # no repeat, checkbox list or file list is read beyond this, whatever the form says


@dataclass(frozen=True, slots=True)
class Issue:
    code: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Coerced:
    answer: Any = None  # the cleaned JSON answer (None: unanswered)
    value: Any = None  # the same, in the expression language's types
    issues: tuple[Issue, ...] = ()



def _bad(code: str, **params: Any) -> Coerced:
    return Coerced(None, None, (Issue(code, params),))


@dataclass(frozen=True, slots=True)
class Clock:
    """The evaluation's clock as the coercers read it: each reading is noted in its horizon."""

    horizon: Horizon

    @property
    def now(self) -> datetime.datetime:
        return self.horizon.now

    @property
    def today(self) -> datetime.date:
        return self.horizon.today()


Coercer = Callable[[m.Field, Any, Clock], Coerced]


def is_empty(raw: Any) -> bool:
    return raw is None or raw in ("", [], {}) or (isinstance(raw, str) and not raw.strip())


def _string(f: m.Field, raw: Any) -> str | Coerced:
    if not isinstance(raw, str):
        return _bad("type", expected="text")
    text = raw.strip() if f.type != "textarea" else raw.strip("\n\r ")
    if "\x00" in text:
        return _bad("type", expected="text without control characters")
    limit = f.max_length if f.max_length is not None else DEFAULT_MAX_LENGTH.get(f.type, 500)
    if len(text) > limit:
        return _bad("max_length", max_length=limit)
    if f.min_length is not None and len(text) < f.min_length:
        return _bad("min_length", min_length=f.min_length)
    return text


def text(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    value = _string(f, raw)
    if isinstance(value, Coerced):
        return value
    if f.pattern is not None and not _matches(f.pattern, value):
        return _bad("pattern")
    return Coerced(value, value)


def _matches(pattern: str, value: str) -> bool:
    """The author's pattern, matched in linear time (RE2); a refused pattern matches nothing."""
    try:
        return compile_linear(pattern).fullmatch(value) is not None
    except RegexRefused:  # reported as DEF008/DEF010 when loading; never published
        return False


_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


def email(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    value = _string(f, raw)
    if isinstance(value, Coerced):
        return value
    return Coerced(value, value) if _EMAIL.fullmatch(value) else _bad("pattern", expected="an email address")


def phone(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    value = _string(f, raw)
    if isinstance(value, Coerced):
        return value
    digits = re.sub(r"[\s\-().]", "", value)
    if digits.startswith("+44"):
        digits = "0" + digits[3:].removeprefix("0")
    if re.fullmatch(r"0[0-9]{9,10}", digits) is None:
        return _bad("pattern", expected="a UK phone number")
    return Coerced(value, value)


_POSTCODE = re.compile(r"(GIR0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKMNPR-Y]?[0-9][ABD-HJLNP-UW-Z]{2})")


def postcode(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    value = _string(f, raw)
    if isinstance(value, Coerced):
        return value
    compact = re.sub(r"\s", "", value).upper()
    if _POSTCODE.fullmatch(compact) is None:
        return _bad("pattern", expected="a UK postcode")
    normal = f"{compact[:-3]} {compact[-3:]}"
    return Coerced(normal, normal)


def nhs_number(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    value = _string(f, raw)
    if isinstance(value, Coerced):
        return value
    digits = re.sub(r"[\s-]", "", value)
    if re.fullmatch(r"[0-9]{10}", digits) is None or not nhs_check_digit_ok(digits):
        return _bad("pattern", expected="a 10-digit NHS number")
    return Coerced(digits, digits)


def nhs_check_digit_ok(digits: str) -> bool:
    """Modulus 11 check of a 10-digit NHS number (NHS Data Dictionary)."""
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def number(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return _bad("type", expected="a number")
    if isinstance(raw, str):
        if re.fullmatch(r"\s*-?[0-9]{1,15}(\.[0-9]{1,10})?\s*", raw) is None:
            return _bad("type", expected="a number")
        raw = float(raw) if "." in raw else int(raw)
    if isinstance(raw, float) and (math.isnan(raw) or math.isinf(raw) or abs(raw) > 1e15):
        return _bad("type", expected="a number")
    if isinstance(raw, int) and abs(raw) > 10**15:
        return _bad("max", max=f.max if f.max is not None else 10**15)
    if f.integer and raw != int(raw):
        return _bad("type", expected="a whole number")
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if f.min is not None and raw < f.min:
        return _bad("min", min=f.min)
    if f.max is not None and raw > f.max:
        return _bad("max", max=f.max)
    return Coerced(raw, decimal.Decimal(repr(raw)))


def date(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if not isinstance(raw, str) or re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw.strip()) is None:
        return _bad("type", expected="a date (YYYY-MM-DD)")
    try:
        day = datetime.date.fromisoformat(raw.strip())
    except ValueError:
        return _bad("type", expected="a real date")
    low = clock.today if f.min == "today" else f.min
    high = clock.today if f.max == "today" else f.max
    if isinstance(low, datetime.date) and day < low:
        return _bad("min", min=low.isoformat())
    if isinstance(high, datetime.date) and day > high:
        return _bad("max", max=high.isoformat())
    return Coerced(day.isoformat(), datetime.datetime(day.year, day.month, day.day, tzinfo=UTC))


def datetime_(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if (
        not isinstance(raw, str)
        or len(raw) > 40
        or not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}", raw.strip())
    ):
        return _bad("type", expected="a date and time (ISO 8601)")
    try:
        moment = datetime.datetime.fromisoformat(raw.strip())
    except ValueError:
        return _bad("type", expected="a real date and time")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        moment = moment.astimezone(UTC)
    except OverflowError:  # e.g. 9999-12-31T23:59-23:59 is past the end of the calendar in UTC
        return _bad("type", expected="a real date and time")
    low = _now_bound(clock, moment, later=False) if f.min == "now" else f.min
    high = _now_bound(clock, moment, later=True) if f.max == "now" else f.max
    if isinstance(low, datetime.datetime) and moment < low:
        return _bad("min", min=low.isoformat())
    if isinstance(high, datetime.datetime) and moment > high:
        return _bad("max", max=high.isoformat())
    return Coerced(moment.isoformat().replace("+00:00", "Z"), moment)


def _now_bound(clock: Clock, moment: datetime.datetime, *, later: bool) -> datetime.datetime:
    """`now` as a bound on `moment`, noting for how long the check's outcome holds. The clock only
    moves on: a moment already past passes `max: now` for ever and fails `min: now` for ever (its
    message names now, so that outcome holds no longer than now itself). One still to come fails
    `max: now` until it arrives, with a message that names now; it passes `min: now` until just
    after it."""
    now = clock.now
    if later and moment <= now:
        return now
    if not later and moment >= now:
        if moment < datetime.datetime.max.replace(tzinfo=UTC):  # else it passes to the end of the calendar
            clock.horizon.holds_until(moment + datetime.timedelta(microseconds=1))
        return now
    return clock.horizon.exact()


_YES = {"yes", "true"}
_NO = {"no", "false"}


def yes_no(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if isinstance(raw, str) and raw.strip().lower() in _YES | _NO:
        raw = raw.strip().lower() in _YES
    if not isinstance(raw, bool):
        return _bad("type", expected="yes or no")
    return Coerced(raw, raw)


def choice(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if not isinstance(raw, str):
        return _bad("type", expected="one of the options")
    if raw not in f.option_values():
        return _bad("option")
    return Coerced(raw, raw)


def checkboxes(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        return _bad("type", expected="a list of options")
    chosen = list(dict.fromkeys(items))[:MAX_ITEMS_CEILING]
    if any(i not in f.option_values() for i in chosen):
        return _bad("option")
    counted = _count(f, len(chosen))
    if counted is not None:
        return counted
    return Coerced(chosen, tuple(chosen))


def _count(f: m.Field, n: int) -> Coerced | None:
    if n > min(f.max_items if f.max_items is not None else MAX_ITEMS_CEILING, MAX_ITEMS_CEILING):
        return _bad("max_items", max_items=f.max_items if f.max_items is not None else MAX_ITEMS_CEILING)
    if f.min_items is not None and n < f.min_items:
        return _bad("min_items", min_items=f.min_items)
    return None


_FILE_ID = re.compile(r"[A-Za-z0-9_\-]{1,128}")


def file(f: m.Field, raw: Any, clock: Clock) -> Coerced:
    if not isinstance(raw, list) or not all(isinstance(i, dict) for i in raw):
        return _bad("type", expected="a list of attachments")
    counted = _count(f, len(raw))
    if counted is not None:
        return counted
    clean: list[dict[str, Any]] = []
    for item in raw:
        ref_id, name, size, mime = item.get("id"), item.get("name"), item.get("size"), item.get("type")
        if not (
            isinstance(ref_id, str)
            and _FILE_ID.fullmatch(ref_id)
            and isinstance(name, str)
            and 0 < len(name) <= 255
            and isinstance(size, int)
            and not isinstance(size, bool)
            and size >= 0
            and isinstance(mime, str)
        ):
            return _bad("type", expected="an attachment reference")
        if f.accept and mime not in f.accept:
            return _bad("type", expected="one of " + ", ".join(f.accept))
        if f.max_size is not None and size > f.max_size:
            return _bad("max", max=f.max_size)
        clean.append({"id": ref_id, "name": name, "size": size, "type": mime})
    value = tuple({**c, "size": decimal.Decimal(c["size"])} for c in clean)
    return Coerced(clean, value)


COERCERS: dict[str, Coercer] = {
    "text": text,
    "textarea": text,
    "email": email,
    "phone": phone,
    "postcode": postcode,
    "nhs_number": nhs_number,
    "number": number,
    "date": date,
    "datetime": datetime_,
    "yes_no": yes_no,
    "radios": choice,
    "select": choice,
    "checkboxes": checkboxes,
    "file": file,
}

# Sub-answers of the consent composite, each coerced as the field type it behaves like.
CONSENT_FIELDS: dict[str, m.Field] = {
    name: m.Field(
        id=name,
        type=kind,
        where=Where("consent"),
        max="today" if kind == "date" else None,
        options=tuple(m.Option(v, v) for v in m.CONSENT_METHODS) if kind == "radios" else (),
    )
    for name, kind in m.CONSENT_PARTS.items()
}


def consent(f: m.Field, raw: Any, clock: Clock) -> tuple[dict[str, Any], dict[str, Any], dict[str, Issue]]:
    """Coerce each sub-answer; returns (clean answers, values, issues by sub-answer)."""
    answers: dict[str, Any] = {}
    values: dict[str, Any] = {}
    issues: dict[str, Issue] = {}
    if not isinstance(raw, dict):
        return answers, values, ({"": Issue("type", {"expected": "a consent record"})} if not is_empty(raw) else {})
    for name, part in CONSENT_FIELDS.items():
        if is_empty(raw.get(name)):
            continue
        result = COERCERS[part.type](part, raw[name], clock)
        if result.issues:
            issues[name] = result.issues[0]
        else:
            answers[name], values[name] = result.answer, result.value
    return answers, values, issues


def consent_asked(values: dict[str, Any]) -> list[str]:
    """Which consent sub-answers are asked, given the ones already answered."""
    sought = values.get("sought")
    given = values.get("given") if sought is True else None  # `given` counts only when it was asked
    asked = ["sought"]
    if sought is True:
        asked.append("given")
    if given is True:
        asked += ["given_by", "relationship", "has_parental_responsibility", "date", "method"]
    if sought is False or given is False:
        asked.append("reason")
    return asked
