"""User management for administrators: find people, change their role, deactivate and reactivate.

Every change writes one audit row. An administrator cannot remove their own administrator
role or deactivate themselves, so there is always at least one administrator who can act.
A deactivated person is signed out at their next request (auth checks `active` every time).
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from fanlight.web import db
from fanlight.web.access.audit import audit
from fanlight.web.access.guard import signed_in_user
from fanlight.web.access.permissions import API_CLIENT, ROLE_NAMES, ROLES, landing, requires
from fanlight.web.definitions import agencies
from fanlight.web.errors import FormError
from fanlight.web.models import AuditEvent, User

bp = Blueprint("users", __name__, url_prefix="/admin/users", template_folder="templates")
PAGE_SIZE = 50


def _user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None or user.role == API_CLIENT:  # another system's account is managed as an API client
        abort(404)
    return user


@bp.route("/")
@requires("manage_users")
@landing(10)
def index() -> str:
    s = db.session()
    query_text = request.args.get("q", "").strip()[:200]
    role = request.args.get("role", "")
    status = request.args.get("status", "")
    page = request.args.get("page", "1")
    page_number = int(page) if page.isascii() and page.isdigit() and 0 < len(page) < 6 else 1
    query = select(User).where(User.role != API_CLIENT)  # other systems' accounts: see the API clients page
    if query_text:
        like = "%" + query_text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(User.email).like(like, escape="\\"), func.lower(User.name).like(like, escape="\\"),
                                func.lower(User.agency).like(like, escape="\\")))
    if role in ROLES:
        query = query.where(User.role == role)
    if status == "active":
        query = query.where(User.active.is_(True))
    elif status == "deactivated":
        query = query.where(User.active.is_(False))
    elif status == "unconfirmed":
        query = query.where(User.email_verified_at.is_(None))
    total = s.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(s.scalars(query.order_by(User.name, User.id).offset((page_number - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return render_template("admin/users/index.html", users=rows, total=total, q=query_text, role=role, status=status,
                           page=page_number, pages=max(1, -(-total // PAGE_SIZE)), role_names=ROLE_NAMES)


@bp.route("/<int:user_id>")
@requires("manage_users")
def show(user_id: int) -> str:
    user = _user(user_id)
    s = db.session()
    events = list(s.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)
                            .order_by(AuditEvent.id.desc()).limit(20)))
    return render_template("admin/users/show.html", user=user, role_names=ROLE_NAMES, events=events,
                           agency=agencies.get(user.agency_id), errors=[])


@bp.route("/<int:user_id>/role", methods=["POST"])
@requires("manage_users")
def change_role(user_id: int) -> Response | tuple[str, int]:
    user = _user(user_id)
    role = request.form.get("role", "")
    problem = None
    if role not in ROLES:
        problem = "Select a role"
    elif user.id == signed_in_user().id and role != "administrator":
        problem = "You cannot remove your own administrator role. Ask another administrator to do it."
    if problem:
        return render_template("admin/users/show.html", user=user, role_names=ROLE_NAMES, events=[],
                               agency=agencies.get(user.agency_id),
                               errors=[FormError("role", problem)]), 422
    if role != user.role:
        audit("role_changed", f"user {user.id} ({user.email}): {user.role} -> {role}")
        user.role = role
        db.session().commit()
        flash(f"{user.name} is now: {ROLE_NAMES[role]}.", "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/deactivate", methods=["POST"])
@requires("manage_users")
def deactivate(user_id: int) -> Response | tuple[str, int]:
    user = _user(user_id)
    if user.id == signed_in_user().id:
        return render_template("admin/users/show.html", user=user, role_names=ROLE_NAMES, events=[],
                               agency=agencies.get(user.agency_id),
                               errors=[FormError("deactivate", "You cannot deactivate your own account.")]), 422
    if user.active:
        user.active = False
        user.session_nonce = secrets.token_hex(32)  # signed out everywhere at once
        audit("user_deactivated", f"user {user.id} ({user.email})")
        db.session().commit()
        flash(f"{user.name} has been deactivated: they cannot sign in.", "success")
    return redirect(url_for("users.show", user_id=user.id))


@bp.route("/<int:user_id>/reactivate", methods=["POST"])
@requires("manage_users")
def reactivate(user_id: int) -> Response:
    user = _user(user_id)
    if not user.active:
        user.active = True
        audit("user_reactivated", f"user {user.id} ({user.email})")
        db.session().commit()
        flash(f"{user.name} has been reactivated: they can sign in again.", "success")
    return redirect(url_for("users.show", user_id=user.id))
