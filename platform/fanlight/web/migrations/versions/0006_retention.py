"""retention: when a draft's owner was reminded, and an index for finding expired drafts

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01

`fanlight retention run` emails the owner of a draft left untouched for its form's reminder
period once (`reminded_at`), and deletes drafts past their deletion period; both look for open
drafts by when they were last saved (`ix_drafts_status_updated`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('drafts') as batch:
        batch.add_column(sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True))
        batch.create_index('ix_drafts_status_updated', ['status', 'updated_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('drafts') as batch:
        batch.drop_index('ix_drafts_status_updated')
        batch.drop_column('reminded_at')
