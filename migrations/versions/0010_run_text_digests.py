"""optimization runs: SHA-256 digests of the stored instance and plan, so pages that need what
is computed from them (plan review, shares) find it in a cache without loading ~2 MB of JSON

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 06:00:00.000000
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

runs = sa.table('optimization_runs', sa.column('id', sa.Integer()), sa.column('instance_json', sa.Text()),
                sa.column('plan_json', sa.Text()), sa.column('instance_sha256', sa.String(64)),
                sa.column('plan_sha256', sa.String(64)))


def _sha256(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode('utf-8')).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('optimization_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('instance_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('plan_sha256', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    ids = connection.execute(sa.select(runs.c.id).order_by(runs.c.id)).scalars().all()
    for run_id in ids:  # one run at a time: each holds megabytes of JSON
        instance, plan = connection.execute(sa.select(runs.c.instance_json, runs.c.plan_json)
                                            .where(runs.c.id == run_id)).one()
        connection.execute(runs.update().where(runs.c.id == run_id)
                           .values(instance_sha256=_sha256(instance), plan_sha256=_sha256(plan)))


def downgrade() -> None:
    with op.batch_alter_table('optimization_runs', schema=None) as batch_op:
        batch_op.drop_column('plan_sha256')
        batch_op.drop_column('instance_sha256')
