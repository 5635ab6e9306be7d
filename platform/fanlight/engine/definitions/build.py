"""Turn a schema-checked document into the typed model, checking what a schema cannot.

The builder is defensive: a file with schema problems is still built as far as possible,
so that one run reports its expression and reference problems too.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import string
import zoneinfo
from typing import Any

from yaml.nodes import ScalarNode

from ..problems import Problems, Where
from ..regexes import refusal
from . import model as m
from .source import SourceDocument

COMMON_KEYS = {"id", "type", "label", "hint", "show_if", "messages"}
ANSWERABLE_KEYS = {"required", "required_if", "prefill"}
KEYS_BY_TYPE: dict[str, set[str]] = {
    **{t: {"min_length", "max_length", "calculate", "autocomplete"} for t in m.TEXT_LIKE},
    "text": {"min_length", "max_length", "pattern", "calculate", "autocomplete"},
    "textarea": {"min_length", "max_length", "pattern"},
    "number": {"min", "max", "integer", "calculate"},
    "date": {"min", "max", "calculate"},
    "datetime": {"min", "max"},
    "yes_no": {"calculate"},
    "radios": {"options"},
    "select": {"options"},
    "checkboxes": {"options", "min_items", "max_items"},
    "repeat": {"fields", "min_items", "max_items", "item_label"},
    "consent": set(),
    "file": {"accept", "max_size", "min_items", "max_items"},
    "content": {"text"},
}
# Names an author cannot use as ids: the expression language's own words and our builtins.
RESERVED = frozenset(
    {
        "true",
        "false",
        "null",
        "and",
        "or",
        "not",
        "in",
        "if",
        "elif",
        "else",
        "for",
        "while",
        "inf",
        "nan",
        "today",
        "now",
        "self",
        "answers",
    }
)


# Compiling an expression costs about 1 ms plus 40 µs per character on a busy two-core server,
# so a file's expressions are bounded to keep any file's check under a second. The largest
# real definition (levels-of-need) has 33 expressions and 2,127 characters of them; the rules of
# the scaling benchmark's 1,000-field form (bench/synthetic_forms.py), 200 and 8,834.
MAX_EXPRESSION_LENGTH = 4_000  # the schemas' maxLength: a longer one is DEF004 and is not compiled
MAX_EXPRESSIONS = 300
MAX_EXPRESSION_CHARS = 15_000


class Builder:
    """Builds one document. Problems go to `problems`; the result may be partial."""

    def __init__(self, doc: SourceDocument) -> None:
        self.doc = doc
        self.problems = Problems()
        self.hash = content_hash(doc)
        self.expressions = 0
        self.expression_chars = 0

    def where(self, *path: str | int) -> Where:
        return self.doc.where(path)

    def expression(self, value: Any, *path: str | int) -> m.Expression | None:
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_EXPRESSION_LENGTH:
            return None
        self.expressions += 1
        self.expression_chars += len(value)
        if self.expressions > MAX_EXPRESSIONS or self.expression_chars > MAX_EXPRESSION_CHARS:
            if self.expressions - 1 <= MAX_EXPRESSIONS and self.expression_chars - len(value) <= MAX_EXPRESSION_CHARS:
                self.problems.add(
                    self.where(*path),
                    "DEF011",
                    f"more than {MAX_EXPRESSIONS} expressions or {MAX_EXPRESSION_CHARS:,} characters of "
                    "expressions in one file; split it into several files",
                )
            return None
        node = self.doc.node(path)
        raw = ""
        if isinstance(node, ScalarNode):  # mark indexes count characters, with either parser
            raw = self.doc.text[node.start_mark.index : node.end_mark.index]
        return m.Expression(value, self.where(*path), raw)

    def header(self, data: dict[str, Any]) -> dict[str, Any]:
        version = data.get("version")
        return {
            "kind": str(data.get("kind")),
            "id": str(data.get("id", "")),
            "version": version if isinstance(version, int) else 0,
            "title": str(data.get("title", "")),
            "path": self.doc.path,
            "content_hash": self.hash,
            "description": _str(data.get("description")),
        }

    # forms ---------------------------------------------------------------------------

    def form(self, data: dict[str, Any]) -> m.Form:
        sections = [
            self.section(s, ("sections", i)) for i, s in enumerate(_list(data.get("sections"))) if isinstance(s, dict)
        ]
        rulesets = [r for r in _list(data.get("rulesets")) if isinstance(r, str)]
        thresholds = data.get("thresholds") if isinstance(data.get("thresholds"), str) else None
        form = m.Form(**self.header(data), sections=sections, rulesets=rulesets, thresholds=thresholds,
                      retention=self.retention(data.get("retention")),
                      audience="front_door" if data.get("audience") == "front_door" else "professionals")
        form.rulesets_where = self.where("rulesets")
        form.thresholds_where = self.where("thresholds")
        self._check_unique_ids(form)
        return form

    def retention(self, data: Any) -> m.Retention:
        """A form's `retention:` block (its shape is the schema's); what it leaves out keeps the default."""
        block: dict[str, Any] = data if isinstance(data, dict) else {}
        drafts: dict[str, Any] = block["drafts"] if isinstance(block.get("drafts"), dict) else {}
        submissions: dict[str, Any] = block["submissions"] if isinstance(block.get("submissions"), dict) else {}
        remind, delete = _days(drafts.get("remind_after_days")), _days(drafts.get("delete_after_days"))
        if remind is not None and delete is not None and remind >= delete:
            self.problems.add(
                self.where("retention", "drafts", "remind_after_days"),
                "DEF009",
                f"'remind_after_days' ({remind}) is not before 'delete_after_days' ({delete}): "
                "the reminder must come before the draft is deleted",
            )
        return m.Retention(
            draft_remind_after_days=remind or m.DRAFT_REMIND_AFTER_DAYS,
            draft_delete_after_days=delete or m.DRAFT_DELETE_AFTER_DAYS,
            submission_delete_after_days=_days(submissions.get("delete_after_days")),
        )

    def section(self, data: dict[str, Any], path: tuple[str | int, ...]) -> m.Section:
        fields = self.fields(data.get("fields"), (*path, "fields"), in_repeat=False)
        self._check_id(data.get("id"), path)
        return m.Section(
            id=str(data.get("id", "")),
            title=str(data.get("title", "")),
            where=self.where(*path),
            fields=fields,
            description=_str(data.get("description")),
            show_if=self.expression(data.get("show_if"), *path, "show_if"),
        )

    def fields(self, data: Any, path: tuple[str | int, ...], *, in_repeat: bool) -> list[m.Field]:
        return [
            self.field(f, (*path, i), in_repeat=in_repeat) for i, f in enumerate(_list(data)) if isinstance(f, dict)
        ]

    def field(self, data: dict[str, Any], path: tuple[str | int, ...], *, in_repeat: bool) -> m.Field:
        ftype = str(data.get("type", ""))
        self._check_keys(data, ftype, path, in_repeat)
        self._check_id(data.get("id"), path)
        field = m.Field(
            id=str(data.get("id", "")),
            type=ftype,
            where=self.where(*path),
            label=_str(data.get("label")) or "",
            hint=_str(data.get("hint")),
            text=_str(data.get("text")),
            required=data.get("required") is True,
            required_if=self.expression(data.get("required_if"), *path, "required_if"),
            show_if=self.expression(data.get("show_if"), *path, "show_if"),
            calculate=self.expression(data.get("calculate"), *path, "calculate"),
            integer=data.get("integer") is True,
            min_length=_int(data.get("min_length")),
            max_length=_int(data.get("max_length")),
            pattern=_str(data.get("pattern")),
            min_items=_int(data.get("min_items")),
            max_items=_int(data.get("max_items")),
            item_label=_str(data.get("item_label")),
            autocomplete=_str(data.get("autocomplete")),
            prefill=_prefill(data.get("prefill")),
            accept=tuple(a for a in _list(data.get("accept")) if isinstance(a, str)),
            max_size=_int(data.get("max_size")),
            messages={k: v for k, v in (data.get("messages") or {}).items() if isinstance(v, str)}
            if isinstance(data.get("messages"), dict)
            else {},
        )
        field.min = self._bound(data, "min", ftype, path)
        field.max = self._bound(data, "max", ftype, path)
        self._options(field, data.get("options"), path)
        if ftype == "repeat":
            field.fields = self.fields(data.get("fields"), (*path, "fields"), in_repeat=True)
        self._check_constraints(field, data, path)
        return field

    def _check_keys(self, data: dict[str, Any], ftype: str, path: tuple[str | int, ...], in_repeat: bool) -> None:
        if ftype not in KEYS_BY_TYPE:
            return  # the schema reports the unknown type itself
        allowed = COMMON_KEYS | KEYS_BY_TYPE[ftype] | (ANSWERABLE_KEYS if ftype != "content" else set())
        for key in data:
            if key not in allowed and key in _ALL_FIELD_KEYS:
                self.problems.add(
                    self.doc.key_where([*path, key]), "DEF007", f"'{key}' does not apply to a {ftype} field"
                )
        if ftype == "repeat" and in_repeat:
            self.problems.add(self.where(*path, "type"), "DEF007", "a repeat cannot contain another repeat")
        if ftype == "content" and not data.get("text"):
            self.problems.add(self.where(*path), "DEF001", "a content field needs 'text'")
        if ftype != "content" and not data.get("label"):
            self.problems.add(self.where(*path), "DEF001", f"a {ftype} field needs a 'label'")
        if ftype in m.CHOICE and "options" not in data:
            self.problems.add(self.where(*path), "DEF001", f"a {ftype} field needs 'options'")
        if ftype == "repeat" and "fields" not in data:
            self.problems.add(self.where(*path), "DEF001", "a repeat field needs 'fields'")
        self._check_prefill(data, ftype, path, in_repeat)

    def _check_prefill(self, data: dict[str, Any], ftype: str, path: tuple[str | int, ...], in_repeat: bool) -> None:
        """`prefill:` names a source that can fill this field (an unknown source is the schema's DEF004)."""
        source = _prefill(data.get("prefill"))
        if source is None or ftype not in KEYS_BY_TYPE or ftype == "content":
            return  # a content field is refused 'prefill' with the other keys that do not apply to it
        where = self.where(*path, "prefill")
        if in_repeat:
            self.problems.add(where, "DEF007", "'prefill' does not apply to a field inside a repeat: put it on the "
                              "repeat, whose items are then copied whole")
        elif ftype == "file":
            self.problems.add(where, "DEF007", "'prefill' does not apply to a file field: uploaded files are never "
                              "copied")
        elif ftype not in m.PREFILL_SOURCES[source]:
            fits = ", ".join(sorted(m.PREFILL_SOURCES[source]))
            self.problems.add(where, "DEF007", f"'prefill: {source}' does not apply to a {ftype} field ({fits} only)")
        elif "calculate" in data:
            self.problems.add(where, "DEF009", "a calculated field cannot also be pre-filled: its value is worked "
                              "out from the other answers")

    def _bound(self, data: dict[str, Any], key: str, ftype: str, path: tuple[str | int, ...]) -> Any:
        value = data.get(key)
        if value is None or isinstance(value, bool):
            return None
        if ftype == "number":
            if isinstance(value, (int, float)):
                return value
            self.problems.add(self.where(*path, key), "DEF002", f"'{key}' of a number field must be a number")
            return None
        if ftype in ("date", "datetime"):
            special = "today" if ftype == "date" else "now"
            if value == special or (isinstance(value, str) and _parse_bound(value, ftype) is not None):
                return special if value == special else _parse_bound(str(value), ftype)
            self.problems.add(
                self.where(*path, key),
                "DEF004",
                f"'{key}' of a {ftype} field must be an ISO {ftype} or '{special}', not {value!r}",
            )
        return None

    def _options(self, field: m.Field, data: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(data, str):
            field.options_ref = data
        elif isinstance(data, list):
            field.options = self.option_list(data, (*path, "options"))

    def option_list(self, data: list[Any], path: tuple[str | int, ...]) -> tuple[m.Option, ...]:
        options: list[m.Option] = []
        seen: set[str] = set()
        for i, o in enumerate(data):
            if not isinstance(o, dict) or not isinstance(o.get("value"), str):
                continue
            if o["value"] in seen:
                self.problems.add(
                    self.where(*path, i, "value"), "REF001", f"option value '{o['value']}' is listed twice"
                )
            seen.add(o["value"])
            options.append(m.Option(o["value"], str(o.get("label", "")), _str(o.get("hint")), _str(o.get("code"))))
        return tuple(options)

    def _check_constraints(self, field: m.Field, data: dict[str, Any], path: tuple[str | int, ...]) -> None:
        if field.pattern is not None:
            refused = refusal(field.pattern)
            if refused is not None:
                self.problems.add(self.where(*path, "pattern"), refused.code, refused.message)
        for low, high in (("min", "max"), ("min_length", "max_length"), ("min_items", "max_items")):
            a: Any = getattr(field, low)
            b: Any = getattr(field, high)
            if isinstance(a, (int, float, datetime.date)) and type(a) is type(b) and _greater(a, b):
                self.problems.add(
                    self.where(*path, low), "DEF009", f"'{low}' ({data[low]}) is above '{high}' ({data[high]})"
                )

    def _check_id(self, value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, str) and value in RESERVED:
            self.problems.add(self.where(*path, "id"), "REF005", f"'{value}' is a reserved name; choose another id")

    def _check_unique_ids(self, form: m.Form) -> None:
        first: dict[str, m.Field] = {}
        for field in form.top_fields():  # a repeat's sub-fields are an id scope of their own
            if field.id in first:
                self.problems.add(
                    field.where, "REF001", f"field id '{field.id}' is already used on line {first[field.id].where.line}"
                )
            else:
                first[field.id] = field
        sections: dict[str, m.Section] = {}
        for section in form.sections:
            if section.id in sections:
                self.problems.add(
                    section.where,
                    "REF001",
                    f"section id '{section.id}' is already used on line {sections[section.id].where.line}",
                )
            sections.setdefault(section.id, section)

    # other kinds ---------------------------------------------------------------------

    def ruleset(self, data: dict[str, Any]) -> m.Ruleset:
        rules: list[m.Rule] = []
        seen: set[str] = set()
        for i, r in enumerate(_list(data.get("rules"))):
            when = self.expression(r.get("when"), "rules", i, "when") if isinstance(r, dict) else None
            if not isinstance(r, dict) or when is None:
                continue
            rid = str(r.get("id", ""))
            if rid in seen:
                self.problems.add(self.where("rules", i, "id"), "REF001", f"rule id '{rid}' is listed twice")
            seen.add(rid)
            rules.append(
                m.Rule(
                    id=rid,
                    when=when,
                    where=self.where("rules", i),
                    severity=_str(r.get("severity")),
                    field=_str(r.get("field")),
                    for_each=_str(r.get("for_each")),
                    message=_str(r.get("message")),
                    set=dict(r["set"]) if isinstance(r.get("set"), dict) else {},
                    **self.acknowledgement(r, i),
                )
            )
        return m.Ruleset(**self.header(data), rules=rules)

    def acknowledgement(self, r: dict[str, Any], i: int) -> dict[str, Any]:
        """`acknowledge` (and its `acknowledge_label`): only a warning can ask for a tick. An error
        already stops the referral and an info asks nothing of the referrer: either is DEF007."""
        acknowledge = r.get("acknowledge") is True
        label = _str(r.get("acknowledge_label"))
        if "acknowledge" in r and r.get("severity") != "warning":
            self.problems.add(self.doc.key_where(["rules", i, "acknowledge"]), "DEF007",
                              f"rules[{i}].acknowledge: only a rule with severity: warning can ask for a tick "
                              f"(this one has {'severity: ' + str(r['severity']) if 'severity' in r else 'no severity'})")
            return {}
        if label is not None and not acknowledge:
            self.problems.add(self.doc.key_where(["rules", i, "acknowledge_label"]), "DEF007",
                              f"rules[{i}].acknowledge_label: only used with acknowledge: true")
            return {}
        return {"acknowledge": acknowledge, "acknowledge_label": label if acknowledge else None}

    def thresholds(self, data: dict[str, Any]) -> m.Thresholds:
        levels = [
            m.Level(lv["level"], str(lv.get("name", "")), str(lv.get("summary", "")), _str(lv.get("description")))
            for lv in _list(data.get("levels"))
            if isinstance(lv, dict) and isinstance(lv.get("level"), int)
        ]
        domains = [
            m.Domain(str(d.get("id", "")), str(d.get("name", "")), _str(d.get("description")))
            for d in _list(data.get("domains"))
            if isinstance(d, dict)
        ]
        indicators = [
            m.Indicator(
                id=str(ind.get("id", "")),
                level=_int(ind.get("level")) or 0,
                domain=str(ind.get("domain", "")),
                text=str(ind.get("text", "")),
                where=self.where("indicators", i),
                when=self.expression(ind.get("when"), "indicators", i, "when"),
            )
            for i, ind in enumerate(_list(data.get("indicators")))
            if isinstance(ind, dict)
        ]
        result = m.Thresholds(**self.header(data), levels=levels, domains=domains, indicators=indicators)
        self._check_thresholds(result)
        return result

    def _check_thresholds(self, t: m.Thresholds) -> None:
        for i, number in enumerate(lv.level for lv in t.levels):
            if number in [lv.level for lv in t.levels[:i]]:
                self.problems.add(self.where("levels", i, "level"), "REF001", f"level {number} is listed twice")
        domain_ids = [d.id for d in t.domains]
        level_numbers = {lv.level for lv in t.levels}
        seen: set[str] = set()
        for i, ind in enumerate(t.indicators):
            if ind.id in seen:
                self.problems.add(
                    self.where("indicators", i, "id"), "REF001", f"indicator id '{ind.id}' is listed twice"
                )
            seen.add(ind.id)
            if ind.domain not in domain_ids:
                self.problems.add(
                    self.where("indicators", i, "domain"),
                    "REF007",
                    f"unknown domain '{ind.domain}' (domains: {', '.join(domain_ids)})",
                )
            if ind.level not in level_numbers:
                self.problems.add(self.where("indicators", i, "level"), "REF007", f"unknown level {ind.level}")

    def agency(self, data: dict[str, Any]) -> m.Agency:
        return m.Agency(
            **self.header(data),
            agency_type=str(data.get("agency_type", "")),
            agency_type_where=self.where("agency_type"),
            email_domains=tuple(d.lower() for d in _list(data.get("email_domains")) if isinstance(d, str)),
            forms=tuple(f for f in _list(data.get("forms")) if isinstance(f, str)),
            forms_where=self.where("forms"),
        )

    # calendars -----------------------------------------------------------------------

    def calendar(self, data: dict[str, Any]) -> m.Calendar:
        """A calendar; what it leaves out keeps the default (Monday to Friday, 09:00-17:00, Europe/London)."""
        calendar = m.Calendar(**self.header(data))
        days = [m.WEEKDAYS.index(d) for d in _list(data.get("working_days")) if d in m.WEEKDAYS]
        calendar.working_days = frozenset(days) if "working_days" in data else calendar.working_days
        if isinstance(data.get("bank_holidays"), str) and data["bank_holidays"] in m.BANK_HOLIDAY_REGIONS:
            calendar.bank_holidays = data["bank_holidays"]
        calendar.timezone = self._timezone(data.get("timezone")) or calendar.timezone
        opens, closes = _clock_time(data.get("opens")), _clock_time(data.get("closes"))
        calendar.opens, calendar.closes = opens or calendar.opens, closes or calendar.closes
        both_read = (opens or "opens" not in data) and (closes or "closes" not in data)
        if both_read and calendar.closes <= calendar.opens:
            at = "closes" if "closes" in data else "opens"
            self.problems.add(
                self.where(at),
                "DEF009",
                f"'closes' ({calendar.closes:%H:%M}) is not after 'opens' ({calendar.opens:%H:%M}): "
                "a working day must have working hours",
            )
        calendar.closures = self._closures(_list(data.get("closures")))
        return calendar

    def _closures(self, data: list[Any]) -> dict[datetime.date, str]:
        closures: dict[datetime.date, str] = {}
        lines: dict[datetime.date, int] = {}
        for i, closure in enumerate(data):
            if not isinstance(closure, dict) or not isinstance(closure.get("date"), str):
                continue
            if _looks_like_a_date(closure["date"]):  # otherwise the schema says so
                self._check_date(closure["date"], ("closures", i, "date"))
            day = _parse_bound(closure["date"], "date")
            if not isinstance(day, datetime.date):
                continue
            where = self.where("closures", i, "date")
            if day in closures:
                self.problems.add(
                    where, "REF001", f"closure date {day.isoformat()} is already listed on line {lines[day]}"
                )
            else:
                closures[day], lines[day] = str(closure.get("reason", "")), where.line
        return closures

    def _timezone(self, value: Any) -> str | None:
        """The time zone name if the tz database knows it (the schema has checked its form)."""
        if not isinstance(value, str) or not _looks_like_a_zone(value):
            return None
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            close = difflib.get_close_matches(value, sorted(zoneinfo.available_timezones()), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.problems.add(self.where("timezone"), "DEF004", f"timezone: unknown time zone '{value}'{hint}")
            return None
        return value

    # mappings ------------------------------------------------------------------------

    def mapping(self, data: dict[str, Any]) -> m.Mapping:
        decision_form = data.get("decision_form")
        # Anything but a mapping is the schema's to report (DEF002), and is not compiled.
        payload = self.payload_node(data["payload"], ("payload",)) if isinstance(data.get("payload"), dict) else None
        if payload is not None and payload.kind != "object":
            self.problems.add(
                self.where("payload"), "DEF004", "payload: must be a mapping of keys (the JSON object to send)"
            )
        return m.Mapping(
            **self.header(data),
            form=str(data.get("form", "")),
            form_where=self.where("form"),
            destination=str(data.get("destination", "")),
            decision_form=decision_form if isinstance(decision_form, str) else m.DECISION_FORM,
            decision_form_where=self.where("decision_form") if "decision_form" in data else self.where(),
            when=self.expression(data.get("when"), "when"),
            payload=payload,
        )

    def payload_node(self, data: Any, path: tuple[str | int, ...]) -> m.PayloadNode:
        """One node of a payload (its shape is the schema's: what it rejects is built as far as it goes)."""
        where = self.where(*path)
        if isinstance(data, str):
            return m.PayloadNode("expression", where, expression=self.expression(data, *path))
        if isinstance(data, list):
            items = [self.payload_node(item, (*path, i)) for i, item in enumerate(data)]
            return m.PayloadNode("list", where, items=items)
        if isinstance(data, dict) and "each" in data:
            item = self.payload_node(data["item"], (*path, "item")) if "item" in data else None
            each = data["each"] if isinstance(data["each"], str) else None
            return m.PayloadNode("each", where, each=each, each_where=self.where(*path, "each"), item=item)
        if isinstance(data, dict) and set(data) == {"value"}:
            return m.PayloadNode("literal", where, literal=data["value"])
        if isinstance(data, dict):
            keys = {str(k): self.payload_node(v, (*path, k)) for k, v in data.items()}
            return m.PayloadNode("object", where, keys=keys)
        return m.PayloadNode("literal", where, literal=data)

    def options(self, data: dict[str, Any]) -> m.OptionList:
        return m.OptionList(**self.header(data), options=self.option_list(_list(data.get("options")), ("options",)))

    def tests(self, data: dict[str, Any]) -> m.TestSuite:
        scenarios = [
            m.Scenario(
                name=str(s.get("name", f"scenario {i + 1}")),
                answers=s["answers"] if isinstance(s.get("answers"), dict) else {},
                expect=s["expect"] if isinstance(s.get("expect"), dict) else {},
                where=self.where("scenarios", i),
                today=_str(s.get("today")),
                references=self._references(s.get("expect"), i),
            )
            for i, s in enumerate(_list(data.get("scenarios")))
            if isinstance(s, dict)
        ]
        self._check_date(data.get("today"), ("today",))
        for i, s in enumerate(_list(data.get("scenarios"))):
            if isinstance(s, dict):
                self._check_date(s.get("today"), ("scenarios", i, "today"))
        return m.TestSuite(
            **self.header(data),
            form=str(data.get("form", "")),
            form_where=self.where("form"),
            today=_str(data.get("today")),
            scenarios=scenarios,
        )

    def _check_date(self, value: Any, path: tuple[str | int, ...]) -> None:
        if isinstance(value, str) and _parse_bound(value, "date") is None:
            self.problems.add(self.where(*path), "DEF004", f"'{value}' is not a real date (YYYY-MM-DD)")

    def _references(self, expect: Any, i: int) -> list[tuple[str, Where]]:
        if not isinstance(expect, dict):
            return []
        found: list[tuple[str, Where]] = []
        for key in ("visible", "hidden"):
            for j, path in enumerate(_list(expect.get(key))):
                if isinstance(path, str):
                    found.append((path, self.where("scenarios", i, "expect", key, j)))
        for key in ("errors", "not_errors", "warnings"):
            for j, item in enumerate(_list(expect.get(key))):
                if isinstance(item, dict) and isinstance(item.get("field"), str):
                    found.append((item["field"], self.where("scenarios", i, "expect", key, j, "field")))
        return found


_ALL_FIELD_KEYS = set().union(*KEYS_BY_TYPE.values(), COMMON_KEYS, ANSWERABLE_KEYS)


def content_hash(doc: SourceDocument) -> str:
    """sha256 of the file's bytes as read: what a published version is pinned to."""
    text = doc.text if doc.root is not None else ""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _parse_bound(value: str, ftype: str) -> datetime.date | datetime.datetime | None:
    try:
        if ftype == "date":
            return datetime.date.fromisoformat(value)
        parsed = datetime.datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)
    except ValueError:
        return None


def _greater(a: Any, b: Any) -> bool:
    """a > b for two bounds of one type (mypy cannot see that the type check above makes them alike)."""
    return bool(a > b)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _prefill(value: Any) -> str | None:
    """A known `prefill:` source, or None (anything else is the schema's to report)."""
    return value if isinstance(value, str) and value in m.PREFILL_SOURCES else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _days(value: Any) -> int | None:
    """A whole number of days of at least 1 (anything else is the schema's to report)."""
    days = _int(value)
    return days if days is not None and days >= 1 else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


_ZONE_CHARACTERS = frozenset(string.ascii_letters + string.digits + "_+-")


def _looks_like_a_zone(value: str) -> bool:
    """As calendar.schema.json's pattern says: letters, digits, _ + - in parts joined by /."""
    parts = value.split("/")
    return (
        len(value) <= 64
        and value[:1].isascii()
        and value[:1].isalpha()
        and all(part and set(part) <= _ZONE_CHARACTERS for part in parts)
    )


def _looks_like_a_date(value: str) -> bool:
    """YYYY-MM-DD in form (whether it is a real date is checked after)."""
    digits = value[:4] + value[5:7] + value[8:]
    return len(value) == 10 and value[4] == value[7] == "-" and digits.isascii() and digits.isdigit()


def _clock_time(value: Any) -> datetime.time | None:
    """'HH:MM' as a time; anything else is the schema's to report."""
    if not isinstance(value, str) or len(value) != 5 or value[2] != ":":
        return None
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        return None
