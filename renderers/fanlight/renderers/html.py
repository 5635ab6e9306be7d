"""Jinja set-up for the HTML renderer: filters and globals the templates use."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask

from fanlight.engine.definitions import model as m
from fanlight.engine.evaluation.fields import consent_asked

from . import html_form, markdown, values


def init_templates(app: Flask) -> None:
    env = app.jinja_env
    env.autoescape = True
    env.trim_blocks = True
    env.lstrip_blocks = True
    env.filters.update(md=markdown.block, md_inline=markdown.inline, plain=markdown.plain,
                       display=values.display, long_date=values.long_date, name=html_form.name_of,
                       when=when, clock=clock)
    env.globals.update(consent_lines=values.consent_lines, consent_parts=m.CONSENT_PARTS,
                       consent_asked=_consent_asked, first_input=html_form.first_input)


LOCAL = ZoneInfo("Europe/London")  # the council's clock: times are stored in UTC, read in UK time


def _local(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(LOCAL)


def clock(moment: datetime.datetime) -> str:
    """3:05pm (GOV.UK style), in UK time."""
    local = _local(moment)
    return f"{local.hour % 12 or 12}:{local:%M}{'am' if local.hour < 12 else 'pm'}"


def when(moment: datetime.datetime) -> str:
    """22 November 2026 at 3:05pm, in UK time."""
    local = _local(moment)
    return f"{local.day} {local:%B %Y} at {clock(moment)}"


def _consent_asked(value: Any) -> list[str]:
    parts = value if isinstance(value, dict) else {}
    normal = {k: v for k, v in parts.items() if k in ("sought", "given")}
    return consent_asked(normal)
