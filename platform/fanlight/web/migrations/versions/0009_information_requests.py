"""information requests: the front door asks a referrer for more information through the portal

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

Written by hand (issue 9, item 6):

- `information_requests`: what an officer asked, which sections of the referral the referrer may
  amend, and the reply and amendments (kept beside the referral's own answers, never over them);
- `submissions.information_received_at`: the holding area's "information received" flag.

No backfill: no request was ever made before this revision.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0009'
down_revision: str | Sequence[str] | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('information_requests',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('asked_by_id', sa.Integer(), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('template', sa.String(length=80), nullable=True),
    sa.Column('sections', JSON, nullable=False),
    sa.Column('amendments', JSON, nullable=False),
    sa.Column('reply', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['asked_by_id'], ['users.id'], ),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_information_requests_submission_id', 'information_requests', ['submission_id'], unique=False)
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('information_received_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('information_received_at')
    op.drop_index('ix_information_requests_submission_id', table_name='information_requests')
    op.drop_table('information_requests')
