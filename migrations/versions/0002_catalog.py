"""catalog, delivery terms, price sheets, offer versions, offers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_categories_alliance_id_alliances')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('alliance_id', 'slug', name=op.f('uq_categories_alliance_id_slug'))
    )
    op.create_index(op.f('ix_categories_alliance_id'), 'categories', ['alliance_id'], unique=False)
    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('cacfp_creditable', sa.Boolean(), nullable=False),
    sa.Column('whole_grain_rich', sa.Boolean(), nullable=False),
    sa.Column('peanut_free', sa.Boolean(), nullable=False),
    sa.Column('epa_registered', sa.Boolean(), nullable=False),
    sa.Column('infant', sa.Boolean(), nullable=False),
    sa.Column('reference_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_items_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_items_category_id_categories')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items')),
    sa.UniqueConstraint('alliance_id', 'slug', name=op.f('uq_items_alliance_id_slug'))
    )
    op.create_index(op.f('ix_items_alliance_id'), 'items', ['alliance_id'], unique=False)
    op.create_index(op.f('ix_items_category_id'), 'items', ['category_id'], unique=False)
    op.create_table('delivery_terms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('regions', sa.JSON(), nullable=True),
    sa.Column('delivery_fee', sa.Numeric(precision=12, scale=2), nullable=False),
    sa.Column('free_delivery_over', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('min_order', sa.Numeric(precision=12, scale=2), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('delivery_fee >= 0', name=op.f('ck_delivery_terms_fee_not_negative')),
    sa.CheckConstraint('free_delivery_over IS NULL OR free_delivery_over >= 0', name=op.f('ck_delivery_terms_free_over_not_negative')),
    sa.CheckConstraint('min_order IS NULL OR min_order >= 0', name=op.f('ck_delivery_terms_min_order_not_negative')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_delivery_terms_organization_id_organizations')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_delivery_terms_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_terms')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_delivery_terms_organization_id'))
    )
    op.create_table('price_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('status', sa.Enum('uploaded', 'invalid', 'validated', 'active', 'superseded', name='sheet_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('offer_count', sa.Integer(), nullable=False),
    sa.Column('error_count', sa.Integer(), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('warnings', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_price_sheets_organization_id_organizations')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_price_sheets_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_price_sheets'))
    )
    op.create_index(op.f('ix_price_sheets_organization_id'), 'price_sheets', ['organization_id'], unique=False)
    op.create_table('offer_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('price_sheet_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('effective_to', sa.Date(), nullable=True),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('activated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['activated_by_id'], ['users.id'], name=op.f('fk_offer_versions_activated_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_offer_versions_organization_id_organizations')),
    sa.ForeignKeyConstraint(['price_sheet_id'], ['price_sheets.id'], name=op.f('fk_offer_versions_price_sheet_id_price_sheets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offer_versions')),
    sa.UniqueConstraint('organization_id', 'number', name=op.f('uq_offer_versions_organization_id_number')),
    sa.UniqueConstraint('price_sheet_id', name=op.f('uq_offer_versions_price_sheet_id'))
    )
    op.create_index(op.f('ix_offer_versions_organization_id'), 'offer_versions', ['organization_id'], unique=False)
    op.create_table('offers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('price_sheet_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('vendor_sku', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('pack_size', sa.Numeric(precision=16, scale=6), nullable=False),
    sa.Column('sheet_pack_size', sa.Numeric(precision=16, scale=6), nullable=False),
    sa.Column('sheet_unit', sa.String(length=20), nullable=False),
    sa.Column('discount', sa.Enum('all_units', 'incremental', name='offer_discount', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('max_packs', sa.Integer(), nullable=True),
    sa.Column('valid_from', sa.Date(), nullable=True),
    sa.Column('valid_to', sa.Date(), nullable=True),
    sa.Column('row_number', sa.Integer(), nullable=False),
    sa.CheckConstraint('max_packs IS NULL OR max_packs > 0', name=op.f('ck_offers_max_packs_positive')),
    sa.CheckConstraint('pack_size > 0', name=op.f('ck_offers_pack_size_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_offers_item_id_items')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_offers_organization_id_organizations')),
    sa.ForeignKeyConstraint(['price_sheet_id'], ['price_sheets.id'], name=op.f('fk_offers_price_sheet_id_price_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_offers')),
    sa.UniqueConstraint('price_sheet_id', 'vendor_sku', name=op.f('uq_offers_price_sheet_id_vendor_sku'))
    )
    op.create_index(op.f('ix_offers_item_id'), 'offers', ['item_id'], unique=False)
    op.create_table('offer_tiers',
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('min_packs', sa.Integer(), nullable=False),
    sa.Column('price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.CheckConstraint('min_packs > 0', name=op.f('ck_offer_tiers_min_packs_positive')),
    sa.CheckConstraint('price > 0', name=op.f('ck_offer_tiers_price_positive')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_offer_tiers_offer_id_offers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('offer_id', 'position', name=op.f('pk_offer_tiers'))
    )


def downgrade() -> None:
    op.drop_table('offer_tiers')
    op.drop_index(op.f('ix_offers_item_id'), table_name='offers')
    op.drop_table('offers')
    op.drop_index(op.f('ix_offer_versions_organization_id'), table_name='offer_versions')
    op.drop_table('offer_versions')
    op.drop_index(op.f('ix_price_sheets_organization_id'), table_name='price_sheets')
    op.drop_table('price_sheets')
    op.drop_table('delivery_terms')
    op.drop_index(op.f('ix_items_category_id'), table_name='items')
    op.drop_index(op.f('ix_items_alliance_id'), table_name='items')
    op.drop_table('items')
    op.drop_index(op.f('ix_categories_alliance_id'), table_name='categories')
    op.drop_table('categories')
