"""A submission as plain text, for pasting into a case management system."""

from __future__ import annotations

import datetime
import textwrap
from typing import Any

from fanlight.engine import CompiledForm, Evaluation
from fanlight.engine.definitions import model as m

from .markdown import plain
from .values import consent_lines, display

WIDTH = 78


def render(compiled: CompiledForm, answers: dict[str, Any], evaluation: Evaluation, reference: str,
           submitted_at: datetime.datetime) -> str:
    lines = [
        f"{compiled.form.title.upper()}",
        f"Reference: {reference}",
        f"Submitted: {submitted_at:%d %B %Y %H:%M} UTC",
        f"Form: {compiled.id} version {compiled.version}",
    ]
    if evaluation.threshold and evaluation.threshold.level is not None:
        lines.append(f"Suggested level of need: {evaluation.threshold.level} ({evaluation.threshold.level_name})")
    for name in ("suggested_priority", "referral_route"):
        if name in evaluation.derived:
            lines.append(f"{name.replace('_', ' ').capitalize()}: {evaluation.derived[name]}")
    shown = set(evaluation.visible_sections)
    for section in compiled.form.sections:
        if section.id not in shown:
            continue
        body = [line for f in section.fields for line in _field_lines(f, answers.get(f.id), "")]
        if body:
            lines += ["", section.title.upper(), "-" * min(len(section.title), WIDTH), *body]
    return "\n".join(lines) + "\n"


def _field_lines(f: m.Field, value: Any, indent: str) -> list[str]:
    if value is None or f.type == "content":
        return []
    label = plain(f.label)
    if f.type == "repeat" and isinstance(value, list):
        out = [f"{indent}{label}:"]
        for i, item in enumerate(value, start=1):
            out.append(f"{indent}  {f.item_label or 'Item'} {i}")
            for sub in f.fields:
                out += _field_lines(sub, item.get(sub.id) if isinstance(item, dict) else None, indent + "    ")
        return out
    if f.type == "consent":
        return [f"{indent}{label}:"] + [f"{indent}  {k}: {v}" for k, v in consent_lines(value)]
    text = display(f, value)
    if "\n" in text or len(text) + len(label) > WIDTH - 4:
        wrapped = [textwrap.fill(p, WIDTH - len(indent) - 2) for p in text.splitlines() if p.strip()]
        return [f"{indent}{label}:"] + [f"{indent}  {line}" for block in wrapped for line in block.splitlines()]
    return [f"{indent}{label}: {text}"]
