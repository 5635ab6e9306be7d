"""Authorisation in one place: every endpoint declares a permission or is public.

A request to an endpoint that declares neither is refused (fail closed), and a test walks
the URL map so that can never ship.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

# `account` is every signed-in person's: their own account page, keeping their session alive
# and saving answers held when their session ended.
ROLES: dict[str, frozenset[str]] = {
    "professional": frozenset({"account", "refer"}),
    "front_door_officer": frozenset({"account", "refer", "triage"}),
    "manager": frozenset({"account", "refer", "triage", "dashboards"}),
    "service_lead": frozenset({"account", "refer", "edit_definitions", "workbench"}),
    "it_reviewer": frozenset({"account", "review_definitions", "workbench"}),
    "administrator": frozenset({"account", "manage_users"}),
}

# How each role is named on pages (the administrator's user list, the account page).
ROLE_NAMES: dict[str, str] = {
    "professional": "Professional (makes referrals)",
    "front_door_officer": "Front door officer",
    "manager": "Manager",
    "service_lead": "Service lead (drafts changes to forms)",
    "it_reviewer": "IT reviewer (approves and publishes changes)",
    "administrator": "Administrator (manages users)",
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
