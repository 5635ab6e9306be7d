"""dashboard counts: the managers' dashboards' figures kept in step with the referrals

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30

Written by hand (issue 10, "Benchmark": every dashboard view for a quarter and a year over a
million referrals in 200 ms). `dashboard_counts` holds, for each front-door day, month, quarter
and council year, how many referrals received then have each fact the dashboards break down by
(models/reporting.py; dashboards/daily.py keeps it in step in the transaction that changes a
referral).

Backfill: every row from the referrals (`dashboards.daily.rebuild`), their days in the time zone
of the front door's calendar as last published (`front-door`, its `timezone`; UTC without one,
as triage/deadlines.py reads it: `dashboards.daily.published_zone`).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from fanlight.web.dashboards import daily

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('dashboard_counts',
                    sa.Column('span', sa.String(length=7), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('dimension', sa.String(length=40), nullable=False),
                    sa.Column('first', sa.String(length=200), nullable=False),
                    sa.Column('second', sa.String(length=200), nullable=False),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('span', 'day', 'dimension', 'first', 'second'))
    op.create_index('ix_dashboard_counts_series', 'dashboard_counts', ['dimension', 'span', 'day'])
    daily.rebuild(op.get_bind(), daily.in_zone(daily.published_zone(op.get_bind())))


def downgrade() -> None:
    op.drop_table('dashboard_counts')
