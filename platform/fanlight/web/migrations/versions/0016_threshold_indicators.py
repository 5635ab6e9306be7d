"""threshold indicators: which indicators each referral's answers matched, as a column

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30

Written by hand (issue 10, "which indicators over- or under-escalate"). `submissions.threshold_indicators`
holds the threshold indicators a referral's answers matched when it was sent, between spaces like
`concern_categories` (" cd3-missing-episode pc3-erratic-care "), so the holding area's filter can
list the referrals of one indicator and the dashboards count them with the same filter. On
PostgreSQL a trigram index (GIN, as for `concern_categories`) serves its LIKE '% id %'.

Backfill: each referral's indicators from its stored evaluation (`Submission.indicators_of`: the
one definition), a thousand at a time; then the dashboards' counts again from the referrals
(`dashboards.daily.rebuild`, which now counts each indicator's agreement of levels), their days
in the time zone of the front door's published calendar, as migration 0015 counted them.
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from fanlight.web.dashboards import daily
from fanlight.web.models.referrals import Submission

revision: str = '0016'
down_revision: str | Sequence[str] | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000


def upgrade() -> None:
    op.add_column('submissions', sa.Column('threshold_indicators', sa.Text(), server_default='', nullable=False))
    _backfill()
    op.create_index('ix_submissions_threshold_indicators', 'submissions', ['threshold_indicators'], unique=False,
                    postgresql_using='gin', postgresql_ops={'threshold_indicators': 'gin_trgm_ops'})
    bind = op.get_bind()
    daily.rebuild(bind, daily.in_zone(daily.published_zone(bind)))
    if bind.dialect.name == 'postgresql':
        # The backfill rewrote every row: without fresh statistics the planner chose scans that
        # took the dashboards from 20 to 200 ms of database time a page until autovacuum came by.
        op.execute('ANALYZE submissions')
        op.execute('ANALYZE dashboard_counts')


def _backfill() -> None:
    bind = op.get_bind()
    after = ""
    while True:
        page = bind.execute(sa.text("SELECT id, evaluation FROM submissions WHERE id > :after ORDER BY id LIMIT :page"),
                            {"after": after, "page": PAGE}).all()
        if not page:
            return
        rows = [{"row_id": submission_id, "indicators": Submission.indicators_of(_json(evaluation))}
                for submission_id, evaluation in page]
        rows = [row for row in rows if row["indicators"]]
        if rows:
            bind.execute(sa.text("UPDATE submissions SET threshold_indicators = :indicators WHERE id = :row_id"), rows)
        after = page[-1][0]


def _json(stored: Any) -> dict[str, Any]:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


def downgrade() -> None:
    op.drop_index('ix_submissions_threshold_indicators', table_name='submissions')
    # ALTER TABLE ... DROP COLUMN on both, as 0013: a batch operation would copy the table on
    # SQLite and lose the indexes on expressions it cannot reflect (migration 0010's).
    op.execute('ALTER TABLE submissions DROP COLUMN threshold_indicators')
    daily.rebuild(op.get_bind(), daily.in_zone(daily.published_zone(op.get_bind())))
