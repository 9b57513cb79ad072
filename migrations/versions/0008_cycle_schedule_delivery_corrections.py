"""cycles: open automatically at their opening time (the scheduler); site deliveries: when and
by whom a delivery report was last corrected

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_automatically', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
    with op.batch_alter_table('site_deliveries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('corrected_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_site_deliveries_corrected_by_id_users'), 'users',
                                    ['corrected_by_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('site_deliveries', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('fk_site_deliveries_corrected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('corrected_by_id')
        batch_op.drop_column('corrected_at')
    with op.batch_alter_table('cycles', schema=None) as batch_op:
        batch_op.drop_column('opens_automatically')
