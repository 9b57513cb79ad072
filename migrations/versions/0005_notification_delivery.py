"""notifications: once-only keys (cutoff reminders) and when the email left

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('dedupe_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(op.f('uq_notifications_user_id_dedupe_key'), ['user_id', 'dedupe_key'])


def downgrade() -> None:
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('uq_notifications_user_id_dedupe_key'), type_='unique')
        batch_op.drop_column('emailed_at')
        batch_op.drop_column('dedupe_key')
