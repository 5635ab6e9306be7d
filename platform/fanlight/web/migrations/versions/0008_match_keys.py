"""match keys: how a referral is found by others about the same child or household

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

Written by hand (issue 9, the front door, item 5: family context):

- `referral_match_keys(submission_id, kind, key)`, indexed on (kind, key): each key is the
  SHA-256 of its kind and a normalised value (a child's NHS number; forename, surname and date
  of birth; surname and postcode), so the table holds no readable personal data.

Backfill: the keys of every submission already stored, worked out from its answers by
`fanlight.web.triage.family.keys_of` (the one definition of a key: a key worked out any other
way would never match the keys written at submission time), a thousand submissions at a time
(keyset pages by id), so a million referrals never sit in memory together.
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from fanlight.web.triage.family import keys_of

revision: str = '0008'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000


def upgrade() -> None:
    op.create_table('referral_match_keys',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ),
    sa.PrimaryKeyConstraint('submission_id', 'kind', 'key')
    )
    op.create_index('ix_referral_match_keys_kind_key', 'referral_match_keys', ['kind', 'key'], unique=False)
    _backfill()


def _backfill() -> None:
    bind = op.get_bind()
    keys = sa.table('referral_match_keys', sa.column('submission_id'), sa.column('kind'), sa.column('key'))
    after = ""
    while True:
        page = bind.execute(sa.text("SELECT id, answers FROM submissions WHERE id > :after ORDER BY id LIMIT :page"),
                            {"after": after, "page": PAGE}).all()
        if not page:
            return
        rows = [{"submission_id": submission_id, "kind": k.kind, "key": k.key}
                for submission_id, answers in page for k in keys_of(_answers(answers))]
        if rows:
            bind.execute(keys.insert(), rows)
        after = page[-1][0]


def _answers(stored: Any) -> dict[str, Any]:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


def downgrade() -> None:
    op.drop_index('ix_referral_match_keys_kind_key', table_name='referral_match_keys')
    op.drop_table('referral_match_keys')
