"""purchase order fulfilment: vendors that take cXML, where a PO was emailed, shortage amounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('delivery_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepts_cxml', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_to', sa.String(length=500), server_default='', nullable=False))
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shortage_cents', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_purchase_order_lines_shortage_cents_in_range'),
            'shortage_cents >= 0 AND shortage_cents <= amount_cents')


def downgrade() -> None:
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_purchase_order_lines_shortage_cents_in_range'), type_='check')
        batch_op.drop_column('shortage_cents')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_column('sent_to')
    with op.batch_alter_table('delivery_terms', schema=None) as batch_op:
        batch_op.drop_column('accepts_cxml')
