"""deliveries: decided referrals on their way to the case system, and every attempt

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

Written by hand (issue 14, item 4):

- `deliveries`: one record per referral and destination, written in the decision's transaction
  with the payload its mapping rendered; its state, attempts, next attempt time, the claim of the
  worker sending it, and the case system's own id once acknowledged. It is also the workers' job
  queue, hence the index on (state, next_attempt_at, id), the claim's order;
- `delivery_attempts`: every try, with its worker, outcome, HTTP status and error.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0012'
down_revision: str | Sequence[str] | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('destination', sa.String(length=80), nullable=False),
    sa.Column('mapping_id', sa.String(length=80), nullable=False),
    sa.Column('mapping_version', sa.Integer(), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('case_note', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('claimed_by', sa.String(length=100), nullable=False),
    sa.Column('last_error', sa.String(length=500), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key'),
    sa.UniqueConstraint('submission_id', 'destination')
    )
    op.create_index('ix_deliveries_submission_id', 'deliveries', ['submission_id'], unique=False)
    op.create_index('ix_deliveries_due', 'deliveries', ['state', 'next_attempt_at', 'id'], unique=False)
    op.create_table('delivery_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('worker', sa.String(length=100), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_delivery_attempts_delivery_id', 'delivery_attempts', ['delivery_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_delivery_attempts_delivery_id', table_name='delivery_attempts')
    op.drop_table('delivery_attempts')
    op.drop_index('ix_deliveries_due', table_name='deliveries')
    op.drop_index('ix_deliveries_submission_id', table_name='deliveries')
    op.drop_table('deliveries')
