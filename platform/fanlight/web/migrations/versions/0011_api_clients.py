"""api clients: other systems submit referrals through /api/v1

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30

Written by hand (issue 14, items 1 and 2):

- `api_clients`: a system bound to an agency, its scopes, the SHA-256 of its token (the token
  itself is shown once and never stored), its own account (which cannot sign in), when it was
  last used and whether it is revoked;
- `api_idempotency_keys`: each Idempotency-Key a client sent, the hash of the request it came
  with, and the draft that became the referral (cleared when retention deletes the referral: the
  key is kept, so a late replay is told the referral is gone and never makes a second one).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0011'
down_revision: str | Sequence[str] | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('api_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('agency_id', sa.String(length=80), nullable=False),
    sa.Column('scopes', JSON, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('name'),
    sa.UniqueConstraint('token_hash')
    )
    op.create_table('api_idempotency_keys',
    sa.Column('client_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('draft_id', sa.String(length=32), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['client_id'], ['api_clients.id'], ),
    sa.ForeignKeyConstraint(['draft_id'], ['drafts.id'], ),
    sa.PrimaryKeyConstraint('client_id', 'key')
    )
    # Retention finds a deleted referral's keys by its draft (and clears them).
    op.create_index('ix_api_idempotency_keys_draft_id', 'api_idempotency_keys', ['draft_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_api_idempotency_keys_draft_id', table_name='api_idempotency_keys')
    op.drop_table('api_idempotency_keys')
    op.drop_table('api_clients')
