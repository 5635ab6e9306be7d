"""The posted quick-edit form of one question, rule or indicator, read into an Edit.

Reads the form's fields by their names in templates/admin/quick_edit.html; it knows nothing
of the request, so it is given the posted fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fanlight.web.errors import FormError

from .quickedit import Edit, OptionValue, Target, normal

NEW_OPTION_ROWS = 3  # empty rows for new options under a question's options
OPTION_VALUE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")


@dataclass
class QuickEditInput:
    """What was posted: the edit it asks for, the values to show again, and its errors."""

    edit: Edit = field(default_factory=Edit)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FormError] = field(default_factory=list)

    @classmethod
    def read(cls, form: Mapping[str, str], target: Target) -> QuickEditInput:
        posted = cls(values={key: form.get(key, "") for key in form})
        if target.kind == "field":
            posted._read_field(form)
        elif target.kind == "rule":
            posted.edit.message = posted._text(form, "message", "Enter the message", 1000)
        elif target.kind == "indicator":
            posted._read_indicator(form, target)
        if target.has_options and not target.options_ref:
            posted._read_options(form, target)
        return posted

    def _read_field(self, form: Mapping[str, str]) -> None:
        self.edit.label = self._text(form, "label", "Enter the question", 1000)
        self.edit.hint = self._text(form, "hint", "", 20000)
        required = form.get("required")
        if required not in ("yes", "no"):
            self.errors.append(FormError("required", "Select whether the question must be answered"))
        else:
            self.edit.required = required == "yes"

    def _read_indicator(self, form: Mapping[str, str], target: Target) -> None:
        self.edit.text = self._text(form, "text", "Enter the indicator's text", 20000)
        level = form.get("level", "")
        if level not in {str(n) for n, _ in target.levels}:
            self.errors.append(FormError("level", "Select the level this indicator is at"))
        else:
            self.edit.level = int(level)

    def _text(self, form: Mapping[str, str], name: str, missing: str, limit: int) -> str | None:
        value = normal(form.get(name, ""))
        if missing and not value.strip():
            self.errors.append(FormError(name, missing))
            return None
        if len(value) > limit:
            self.errors.append(FormError(name, f"This must be {limit:,} characters or fewer"))
            return None
        return value

    def _read_options(self, form: Mapping[str, str], target: Target) -> None:
        for i, option in enumerate(target.options):
            if form.get(f"option-{i}-remove") == "yes":
                self.edit.remove.add(option.value)
                continue
            label = normal(form.get(f"option-{i}-label", option.label))
            problem = option_label_problem(label, f"Enter the label for the option ‘{option.value}’, or remove it")
            if problem:
                self.errors.append(FormError(f"option-{i}-label", problem))
            elif label != option.label:
                self.edit.relabel[option.value] = label
        self._read_new_options(form, {o.value for o in target.options})
        if len(self.edit.remove) == len(target.options) and not self.edit.add:
            self.errors.append(FormError("option-0-label", "Keep at least one option"))

    def _read_new_options(self, form: Mapping[str, str], existing: set[str]) -> None:
        for i in range(NEW_OPTION_ROWS):
            value, label = form.get(f"new-{i}-value", "").strip(), normal(form.get(f"new-{i}-label", ""))
            if not value and not label.strip():
                continue
            value_problem = option_value_problem(value, existing)
            label_problem = option_label_problem(label, "Enter a label for the new option")
            if value_problem:
                self.errors.append(FormError(f"new-{i}-value", value_problem))
            elif label_problem:
                self.errors.append(FormError(f"new-{i}-label", label_problem))
            else:
                existing.add(value)
                self.edit.add.append(OptionValue(value, label))


def option_label_problem(label: str, missing: str) -> str:
    if not label.strip():
        return missing
    return "An option's label must be 500 characters or fewer" if len(label) > 500 else ""


def option_value_problem(value: str, existing: set[str]) -> str:
    if not value:
        return "Enter a value for the new option"
    if not OPTION_VALUE.match(value):
        return ("An option's value can only contain letters, numbers, underscores, hyphens and full stops, "
                "and must start with a letter or number")
    return f"There is already an option with the value ‘{value}’" if value in existing else ""


def values_of(target: Target) -> dict[str, Any]:
    """The form's values before anything is posted: what the file says now."""
    values: dict[str, Any] = {"label": target.label, "hint": normal(target.hint), "required": "yes" if target.required else "no",
                              "message": normal(target.message), "text": normal(target.text),
                              "level": str(target.level) if target.level is not None else ""}
    for i, option in enumerate(target.options if not target.options_ref else []):
        values[f"option-{i}-label"] = option.label
    return values


def first_input(target: Target) -> str:
    """The id of the form's first field: where an error about the edit as a whole points."""
    return {"field": "label", "rule": "message", "indicator": "text"}.get(target.kind, "option-0-label")
