"""account phone: the work phone number a person's referrals start with

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30

Written by hand (issue 13, item 6: "pre-filled, not re-typed"): `users.phone`, empty until the
person gives it on their account page; a form field with `prefill: account.phone` starts with it.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | Sequence[str] | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('users', sa.Column('phone', sa.String(length=40), server_default='', nullable=False))


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35 and later), as migration 0013 does.
    op.execute('ALTER TABLE users DROP COLUMN phone')
