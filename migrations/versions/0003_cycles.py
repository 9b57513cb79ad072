"""purchasing cycles: recurring needs, cycles, demand lines, optimization runs and plans,
member shares, purchase orders, site deliveries, notifications, API tokens

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 02:20:45.110164
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    op.create_index(op.f('ix_api_tokens_user_id'), 'api_tokens', ['user_id'], unique=False)
    op.create_table('cycles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', 'published', 'finalized', 'ordered', 'delivered', 'cancelled', name='cycle_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cutoff_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivery_on', sa.Date(), nullable=False),
    sa.Column('approval_deadline_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('length_days', sa.Integer(), nullable=False),
    sa.Column('published_run_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cutoff_at > opens_at', name=op.f('ck_cycles_cutoff_after_open')),
    sa.CheckConstraint('length_days > 0', name=op.f('ck_cycles_length_positive')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_cycles_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_cycles_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycles'))
    )
    op.create_index(op.f('ix_cycles_alliance_id'), 'cycles', ['alliance_id'], unique=False)
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('user_id IS NOT NULL OR organization_id IS NOT NULL', name=op.f('ck_notifications_has_recipient')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_notifications_organization_id_organizations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    op.create_index(op.f('ix_notifications_organization_id'), 'notifications', ['organization_id'], unique=False)
    op.create_index(op.f('ix_notifications_user_id'), 'notifications', ['user_id'], unique=False)
    op.create_table('recurring_needs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('cadence', sa.Enum('every_cycle', 'weekly', 'biweekly', 'monthly', name='need_cadence', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('max_unit_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('avoided_vendor_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('ends_on IS NULL OR ends_on >= starts_on', name=op.f('ck_recurring_needs_ends_after_start')),
    sa.CheckConstraint('max_unit_price IS NULL OR max_unit_price > 0', name=op.f('ck_recurring_needs_max_price_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_recurring_needs_quantity_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_recurring_needs_item_id_items')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_recurring_needs_organization_id_organizations')),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_recurring_needs_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recurring_needs')),
    sa.UniqueConstraint('site_id', 'item_id', name=op.f('uq_recurring_needs_site_id_item_id'))
    )
    op.create_index(op.f('ix_recurring_needs_item_id'), 'recurring_needs', ['item_id'], unique=False)
    op.create_index(op.f('ix_recurring_needs_organization_id'), 'recurring_needs', ['organization_id'], unique=False)
    op.create_table('demand_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('source', sa.Enum('recurring', 'added', name='demand_source', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('recurring_need_id', sa.Integer(), nullable=True),
    sa.Column('max_unit_price', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('avoided_vendor_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('max_unit_price IS NULL OR max_unit_price > 0', name=op.f('ck_demand_lines_max_price_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_demand_lines_quantity_positive')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_demand_lines_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_demand_lines_item_id_items')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_demand_lines_organization_id_organizations')),
    sa.ForeignKeyConstraint(['recurring_need_id'], ['recurring_needs.id'], name=op.f('fk_demand_lines_recurring_need_id_recurring_needs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_demand_lines_site_id_sites')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_demand_lines_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_demand_lines')),
    sa.UniqueConstraint('cycle_id', 'site_id', 'item_id', name=op.f('uq_demand_lines_cycle_id_site_id_item_id'))
    )
    op.create_index(op.f('ix_demand_lines_item_id'), 'demand_lines', ['item_id'], unique=False)
    op.create_index(op.f('ix_demand_lines_organization_id'), 'demand_lines', ['organization_id'], unique=False)
    op.create_index(op.f('ix_demand_lines_site_id'), 'demand_lines', ['site_id'], unique=False)
    op.create_table('optimization_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'succeeded', 'failed', 'cancelled', name='run_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('excluded_member_ids', sa.JSON(), nullable=False),
    sa.Column('excluded_vendor_ids', sa.JSON(), nullable=False),
    sa.Column('instance_json', sa.Text(), nullable=True),
    sa.Column('plan_json', sa.Text(), nullable=True),
    sa.Column('solver_log', sa.Text(), nullable=False),
    sa.Column('progress', sa.JSON(), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('plan_status', sa.String(length=20), nullable=True),
    sa.Column('total_cents', sa.Integer(), nullable=True),
    sa.Column('standalone_cents', sa.Integer(), nullable=True),
    sa.Column('savings_cents', sa.Integer(), nullable=True),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_optimization_runs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_optimization_runs_cycle_id_cycles'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_optimization_runs')),
    sa.UniqueConstraint('cycle_id', 'number', name=op.f('uq_optimization_runs_cycle_id_number'))
    )
    # cycles and optimization_runs point at each other: this key comes once both exist.
    with op.batch_alter_table('cycles') as batch_op:
        batch_op.create_foreign_key(op.f('fk_cycles_published_run_id_optimization_runs'), 'optimization_runs',
                                    ['published_run_id'], ['id'], ondelete='SET NULL')
    op.create_table('cycle_offer_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('offer_version_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_cycle_offer_versions_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['offer_version_id'], ['offer_versions.id'], name=op.f('fk_cycle_offer_versions_offer_version_id_offer_versions')),
    sa.ForeignKeyConstraint(['run_id'], ['optimization_runs.id'], name=op.f('fk_cycle_offer_versions_run_id_optimization_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cycle_offer_versions')),
    sa.UniqueConstraint('run_id', 'offer_version_id', name=op.f('uq_cycle_offer_versions_run_id_offer_version_id'))
    )
    op.create_index(op.f('ix_cycle_offer_versions_cycle_id'), 'cycle_offer_versions', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_cycle_offer_versions_offer_version_id'), 'cycle_offer_versions', ['offer_version_id'], unique=False)
    op.create_table('member_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('cost_cents', sa.Integer(), nullable=False),
    sa.Column('standalone_cents', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('pending', 'approved', 'rejected', 'superseded', name='share_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cost_cents >= 0', name=op.f('ck_member_shares_cost_not_negative')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_member_shares_cycle_id_cycles'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_member_shares_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_member_shares_member_id_organizations')),
    sa.ForeignKeyConstraint(['run_id'], ['optimization_runs.id'], name=op.f('fk_member_shares_run_id_optimization_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_shares')),
    sa.UniqueConstraint('run_id', 'member_id', name=op.f('uq_member_shares_run_id_member_id'))
    )
    op.create_index(op.f('ix_member_shares_cycle_id'), 'member_shares', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_member_shares_member_id'), 'member_shares', ['member_id'], unique=False)
    op.create_table('plan_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.CheckConstraint('fee_cents >= 0', name=op.f('ck_plan_deliveries_fee_not_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_plan_deliveries_member_id_organizations')),
    sa.ForeignKeyConstraint(['run_id'], ['optimization_runs.id'], name=op.f('fk_plan_deliveries_run_id_optimization_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_plan_deliveries_site_id_sites')),
    sa.ForeignKeyConstraint(['vendor_id'], ['organizations.id'], name=op.f('fk_plan_deliveries_vendor_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_deliveries')),
    sa.UniqueConstraint('run_id', 'site_id', 'vendor_id', name=op.f('uq_plan_deliveries_run_id_site_id_vendor_id'))
    )
    op.create_index(op.f('ix_plan_deliveries_member_id'), 'plan_deliveries', ['member_id'], unique=False)
    op.create_index(op.f('ix_plan_deliveries_site_id'), 'plan_deliveries', ['site_id'], unique=False)
    op.create_index(op.f('ix_plan_deliveries_vendor_id'), 'plan_deliveries', ['vendor_id'], unique=False)
    op.create_table('plan_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('packs', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=6), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('tier_position', sa.Integer(), nullable=False),
    sa.CheckConstraint('packs > 0', name=op.f('ck_plan_lines_packs_positive')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_plan_lines_item_id_items')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_plan_lines_member_id_organizations')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_plan_lines_offer_id_offers')),
    sa.ForeignKeyConstraint(['run_id'], ['optimization_runs.id'], name=op.f('fk_plan_lines_run_id_optimization_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_plan_lines_site_id_sites')),
    sa.ForeignKeyConstraint(['vendor_id'], ['organizations.id'], name=op.f('fk_plan_lines_vendor_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_lines')),
    sa.UniqueConstraint('run_id', 'site_id', 'offer_id', name=op.f('uq_plan_lines_run_id_site_id_offer_id'))
    )
    op.create_index(op.f('ix_plan_lines_item_id'), 'plan_lines', ['item_id'], unique=False)
    op.create_index(op.f('ix_plan_lines_member_id'), 'plan_lines', ['member_id'], unique=False)
    op.create_index(op.f('ix_plan_lines_offer_id'), 'plan_lines', ['offer_id'], unique=False)
    op.create_index(op.f('ix_plan_lines_site_id'), 'plan_lines', ['site_id'], unique=False)
    op.create_index(op.f('ix_plan_lines_vendor_id'), 'plan_lines', ['vendor_id'], unique=False)
    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=30), nullable=False),
    sa.Column('status', sa.Enum('draft', 'sent', 'confirmed', 'shipped', 'delivered', 'short', 'cancelled', name='po_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('goods_cents', sa.Integer(), nullable=False),
    sa.Column('fees_cents', sa.Integer(), nullable=False),
    sa.Column('total_cents', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('total_cents = goods_cents + fees_cents', name=op.f('ck_purchase_orders_total_adds_up')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_purchase_orders_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_purchase_orders_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['run_id'], ['optimization_runs.id'], name=op.f('fk_purchase_orders_run_id_optimization_runs')),
    sa.ForeignKeyConstraint(['vendor_id'], ['organizations.id'], name=op.f('fk_purchase_orders_vendor_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('alliance_id', 'number', name=op.f('uq_purchase_orders_alliance_id_number')),
    sa.UniqueConstraint('run_id', 'vendor_id', name=op.f('uq_purchase_orders_run_id_vendor_id'))
    )
    op.create_index(op.f('ix_purchase_orders_alliance_id'), 'purchase_orders', ['alliance_id'], unique=False)
    op.create_index(op.f('ix_purchase_orders_cycle_id'), 'purchase_orders', ['cycle_id'], unique=False)
    op.create_index(op.f('ix_purchase_orders_vendor_id'), 'purchase_orders', ['vendor_id'], unique=False)
    op.create_table('purchase_order_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('offer_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('packs', sa.Integer(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=12, scale=4), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('received_packs', sa.Integer(), nullable=True),
    sa.Column('shortage_packs', sa.Integer(), nullable=False),
    sa.CheckConstraint('packs > 0', name=op.f('ck_purchase_order_lines_packs_positive')),
    sa.CheckConstraint('received_packs IS NULL OR received_packs >= 0', name=op.f('ck_purchase_order_lines_received_not_negative')),
    sa.CheckConstraint('shortage_packs >= 0 AND shortage_packs <= packs', name=op.f('ck_purchase_order_lines_shortage_in_range')),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_purchase_order_lines_item_id_items')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_purchase_order_lines_member_id_organizations')),
    sa.ForeignKeyConstraint(['offer_id'], ['offers.id'], name=op.f('fk_purchase_order_lines_offer_id_offers')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_purchase_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_purchase_order_lines_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_order_lines')),
    sa.UniqueConstraint('purchase_order_id', 'site_id', 'offer_id', name=op.f('uq_purchase_order_lines_purchase_order_id_site_id_offer_id'))
    )
    op.create_index(op.f('ix_purchase_order_lines_item_id'), 'purchase_order_lines', ['item_id'], unique=False)
    op.create_index(op.f('ix_purchase_order_lines_member_id'), 'purchase_order_lines', ['member_id'], unique=False)
    op.create_index(op.f('ix_purchase_order_lines_site_id'), 'purchase_order_lines', ['site_id'], unique=False)
    op.create_table('site_deliveries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase_order_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'received', 'short', name='delivery_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.CheckConstraint('fee_cents >= 0', name=op.f('ck_site_deliveries_fee_not_negative')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_site_deliveries_member_id_organizations')),
    sa.ForeignKeyConstraint(['purchase_order_id'], ['purchase_orders.id'], name=op.f('fk_site_deliveries_purchase_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['received_by_id'], ['users.id'], name=op.f('fk_site_deliveries_received_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['site_id'], ['sites.id'], name=op.f('fk_site_deliveries_site_id_sites')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_site_deliveries')),
    sa.UniqueConstraint('purchase_order_id', 'site_id', name=op.f('uq_site_deliveries_purchase_order_id_site_id'))
    )
    op.create_index(op.f('ix_site_deliveries_member_id'), 'site_deliveries', ['member_id'], unique=False)
    op.create_index(op.f('ix_site_deliveries_site_id'), 'site_deliveries', ['site_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_site_deliveries_site_id'), table_name='site_deliveries')
    op.drop_index(op.f('ix_site_deliveries_member_id'), table_name='site_deliveries')
    op.drop_table('site_deliveries')
    op.drop_index(op.f('ix_purchase_order_lines_site_id'), table_name='purchase_order_lines')
    op.drop_index(op.f('ix_purchase_order_lines_member_id'), table_name='purchase_order_lines')
    op.drop_index(op.f('ix_purchase_order_lines_item_id'), table_name='purchase_order_lines')
    op.drop_table('purchase_order_lines')
    op.drop_index(op.f('ix_purchase_orders_vendor_id'), table_name='purchase_orders')
    op.drop_index(op.f('ix_purchase_orders_cycle_id'), table_name='purchase_orders')
    op.drop_index(op.f('ix_purchase_orders_alliance_id'), table_name='purchase_orders')
    op.drop_table('purchase_orders')
    op.drop_index(op.f('ix_plan_lines_vendor_id'), table_name='plan_lines')
    op.drop_index(op.f('ix_plan_lines_site_id'), table_name='plan_lines')
    op.drop_index(op.f('ix_plan_lines_offer_id'), table_name='plan_lines')
    op.drop_index(op.f('ix_plan_lines_member_id'), table_name='plan_lines')
    op.drop_index(op.f('ix_plan_lines_item_id'), table_name='plan_lines')
    op.drop_table('plan_lines')
    op.drop_index(op.f('ix_plan_deliveries_vendor_id'), table_name='plan_deliveries')
    op.drop_index(op.f('ix_plan_deliveries_site_id'), table_name='plan_deliveries')
    op.drop_index(op.f('ix_plan_deliveries_member_id'), table_name='plan_deliveries')
    op.drop_table('plan_deliveries')
    op.drop_index(op.f('ix_member_shares_member_id'), table_name='member_shares')
    op.drop_index(op.f('ix_member_shares_cycle_id'), table_name='member_shares')
    op.drop_table('member_shares')
    op.drop_index(op.f('ix_cycle_offer_versions_offer_version_id'), table_name='cycle_offer_versions')
    op.drop_index(op.f('ix_cycle_offer_versions_cycle_id'), table_name='cycle_offer_versions')
    op.drop_table('cycle_offer_versions')
    with op.batch_alter_table('cycles') as batch_op:
        batch_op.drop_constraint(op.f('fk_cycles_published_run_id_optimization_runs'), type_='foreignkey')
    op.drop_table('optimization_runs')
    op.drop_index(op.f('ix_demand_lines_site_id'), table_name='demand_lines')
    op.drop_index(op.f('ix_demand_lines_organization_id'), table_name='demand_lines')
    op.drop_index(op.f('ix_demand_lines_item_id'), table_name='demand_lines')
    op.drop_table('demand_lines')
    op.drop_index(op.f('ix_recurring_needs_organization_id'), table_name='recurring_needs')
    op.drop_index(op.f('ix_recurring_needs_item_id'), table_name='recurring_needs')
    op.drop_table('recurring_needs')
    op.drop_index(op.f('ix_notifications_user_id'), table_name='notifications')
    op.drop_index(op.f('ix_notifications_organization_id'), table_name='notifications')
    op.drop_table('notifications')
    op.drop_index(op.f('ix_cycles_alliance_id'), table_name='cycles')
    op.drop_table('cycles')
    op.drop_index(op.f('ix_api_tokens_user_id'), table_name='api_tokens')
    op.drop_table('api_tokens')
