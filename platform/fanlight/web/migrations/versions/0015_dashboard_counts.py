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
as triage/deadlines.py reads it).
"""
import dataclasses
import json
from collections.abc import Sequence

import sqlalchemy as sa
import yaml
from alembic import op

from fanlight.engine.definitions.model import Calendar
from fanlight.web.dashboards import daily

revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DEFAULT_ZONE = next(f.default for f in dataclasses.fields(Calendar) if f.name == 'timezone')


def upgrade() -> None:
    op.create_table('dashboard_counts',
                    sa.Column('span', sa.String(length=7), nullable=False),
                    sa.Column('day', sa.Date(), nullable=False),
                    sa.Column('dimension', sa.String(length=20), nullable=False),
                    sa.Column('first', sa.String(length=80), nullable=False),
                    sa.Column('second', sa.String(length=80), nullable=False),
                    sa.Column('n', sa.Integer(), nullable=False),
                    sa.PrimaryKeyConstraint('span', 'day', 'dimension', 'first', 'second'))
    op.create_index('ix_dashboard_counts_series', 'dashboard_counts', ['dimension', 'span', 'day'])
    daily.rebuild(op.get_bind(), daily.in_zone(_front_door_zone()))


def _front_door_zone() -> str:
    """The `timezone` of the front door's calendar in the newest publication (UTC without one)."""
    bind = op.get_bind()
    published = bind.execute(sa.text("SELECT version_ids FROM publications ORDER BY id DESC LIMIT 1")).scalar()
    ids = json.loads(published) if isinstance(published, str) else published or []
    if not ids:
        return "UTC"
    found = bind.execute(sa.text("SELECT content FROM definition_versions WHERE kind = 'calendar' "
                                 "AND definition_id = 'front-door' AND id IN :ids")
                         .bindparams(sa.bindparam('ids', expanding=True)), {"ids": [int(i) for i in ids]}).scalar()
    calendar = yaml.safe_load(found) if found else None
    if not isinstance(calendar, dict):
        return 'UTC'
    return str(calendar.get('timezone') or DEFAULT_ZONE)  # a calendar that names none: the language's default


def downgrade() -> None:
    op.drop_table('dashboard_counts')
