"""API clients: made, listed and revoked by IT (the `fanlight api-clients` command), and found by
their bearer token on every API request.

A token is `fl_` and 43 URL-safe characters (256 random bits), shown once. Only its SHA-256 is
stored, so a copy of the database cannot be used to call the API. Each client sends referrals as
its own account: a user of the client's agency with role `api_client`, which no page allows and
which can never sign in (inactive, with no usable password).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select

from .. import clock, db
from ..access.audit import audit
from ..access.permissions import API_CLIENT
from ..definitions import agencies
from ..models import ApiClient, User

SCOPES = ("submit", "status")
ROLE = API_CLIENT
PREFIX = "fl_"
NO_PASSWORD = "!"  # noqa: S105  (no hash matches it: the account can never sign in)


class ClientProblem(ValueError):
    """A client cannot be made or changed as asked (a clear message for the command or the page)."""


@dataclass(frozen=True)
class Made:
    client: ApiClient
    token: str  # shown once, never stored


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create(name: str, agency_id: str, scopes: list[str] | None = None) -> Made:
    """A new client of an approved agency, with its token."""
    name = name.strip()
    chosen = list(dict.fromkeys(scopes or SCOPES))
    if not name or len(name) > 100:
        raise ClientProblem("a client's name is 1 to 100 characters")
    unknown = [s for s in chosen if s not in SCOPES]
    if unknown:
        raise ClientProblem(f"unknown scope {', '.join(unknown)} (scopes: {', '.join(SCOPES)})")
    agency = agencies.get(agency_id)
    if agency is None:
        raise ClientProblem(f"no approved agency has the id '{agency_id}'")
    s = db.session()
    if s.scalar(select(ApiClient.id).where(ApiClient.name == name)) is not None:
        raise ClientProblem(f"a client called '{name}' exists already")
    token = PREFIX + secrets.token_urlsafe(32)
    account = User(email=f"api-client-{secrets.token_hex(8)}@api.invalid", name=f"{name} (API)", role=ROLE,
                   agency=agency.title, agency_id=agency.id, password_hash=NO_PASSWORD, active=False)
    s.add(account)
    s.flush()
    client = ApiClient(name=name, agency_id=agency.id, scopes=chosen, token_hash=digest(token), user_id=account.id,
                       created_at=clock.now())
    s.add(client)
    s.flush()
    audit("api_client_created", f"api client {client.id} ({name}) for {agency.id}, scopes {','.join(chosen)}")
    s.commit()
    return Made(client, token)


def listed() -> list[ApiClient]:
    return list(db.session().scalars(select(ApiClient).order_by(ApiClient.name)))


def revoke(name: str) -> ApiClient:
    s = db.session()
    client = s.scalar(select(ApiClient).where(ApiClient.name == name.strip()))
    if client is None:
        raise ClientProblem(f"no client is called '{name}'")
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        audit("api_client_revoked", f"api client {client.id} ({client.name})")
        s.commit()
    return client


def by_token(token: str) -> ApiClient | None:
    """The client whose token this is, if it is not revoked (and note that it was used)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    wanted = digest(token)
    s = db.session()
    client = s.scalar(select(ApiClient).where(ApiClient.token_hash == wanted))
    if client is None or client.revoked_at is not None or not hmac.compare_digest(client.token_hash, wanted):
        return None
    now = clock.now()
    if client.last_used_at is None or (now - clock.utc(client.last_used_at)).total_seconds() > 60:
        client.last_used_at = now  # at most once a minute: not a write per request
        s.commit()
    return client
