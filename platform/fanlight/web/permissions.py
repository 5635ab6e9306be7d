"""Authorisation in one place: every endpoint declares a permission or is public.

A request to an endpoint that declares neither is refused (fail closed), and a test walks
the URL map so that can never ship.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

ROLES: dict[str, frozenset[str]] = {
    "professional": frozenset({"refer"}),
    "front_door_officer": frozenset({"refer", "triage"}),
    "manager": frozenset({"refer", "triage", "dashboards"}),
    "service_lead": frozenset({"refer", "edit_definitions", "workbench"}),
    "it_reviewer": frozenset({"review_definitions", "workbench"}),
    "administrator": frozenset({"manage_users"}),
}

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"


def requires(permission: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.fanlight_permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    view.fanlight_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def permission_of(view: Callable[..., Any] | None) -> str | None:
    return getattr(view, "fanlight_permission", None)


def allowed(role: str, permission: str) -> bool:
    return permission in ROLES.get(role, frozenset())
