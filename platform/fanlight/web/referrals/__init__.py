"""The professional's referral journey: start a form, fill its sections, attach files, check,
submit, and see what was sent (blueprint "referrals"; one module per step, forms-runner style)."""

from __future__ import annotations

from flask import Blueprint, Flask

blueprint = Blueprint("referrals", __name__)


def register(app: Flask) -> None:
    from . import attachments, information, sections, start, submission  # noqa: F401, PLC0415  (their routes)

    app.register_blueprint(blueprint)
