"""Authorisation in one place: every endpoint declares a permission or is public.

A request to an endpoint that declares neither is refused (fail closed), and a test walks
the URL map so that can never ship.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

# `account` is every signed-in person's: their own account page, keeping their session alive
# and saving answers held when their session ended. `dashboards` is reading the managers'
# dashboards (officers read them too); `export` is downloading a dashboard's table or a list of
# referrals as CSV (managers only: an export leaves the system, so it is audited and kept narrow).
ROLES: dict[str, frozenset[str]] = {
    "professional": frozenset({"account", "refer"}),
    "front_door_officer": frozenset({"account", "refer", "triage", "dashboards"}),
    "manager": frozenset({"account", "refer", "triage", "dashboards", "export"}),
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

# The role of the accounts other systems send referrals as (api.clients): no page allows it, it never
# signs in, and user administration does not list it (API clients have their own page).
API_CLIENT = "api_client"

F = TypeVar("F", bound=Callable[..., Any])
PUBLIC = "public"
BY_TOKEN = "by_token"  # noqa: S105  (a permission marker, not a secret)


def requires(permission: str) -> Callable[[F], F]:
    def mark(view: F) -> F:
        view.fanlight_permission = permission  # type: ignore[attr-defined]
        return view

    return mark


def public(view: F) -> F:
    view.fanlight_permission = PUBLIC  # type: ignore[attr-defined]
    return view


def by_token(view: F) -> F:
    """A route that authenticates its caller itself, by bearer token (the API, fanlight.web.api): the
    pages' session guard lets it through, and it refuses any request without a valid token."""
    view.fanlight_permission = BY_TOKEN  # type: ignore[attr-defined]
    return view


def permission_of(view: Callable[..., Any] | None) -> str | None:
    return getattr(view, "fanlight_permission", None)


def landing(rank: int) -> Callable[[F], F]:
    """Mark a view as a landing page: after signing in, a person lands on the page of lowest rank
    whose permission their role has. Each blueprint marks its own, so none names another's."""

    def mark(view: F) -> F:
        view.fanlight_landing = rank  # type: ignore[attr-defined]
        return view

    return mark


def holdable(view: F) -> F:
    """Mark a view whose posted answers are kept when they arrive after the session ended
    (JavaScript off: nothing warned the person), to be saved once they sign in again."""
    view.fanlight_holdable = True  # type: ignore[attr-defined]
    return view


def is_holdable(view: Callable[..., Any] | None) -> bool:
    return bool(getattr(view, "fanlight_holdable", False))


def landings(views: dict[str, Callable[..., Any]]) -> list[tuple[int, str, str]]:
    """(rank, permission, endpoint) of every landing page, best first."""
    found = [(v.fanlight_landing, permission_of(v) or "", endpoint)
             for endpoint, v in views.items() if hasattr(v, "fanlight_landing")]
    return sorted(found)


def allowed(role: str, permission: str) -> bool:
    return permission in ROLES.get(role, frozenset())
