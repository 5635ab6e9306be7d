"""attachment contents: an attachment's bytes in the database, for more than one server

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

With FANLIGHT_ATTACHMENT_STORAGE=database the bytes of each upload are written here in the
same transaction as its `attachments` row, so every application server sharing the database
can serve them. A row's bytes go when the row goes (ON DELETE CASCADE). Downgrading drops the
table, and with it every file kept this way.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('attachment_contents',
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['stored_name'], ['attachments.stored_name'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('stored_name')
    )
    if op.get_bind().dialect.name == 'postgresql':
        # PDFs, images and Word files are compressed already: keep them out of line (TOAST)
        # without PostgreSQL spending time compressing them again.
        op.execute('ALTER TABLE attachment_contents ALTER COLUMN data SET STORAGE EXTERNAL')


def downgrade() -> None:
    op.drop_table('attachment_contents')
