"""Approved agencies, as the live definitions declare them (definitions/agencies/*.yaml).

Only this module reads them from the catalogue, so registration follows whatever set of
definitions is live: an agency approved (or withdrawn) through a published change takes
effect for registration at once.
"""

from __future__ import annotations

from fanlight.engine.definitions import model as m

from .. import extensions
from ..models import User


def approved() -> dict[str, m.Agency]:
    """Every approved agency by id."""
    return extensions.catalogue().definitions.agencies


def get(agency_id: str) -> m.Agency | None:
    return approved().get(agency_id) if agency_id else None


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def for_email(email: str) -> m.Agency | None:
    """The agency whose approved domains include this address's domain: an exact match only
    (staff of `school.example` are not staff of `mail.school.example`). The definitions never
    give one domain to two agencies (the loader refuses it), so there is at most one."""
    domain = domain_of(email)
    if not domain:
        return None
    return next((a for a in sorted(approved().values(), key=lambda a: a.id)
                 if domain in {d.strip().lower() for d in a.email_domains}), None)


def uses_form(user: User, form_id: str) -> bool:
    """Whether this person's agency lets its staff use the form. People with no agency (council
    staff created by an administrator) may use every form; an agency that is no longer approved
    lets its staff use none. (The policy, with its audit, is access.policies.require_form.)"""
    if not user.agency_id:
        return True
    agency = get(user.agency_id)
    return agency is not None and form_id in agency.forms
