"""reporting facts: what the managers' dashboards count, kept in each referral's row

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

Written by hand (issue 10): the dashboards count with the holding area's own filter
(triage/queue.py), so every figure and the list behind it are one query over `submissions`.
These columns hold what that filter needs, each set in the transaction of what it records
(models/referrals.py says by whom):

- `level_referrer`, `level_suggested`: the level of need (1-4) the referrer chose and the one
  Fanlight's thresholds suggested, when it was sent;
- `re_referral`: a child on it was on a referral received in the 12 months before;
- `information_requested`: the front door asked the referrer for more information;
- `decided_at`, `outcome`, `level_applied`: the decision.

Backfill, for referrals stored before: the levels from the answers and the stored evaluation
(`Submission.referrer_level_of`, `suggested_level_of`: the one definition), a thousand at a
time; the decision from each referral's newest `decided` event; `information_requested` from
`information_requests`; `re_referral` from the match keys.
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from fanlight.web.models.referrals import Submission, level_number

revision: str = '0013'
down_revision: str | Sequence[str] | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000


def upgrade() -> None:
    op.add_column('submissions', sa.Column('level_referrer', sa.Integer(), nullable=True))
    op.add_column('submissions', sa.Column('level_suggested', sa.Integer(), nullable=True))
    op.add_column('submissions', sa.Column('re_referral', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column('submissions', sa.Column('information_requested', sa.Boolean(), server_default=sa.false(),
                                           nullable=False))
    op.add_column('submissions', sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('submissions', sa.Column('outcome', sa.String(length=40), nullable=True))
    op.add_column('submissions', sa.Column('level_applied', sa.Integer(), nullable=True))
    _levels()
    _decisions()
    op.execute("UPDATE submissions SET information_requested = true "
               "WHERE id IN (SELECT submission_id FROM information_requests)")
    year_before = ("s2.received_at >= submissions.received_at - interval '365 days'"
                   if op.get_bind().dialect.name == 'postgresql'
                   else "s2.received_at >= datetime(submissions.received_at, '-365 days')")
    op.execute("UPDATE submissions SET re_referral = true WHERE EXISTS ("  # noqa: S608 (one of two constant clauses)  # nosec B608
               "SELECT 1 FROM referral_match_keys k1 JOIN referral_match_keys k2 ON k2.kind = k1.kind "
               "AND k2.key = k1.key AND k2.submission_id <> k1.submission_id "
               "JOIN submissions s2 ON s2.id = k2.submission_id "
               f"WHERE k1.submission_id = submissions.id AND {year_before} "
               "AND s2.received_at <= submissions.received_at)")


def _levels() -> None:
    bind = op.get_bind()
    after = ""
    while True:
        page = bind.execute(sa.text("SELECT id, answers, evaluation FROM submissions WHERE id > :after "
                                    "ORDER BY id LIMIT :page"), {"after": after, "page": PAGE}).all()
        if not page:
            return
        rows = [{"row_id": submission_id, "referrer": Submission.referrer_level_of(_json(answers)),
                 "suggested": Submission.suggested_level_of(_json(evaluation))}
                for submission_id, answers, evaluation in page]
        rows = [row for row in rows if row["referrer"] is not None or row["suggested"] is not None]
        if rows:
            bind.execute(sa.text("UPDATE submissions SET level_referrer = :referrer, level_suggested = :suggested "
                                 "WHERE id = :row_id"), rows)
        after = page[-1][0]


def _decisions() -> None:
    bind = op.get_bind()
    after = 0
    while True:
        page = bind.execute(sa.text("SELECT id, submission_id, detail, at FROM submission_events "
                                    "WHERE kind = 'decided' AND id > :after ORDER BY id LIMIT :page"),
                            {"after": after, "page": PAGE}).all()
        if not page:
            return
        rows = []
        for _event_id, submission_id, detail, at in page:  # in order: a later decision of one referral wins
            decided = _json(detail).get("decision") or {}
            rows.append({"row_id": submission_id, "at": at, "outcome": str(decided.get("outcome") or "")[:40] or None,
                         "level": level_number(decided.get("level_applied"))})
        bind.execute(sa.text("UPDATE submissions SET decided_at = :at, outcome = :outcome, level_applied = :level "
                             "WHERE id = :row_id"), rows)
        after = page[-1][0]


def _json(stored: Any) -> dict[str, Any]:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


def downgrade() -> None:
    # ALTER TABLE ... DROP COLUMN on both (SQLite 3.35 and later): a batch operation would copy the
    # table on SQLite and lose the indexes on expressions it cannot reflect (migration 0010's).
    for column in ('level_applied', 'outcome', 'decided_at', 'information_requested', 're_referral',
                   'level_suggested', 'level_referrer'):
        op.execute(f'ALTER TABLE submissions DROP COLUMN {column}')
