"""front door indexes: the holding area and the search by a child's name at a million referrals

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

Written by hand (issue 9, the benchmark: the holding area's first page under each filter and
sort, the referral page and claiming, each p95 <= 100 ms at 1,000,000 referrals on PostgreSQL;
docs/benchmarks.md, "Front door", has the figures):

- `submissions.child_names`: every child's name on the referral, case folded, one child a line
  (`Submission.names_of`), so the search by a child's name reads one short column instead of
  the answers' JSON; on PostgreSQL a trigram index (`pg_trgm`, GIN) serves its LIKE '%word%'.
- `submissions.concern_categories`: its categories of concern between spaces
  (`Submission.categories_of`), for the category filter (LIKE '% neglect %', the same trigram
  index). A GIN index over the answers' JSON (`answers -> 'categories'`) was tried first: it
  finds the rows, but PostgreSQL must then check each one against the answers themselves,
  compressed out of line, at about 0.15 ms a referral: 1.7 s to count 10,000 of a million.
- An index for each of the holding area's sorts, read backwards for "newest first" and "reds
  first": (received_at, id), (due_at, id), and (the RAG rank, received_at, id) on the expression
  `Submission.RAG_RANK` (PostgreSQL uses it only for exactly that expression, as queue.py writes
  it), and the same order within a status, an owner's and an agency's (the unrated are nearly
  all received and unassigned: read from the reds down, the first index would pass 900,000
  rated referrals to find 25 received ones, 6.8 s at a million; a small agency's 25 reds,
  7,000 others' and 127 ms).
- The filters that narrow the list most, each with the received time, so a filter's newest page
  is read in order: (status, received_at), (agency_id, received_at), (assignee_id, received_at).
- A reference by its beginning (LIKE 'FL-AB%'): on PostgreSQL a B-tree with the pattern
  operators (`varchar_pattern_ops`), which LIKE can use whatever the database's collation.

On SQLite the same indexes are ordinary B-trees (no GIN there): the trigram ones are then of
no use to LIKE '%...%', but keep the schema the same on both.

Backfill: `child_names` and `concern_categories` of every submission already stored, from its
answers by `Submission.names_of` and `categories_of` (the one definition: worked out any other
way, the search and filter would miss them), a thousand submissions at a time (keyset pages by id), before the indexes are
built. The indexes are built in the migration's transaction, which locks the table against
writes while they build (about a minute at a million referrals): run it in a quiet hour.
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from fanlight.web.models import Submission

revision: str = '0010'
down_revision: str | Sequence[str] | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 1000
ORDINARY: list[tuple[str, list[Any]]] = [
    ('ix_submissions_received', ['received_at', 'id']),
    ('ix_submissions_due', ['due_at', 'id']),
    ('ix_submissions_rag_rank', [sa.text(Submission.RAG_RANK), 'received_at', 'id']),
    ('ix_submissions_status_rag_rank', ['status', sa.text(Submission.RAG_RANK), 'received_at', 'id']),
    ('ix_submissions_assignee_rag_rank', ['assignee_id', sa.text(Submission.RAG_RANK), 'received_at', 'id']),
    ('ix_submissions_agency_rag_rank', ['agency_id', sa.text(Submission.RAG_RANK), 'received_at', 'id']),
    ('ix_submissions_status_received', ['status', 'received_at']),
    ('ix_submissions_agency_received', ['agency_id', 'received_at']),
    ('ix_submissions_assignee_received', ['assignee_id', 'received_at']),
]


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('child_names', sa.Text(), server_default='', nullable=False))
        batch.add_column(sa.Column('concern_categories', sa.Text(), server_default='', nullable=False))
    _backfill()
    for name, columns in ORDINARY:
        op.create_index(name, 'submissions', columns, unique=False)
    if postgresql:
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
    op.create_index('ix_submissions_reference_prefix', 'submissions', ['reference'], unique=False,
                    postgresql_ops={'reference': 'varchar_pattern_ops'})
    for column in ('child_names', 'concern_categories'):
        op.create_index(f'ix_submissions_{column}', 'submissions', [column], unique=False,
                        postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def _backfill() -> None:
    bind = op.get_bind()
    after = ""
    while True:
        page = bind.execute(sa.text("SELECT id, answers FROM submissions WHERE id > :after ORDER BY id LIMIT :page"),
                            {"after": after, "page": PAGE}).all()
        if not page:
            return
        rows = [{"row_id": submission_id, "names": Submission.names_of(a), "categories": Submission.categories_of(a)}
                for submission_id, answers in page if (a := _answers(answers))]
        rows = [row for row in rows if row["names"] or row["categories"]]
        if rows:
            bind.execute(sa.text("UPDATE submissions SET child_names = :names, concern_categories = :categories"
                                 " WHERE id = :row_id"), rows)
        after = page[-1][0]


def _answers(stored: Any) -> dict[str, Any]:
    data = json.loads(stored) if isinstance(stored, str) else stored
    return data if isinstance(data, dict) else {}


def downgrade() -> None:
    op.drop_index('ix_submissions_concern_categories', table_name='submissions')
    op.drop_index('ix_submissions_child_names', table_name='submissions')
    op.drop_index('ix_submissions_reference_prefix', table_name='submissions')
    for name, _columns in reversed(ORDINARY):
        op.drop_index(name, table_name='submissions')
    with op.batch_alter_table('submissions') as batch:
        batch.drop_column('concern_categories')
        batch.drop_column('child_names')
