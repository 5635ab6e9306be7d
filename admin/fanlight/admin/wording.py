"""The workbench's words for people: a moment in the front door's time zone, and a semantic diff
summed up in a line ("changed the label of consent")."""

from __future__ import annotations

import datetime

from fanlight.engine.calendar.days import long_time, zone
from fanlight.engine.diff import CONDITIONS, CONSTRAINTS
from fanlight.engine.diff import Change as DiffChange

FRONT_DOOR = "front-door"  # the calendar definition whose time zone the front door reads times in
LONDON = "Europe/London"
MOST = 6  # phrases in one summary; the rest are counted

# kind -> (verb, what of the subject changed). "{}" is the subject: a section, question, rule...
WORDS: dict[str, tuple[str, str]] = {
    "section_added": ("added", "the section {}"),
    "section_removed": ("removed", "the section {}"),
    "section_moved": ("moved", "the section {}"),
    "field_added": ("added", "the question {}"),
    "field_removed": ("removed", "the question {}"),
    "field_moved": ("moved", "the question {}"),
    "type_changed": ("changed", "the type of {}"),
    "label_changed": ("changed", "the label of {}"),
    "hint_changed": ("changed", "the hint of {}"),
    "required_changed": ("changed", "whether {} must be answered"),
    "condition_changed": ("changed", "when {} applies"),
    "options_added": ("added", "options to {}"),
    "options_removed": ("removed", "options from {}"),
    "option_label_changed": ("changed", "an option's label of {}"),
    "constraint_changed": ("changed", "a limit of {}"),
    "message_changed": ("changed", "the message of {}"),
    "rule_added": ("added", "the rule {}"),
    "rule_removed": ("removed", "the rule {}"),
    "rule_changed": ("changed", "the rule {}"),
    "indicator_added": ("added", "an indicator to {}"),
    "indicator_removed": ("removed", "an indicator from {}"),
    "indicator_level_changed": ("changed", "an indicator's level in {}"),
    "level_changed": ("changed", "the level {}"),
    "mapping_changed": ("changed", "the mapping {}"),
    "payload_added": ("added", "{} to the payload"),
    "payload_removed": ("removed", "{} from the payload"),
    "payload_changed": ("changed", "{} in the payload"),
}
ATTRIBUTE_WORDS = {"show_if": "when {} is shown", "required_if": "when {} must be answered",
                   "calculate": "how {} is calculated", "severity": "the severity of {}", "when": "when {} applies",
                   "title": "the title of {}"}
_ATTRIBUTES = {*CONDITIONS, *CONSTRAINTS, "text", "item_label", "severity", "when", "title", "field", "label", "hint"}


def at(moment: datetime.datetime | None, calendar_zone: str | None = None) -> str:
    """'30 November 2026 at 3:05pm GMT', in the front door's calendar's time zone (Europe/London without one)."""
    if moment is None:
        return ""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=datetime.UTC)
    return long_time(aware.astimezone(_zone(calendar_zone)))


def _zone(name: str | None) -> datetime.tzinfo:
    import zoneinfo  # noqa: PLC0415  (cached per name by the standard library)

    if name:
        return zoneinfo.ZoneInfo(name)
    try:
        from fanlight.web import extensions  # noqa: PLC0415  (the app's live set; outside a request: London)

        calendar = extensions.catalogue().definitions.calendars.get(FRONT_DOOR)
    except RuntimeError:
        calendar = None
    return zone(calendar) if calendar is not None else zoneinfo.ZoneInfo(LONDON)


def phrase(c: DiffChange) -> tuple[str, str]:
    """(verb, the rest): ("changed", "the label of consent")."""
    segments = [s for s in c.path.split("/") if s]
    attribute = ""
    for marker in ("options", "messages"):
        if marker in segments[1:]:
            segments = segments[: segments.index(marker, 1)]
    if len(segments) > 1 and segments[-1] in _ATTRIBUTES:
        attribute = segments[-1]
        segments = segments[:-1]
    subject = segments[-1] if segments else c.definition
    if c.kind in ("condition_changed", "rule_changed") and attribute in ATTRIBUTE_WORDS:
        return "changed", ATTRIBUTE_WORDS[attribute].format(subject)
    if c.kind == "constraint_changed" and attribute:
        return "changed", f"the {attribute.replace('_', ' ')} of {subject}"
    if c.kind == "message_changed" and segments[:1] == ["rules"] and len(segments) > 1:
        subject = f"the rule {segments[1]}"
        return "changed", f"the message of {subject}"
    verb, rest = WORDS.get(c.kind, ("changed", c.kind.replace("_", " ") + " at {}"))
    return verb, rest.format(subject)


def _phrases(changes: list[DiffChange]) -> list[str]:
    seen: list[str] = []
    for c in changes:
        verb, rest = phrase(c)
        words = f"{verb} {rest}"
        if words not in seen:
            seen.append(words)
    return seen


def summary(changes: list[DiffChange]) -> list[str]:
    """Each different thing the changes did, once, in order: ["changed the label of consent", ...]."""
    seen = _phrases(changes)
    if len(seen) > MOST:
        seen = [*seen[:MOST], f"and {len(seen) - MOST} more"]
    return seen


def title_for(changes: list[DiffChange]) -> str:
    """A title for a change that does these things: 'Change the label of consent'."""
    if not changes:
        return ""
    verb, rest = phrase(changes[0])
    imperative = {"added": "Add", "removed": "Remove", "moved": "Move"}.get(verb, "Change")
    others = len(_phrases(changes)) - 1
    return f"{imperative} {rest}" + (f" and {others} other thing{'s' if others > 1 else ''}" if others > 0 else "")


def count(n: int, noun: str) -> str:
    """'1 problem', '2 problems'."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
