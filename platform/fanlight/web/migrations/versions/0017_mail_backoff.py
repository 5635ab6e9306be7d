"""mail outbox: when a failed message is tried next

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01

Written by hand. A message the SMTP server did not take used to be tried again by every pass of a
sender (`fanlight worker` every 2 s when idle), five times in all: an outage of ten seconds lost
it. It now waits a growing, jittered time between attempts, as deliveries to the case system do;
`mail_outbox.next_attempt_at` is when it is due again. A failed message without one has been given
up. The index on (status, next_attempt_at, id) serves the senders' question, what is due.

Backfill: a failed message with attempts left under the old limit (5) is due at once (its
`created_at`, in the past), as it was; one that had used them stays given up.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017'
down_revision: str | Sequence[str] | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_MAX_ATTEMPTS = 5


def upgrade() -> None:
    op.add_column('mail_outbox', sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
    op.execute(sa.text("UPDATE mail_outbox SET next_attempt_at = created_at "
                       "WHERE status = 'failed' AND attempts < :old_max").bindparams(old_max=OLD_MAX_ATTEMPTS))
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    with op.batch_alter_table('mail_outbox') as batch:
        batch.drop_column('next_attempt_at')
