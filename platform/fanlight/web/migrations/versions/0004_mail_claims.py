"""mail outbox: when a message was claimed for sending

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29

A sender claims a message (status `sending`) before it talks to the SMTP server. A sender
that dies mid-send used to leave the message claimed for ever; the claim's time lets the next
sender treat a claim older than a few minutes as failed and send the message after all.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('mail_outbox') as batch:
        batch.add_column(sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mail_outbox') as batch:
        batch.drop_column('claimed_at')
