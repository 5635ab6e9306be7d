"""front door: a referral's state, owner, rating and clock; its events append-only; retention grants

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02

Written by hand (issue 9, the front door):

- `submissions` gains the referring agency's id and DfE CIN ReferralSource code, when the front
  door received it and when a decision is due, its owner at the front door (`assignee_id`; the
  referrer stays `owner_id`) and its RAG rating, with indexes for the holding area;
- `submission_events` gains from/to state and a reason;
- `retention_grants`: leave for the retention job alone to delete one submission's events.

Backfill: every submission "submitted" is now "received" (at its submission time), with its
referrer's agency id, and the code of that agency's type in the live published definitions
(NULL where the referrer has no agency, or the live definitions no longer list it); each
submission without a `received` event gets one (from nothing to received, by its referrer, at
its submission time). `due_at` stays NULL for them: the decision clock applies from now on.

The event table is then made append-only by triggers refusing UPDATE and DELETE (and, on
PostgreSQL, TRUNCATE), as 0003 did for audit_events; a DELETE is let through only for a
submission named in `retention_grants` (in the job's own transaction). The triggers are created
last, after the backfill and the batch operations: on SQLite a batch operation that copies a
table drops its triggers, so a later migration that alters submission_events in batch mode must
create them again (from TRIGGERS_POSTGRESQL / TRIGGERS_SQLITE below).
"""
import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import yaml
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = "submission_events is append-only: its rows cannot be changed or deleted"
GRANTED = "EXISTS (SELECT 1 FROM retention_grants g WHERE g.submission_id = OLD.submission_id)"

