"""offers: one composite foreign key (price_sheet_id, organization_id) to price_sheets instead of
one key to price_sheets and one to organizations

The offer's vendor must be its sheet's vendor (the old keys did not say so), and storing a
sheet checks one key per offer instead of two.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 04:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('price_sheets') as batch_op:
        batch_op.create_unique_constraint(op.f('uq_price_sheets_id_organization_id'), ['id', 'organization_id'])
    with op.batch_alter_table('offers') as batch_op:
        batch_op.drop_constraint(op.f('fk_offers_price_sheet_id_price_sheets'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_offers_organization_id_organizations'), type_='foreignkey')
        batch_op.create_foreign_key(op.f('fk_offers_price_sheet_id_price_sheets'), 'price_sheets',
                                    ['price_sheet_id', 'organization_id'], ['id', 'organization_id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('offers') as batch_op:
        batch_op.drop_constraint(op.f('fk_offers_price_sheet_id_price_sheets'), type_='foreignkey')
        batch_op.create_foreign_key(op.f('fk_offers_organization_id_organizations'), 'organizations',
                                    ['organization_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_offers_price_sheet_id_price_sheets'), 'price_sheets',
                                    ['price_sheet_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('price_sheets') as batch_op:
        batch_op.drop_constraint(op.f('uq_price_sheets_id_organization_id'), type_='unique')
