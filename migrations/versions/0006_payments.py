"""payments: share payments and their attempts, the ledger, vendors' Stripe accounts, the hub's
fee, webhook events and reconciliation reports

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 02:36:07.841857
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webhook_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=100), nullable=False),
    sa.Column('type', sa.String(length=100), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('detail', sa.String(length=500), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webhook_events')),
    sa.UniqueConstraint('event_id', name=op.f('uq_webhook_events_event_id'))
    )
    op.create_table('stripe_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('stripe_id', sa.String(length=100), nullable=True),
    sa.Column('details_submitted', sa.Boolean(), nullable=False),
    sa.Column('payouts_enabled', sa.Boolean(), nullable=False),
    sa.Column('transfers_active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_stripe_accounts_organization_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stripe_accounts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_stripe_accounts_idempotency_key')),
    sa.UniqueConstraint('organization_id', name=op.f('uq_stripe_accounts_organization_id')),
    sa.UniqueConstraint('stripe_id', name=op.f('uq_stripe_accounts_stripe_id'))
    )
    op.create_table('hub_fee_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alliance_id', sa.Integer(), nullable=False),
    sa.Column('percent', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('fixed_cents', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('fixed_cents >= 0', name=op.f('ck_hub_fee_settings_fixed_not_negative')),
    sa.CheckConstraint('percent >= 0 AND percent <= 100', name=op.f('ck_hub_fee_settings_percent_in_range')),
    sa.ForeignKeyConstraint(['alliance_id'], ['alliances.id'], name=op.f('fk_hub_fee_settings_alliance_id_alliances')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_hub_fee_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_fee_settings')),
    sa.UniqueConstraint('alliance_id', name=op.f('uq_hub_fee_settings_alliance_id'))
    )
    op.create_table('reconciliation_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('totals', sa.JSON(), nullable=False),
    sa.Column('discrepancies', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reconciliation_reports_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_reconciliation_reports_cycle_id_cycles')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reconciliation_reports'))
    )
    with op.batch_alter_table('reconciliation_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reconciliation_reports_cycle_id'), ['cycle_id'], unique=False)

    op.create_table('share_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('goods_cents', sa.Integer(), nullable=False),
    sa.Column('fee_cents', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('unpaid', 'pending', 'processing', 'paid', 'failed', name='payment_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('intent_key', sa.String(length=120), nullable=False),
    sa.Column('payment_intent_id', sa.String(length=100), nullable=True),
    sa.Column('charge_id', sa.String(length=100), nullable=True),
    sa.Column('failure_message', sa.String(length=500), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_cents = goods_cents + fee_cents', name=op.f('ck_share_payments_amount_adds_up')),
    sa.CheckConstraint('goods_cents >= 0 AND fee_cents >= 0', name=op.f('ck_share_payments_parts_not_negative')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_share_payments_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_share_payments_member_id_organizations')),
    sa.ForeignKeyConstraint(['share_id'], ['member_shares.id'], name=op.f('fk_share_payments_share_id_member_shares')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_payments')),
    sa.UniqueConstraint('charge_id', name=op.f('uq_share_payments_charge_id')),
    sa.UniqueConstraint('intent_key', name=op.f('uq_share_payments_intent_key')),
    sa.UniqueConstraint('payment_intent_id', name=op.f('uq_share_payments_payment_intent_id')),
    sa.UniqueConstraint('share_id', name=op.f('uq_share_payments_share_id'))
    )
    with op.batch_alter_table('share_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_payments_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_share_payments_member_id'), ['member_id'], unique=False)

    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('vendor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('charge', 'hub_fee', 'refund', 'transfer', 'reversal', name='entry_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('pending', 'done', 'failed', name='entry_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('stripe_id', sa.String(length=100), nullable=True),
    sa.Column('transfer_entry_id', sa.Integer(), nullable=True),
    sa.Column('failure_message', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_ledger_entries_amount_positive')),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_ledger_entries_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['member_id'], ['organizations.id'], name=op.f('fk_ledger_entries_member_id_organizations')),
    sa.ForeignKeyConstraint(['payment_id'], ['share_payments.id'], name=op.f('fk_ledger_entries_payment_id_share_payments')),
    sa.ForeignKeyConstraint(['transfer_entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_entries_transfer_entry_id_ledger_entries')),
    sa.ForeignKeyConstraint(['vendor_id'], ['organizations.id'], name=op.f('fk_ledger_entries_vendor_id_organizations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_ledger_entries_idempotency_key')),
    sa.UniqueConstraint('stripe_id', name=op.f('uq_ledger_entries_stripe_id'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_entries_cycle_id'), ['cycle_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_payment_id'), ['payment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_entries_vendor_id'), ['vendor_id'], unique=False)

    op.create_table('payment_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=120), nullable=False),
    sa.Column('method_type', sa.String(length=20), nullable=False),
    sa.Column('payment_method', sa.String(length=100), nullable=False),
    sa.Column('status', sa.Enum('pending', 'processing', 'succeeded', 'failed', name='attempt_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('charge_id', sa.String(length=100), nullable=True),
    sa.Column('failure_code', sa.String(length=60), nullable=False),
    sa.Column('failure_message', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payment_attempts_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['payment_id'], ['share_payments.id'], name=op.f('fk_payment_attempts_payment_id_share_payments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_attempts')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_payment_attempts_idempotency_key')),
    sa.UniqueConstraint('payment_id', 'number', name=op.f('uq_payment_attempts_payment_id_number'))
    )


def downgrade() -> None:
    op.drop_table('payment_attempts')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_entries_vendor_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_payment_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_member_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_entries_cycle_id'))

    op.drop_table('ledger_entries')
    with op.batch_alter_table('share_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_payments_member_id'))
        batch_op.drop_index(batch_op.f('ix_share_payments_cycle_id'))

    op.drop_table('share_payments')
    with op.batch_alter_table('reconciliation_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reconciliation_reports_cycle_id'))

    op.drop_table('reconciliation_reports')
    op.drop_table('hub_fee_settings')
    op.drop_table('stripe_accounts')
    op.drop_table('webhook_events')