TRIGGERS_POSTGRESQL = [
    f"""CREATE FUNCTION fanlight_submission_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            IF {GRANTED} THEN
                RETURN OLD;
            END IF;
        END IF;
        RAISE EXCEPTION '{APPEND_ONLY}' USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER submission_events_append_only BEFORE UPDATE OR DELETE ON submission_events
    FOR EACH ROW EXECUTE FUNCTION fanlight_submission_events_append_only()""",
    """CREATE TRIGGER submission_events_no_truncate BEFORE TRUNCATE ON submission_events
    FOR EACH STATEMENT EXECUTE FUNCTION fanlight_submission_events_append_only()""",
]
DROP_TRIGGERS_POSTGRESQL = [
    "DROP TRIGGER IF EXISTS submission_events_no_truncate ON submission_events",
    "DROP TRIGGER IF EXISTS submission_events_append_only ON submission_events",
    "DROP FUNCTION IF EXISTS fanlight_submission_events_append_only()",
]
TRIGGERS_SQLITE = [
    f"""CREATE TRIGGER submission_events_no_update BEFORE UPDATE ON submission_events
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER submission_events_no_delete BEFORE DELETE ON submission_events
    WHEN NOT {GRANTED}
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
]
DROP_TRIGGERS_SQLITE = [
    "DROP TRIGGER IF EXISTS submission_events_no_delete",
    "DROP TRIGGER IF EXISTS submission_events_no_update",
]
AGENCY_TYPES = "agency-types"  # the option list mapping agency types to CIN codes (engine loader)


def upgrade() -> None:
    op.create_table('retention_grants',
    sa.Column('submission_id', sa.String(length=32), nullable=False),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('submission_id')
    )
    with op.batch_alter_table('submission_events') as batch:
        batch.add_column(sa.Column('from_status', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('to_status', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('reason', sa.Text(), server_default='', nullable=False))
    with op.batch_alter_table('submissions') as batch:
        batch.add_column(sa.Column('agency_id', sa.String(length=80), nullable=True))
        batch.add_column(sa.Column('cin_referral_source', sa.String(length=4), nullable=True))
        batch.add_column(sa.Column('received_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('assignee_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('rag', sa.String(length=10), nullable=True))

    _backfill()

    with op.batch_alter_table('submissions') as batch:
        batch.alter_column('received_at', existing_type=sa.DateTime(timezone=True), nullable=False)
        batch.create_foreign_key('fk_submissions_assignee_id_users', 'users', ['assignee_id'], ['id'])
        batch.create_index('ix_submissions_status_due', ['status', 'due_at'], unique=False)
        batch.create_index('ix_submissions_assignee_status', ['assignee_id', 'status'], unique=False)
        batch.create_index('ix_submissions_rag_status', ['rag', 'status'], unique=False)

    for statement in _statements(TRIGGERS_POSTGRESQL, TRIGGERS_SQLITE):
        op.execute(statement)


def _backfill() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE submissions SET status = 'received' WHERE status = 'submitted'"))
    bind.execute(sa.text("UPDATE submissions SET received_at = submitted_at"))
    bind.execute(sa.text(
        "UPDATE submissions SET agency_id = (SELECT u.agency_id FROM users u WHERE u.id = submissions.owner_id "
        "AND u.agency_id <> '')"))
    for agency_id, code in _referral_sources(bind).items():
        bind.execute(sa.text("UPDATE submissions SET cin_referral_source = :code WHERE agency_id = :agency_id"),
                     {"code": code, "agency_id": agency_id})
    json_type = sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')
    bind.execute(sa.text(
        "INSERT INTO submission_events (submission_id, actor_id, kind, from_status, to_status, reason, detail, at) "
        "SELECT s.id, s.owner_id, 'received', NULL, 'received', '', :detail, s.submitted_at FROM submissions s "
        "WHERE NOT EXISTS (SELECT 1 FROM submission_events e WHERE e.submission_id = s.id AND e.kind = 'received') "
        "ORDER BY s.submitted_at, s.id").bindparams(sa.bindparam('detail', type_=json_type)),
        {"detail": {"backfilled": "migration 0007"}})


def _referral_sources(bind: sa.Connection) -> dict[str, str]:
    """{agency id: CIN ReferralSource code} from the live publication's agencies and agency-types
    list, read as plain YAML (a migration does not depend on the loader of the day)."""
    version_ids = bind.execute(sa.text("SELECT version_ids FROM publications ORDER BY id DESC LIMIT 1")).scalar()
    if version_ids is None:
        return {}
    ids = [int(i) for i in (json.loads(version_ids) if isinstance(version_ids, str) else version_ids)]
    if not ids:
        return {}
    rows = bind.execute(sa.text("SELECT kind, definition_id, content FROM definition_versions WHERE id IN :ids "
                                "AND kind IN ('agency', 'options')").bindparams(sa.bindparam("ids", expanding=True)),
                        {"ids": ids}).all()
    types: dict[str, str] = {}
    agencies: dict[str, str] = {}
    for kind, definition_id, content in rows:
        data = _yaml(content)
        if kind == 'options' and definition_id == AGENCY_TYPES:
            types = {str(o.get('value')): str(o['code']) for o in data.get('options') or []
                     if isinstance(o, dict) and o.get('code') is not None}
        elif kind == 'agency':
            agencies[definition_id] = str(data.get('agency_type', ''))
    return {agency_id: types[t] for agency_id, t in agencies.items() if t in types}


def _yaml(content: str) -> dict[str, Any]:
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


def _statements(postgresql_sql: list[str], sqlite_sql: list[str]) -> list[str]:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql_sql
    if dialect == "sqlite":
        return sqlite_sql
    raise NotImplementedError(f"no append-only triggers for {dialect}")


def downgrade() -> None:
    """Back to one state, "submitted"; the events written since stay (their extra columns go)."""
    for statement in _statements(DROP_TRIGGERS_POSTGRESQL, DROP_TRIGGERS_SQLITE):
        op.execute(statement)
    with op.batch_alter_table('submissions') as batch:
        batch.drop_index('ix_submissions_rag_status')
        batch.drop_index('ix_submissions_assignee_status')
        batch.drop_index('ix_submissions_status_due')
        batch.drop_constraint('fk_submissions_assignee_id_users', type_='foreignkey')
        batch.drop_column('rag')
        batch.drop_column('assignee_id')
        batch.drop_column('due_at')
        batch.drop_column('received_at')
        batch.drop_column('cin_referral_source')
        batch.drop_column('agency_id')
    op.execute("UPDATE submissions SET status = 'submitted'")
    with op.batch_alter_table('submission_events') as batch:
        batch.drop_column('reason')
        batch.drop_column('to_status')
        batch.drop_column('from_status')
    op.drop_table('retention_grants')
