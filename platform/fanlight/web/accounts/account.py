"""Your account page."""

from __future__ import annotations

from flask import render_template

from ..access.guard import signed_in_user
from ..access.permissions import ROLE_NAMES, landing, requires
from ..definitions import agencies
from . import accounts_blueprint as bp

# Your account --------------------------------------------------------------------------------------


@bp.route("/account")
@requires("account")
@landing(100)  # every role may see its own account: the landing page of last resort
def account() -> str:
    user = signed_in_user()
    return render_template("pages/accounts/account.html", user=user, agency=agencies.get(user.agency_id),
                           role_name=ROLE_NAMES.get(user.role, user.role))
