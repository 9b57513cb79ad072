"""payments: background payout and reconciliation jobs (payment_jobs); ledger entries of the
hub's fee refunded to a member whose goods were all refunded (entry kind fee_refund)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = ('charge', 'hub_fee', 'refund', 'transfer', 'reversal')
NEW_KINDS = (*OLD_KINDS, 'fee_refund')


def _kind(values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(*values, name='entry_kind', native_enum=False, create_constraint=True, length=20)


def upgrade() -> None:
    op.create_table('payment_jobs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('payouts', 'reconcile', name='payment_job_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='payment_job_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('error', sa.String(length=500), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_payment_jobs_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cycle_id'], ['cycles.id'], name=op.f('fk_payment_jobs_cycle_id_cycles')),
    sa.ForeignKeyConstraint(['report_id'], ['reconciliation_reports.id'], name=op.f('fk_payment_jobs_report_id_reconciliation_reports'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_jobs'))
    )
    with op.batch_alter_table('payment_jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_jobs_cycle_id'), ['cycle_id'], unique=False)
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(OLD_KINDS), type_=_kind(NEW_KINDS), existing_nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM ledger_entries WHERE kind = 'fee_refund'")
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_kind(NEW_KINDS), type_=_kind(OLD_KINDS), existing_nullable=False)
    with op.batch_alter_table('payment_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payment_jobs_cycle_id'))
    op.drop_table('payment_jobs')
