"""Your account page."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from werkzeug.wrappers import Response

from .. import db
from ..access.audit import audit
from ..access.guard import signed_in_user
from ..access.permissions import ROLE_NAMES, landing, requires
from ..definitions import agencies
from . import accounts_blueprint as bp
from .forms import PhoneForm, errors, text

# Your account --------------------------------------------------------------------------------------


@bp.route("/account")
@requires("account")
@landing(100)  # every role may see its own account: the landing page of last resort
def account() -> tuple[str, int] | str:
    user = signed_in_user()
    return _page(PhoneForm(data={"phone": user.phone}))


def _page(form: PhoneForm, status: int = 200) -> tuple[str, int] | str:
    user = signed_in_user()
    page = render_template("pages/accounts/account.html", user=user, agency=agencies.get(user.agency_id),
                           role_name=ROLE_NAMES.get(user.role, user.role), form=form, errors=errors(form))
    return (page, status) if status != 200 else page


@bp.route("/account/phone", methods=["POST"])
@requires("account")
def save_phone() -> Response | tuple[str, int] | str:
    """The work phone number this person's referrals start with (forms that say `prefill: account.phone`)."""
    form = PhoneForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    user = signed_in_user()
    user.phone = " ".join(text(form.phone).split())
    audit("phone_changed", f"user {user.id}")
    db.session().commit()
    flash("Your phone number is saved. Referrals you start from now on begin with it.", "success")
    return redirect(url_for("accounts.account"), code=303)
