"""The migrations are the schema: one head, they match the models, they go down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import marketplace.models  # noqa: F401
from marketplace import migrate
from marketplace.db import Base, make_engine
from tests.conftest import drop_postgres_database, new_database_url


def test_single_head():
    heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
    assert len(heads) == 1, f"several migration heads {heads}: merge them (alembic merge heads)"


def test_models_and_migrations_agree(engine):
    # The `alembic check` of CI: autogenerate finds nothing to add on a migrated database.
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == [], f"models and migrations differ; write a migration: {differences}"


def test_constraints_follow_the_naming_convention(engine):
    inspector = inspect(engine)
    for table in Base.metadata.tables:
        for fk in inspector.get_foreign_keys(table):
            assert fk["name"] and fk["name"].startswith(f"fk_{table}_"), (table, fk)
        for unique in inspector.get_unique_constraints(table):
            assert unique["name"] and unique["name"].startswith(f"uq_{table}_"), (table, unique)
        pk = inspector.get_pk_constraint(table)
        if engine.dialect.name == "postgresql":
            assert pk["name"] == f"pk_{table}"


@pytest.mark.parametrize("backend_name", [pytest.param("sqlite"),
                                          pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_downgrade_to_base_and_upgrade_again(backend_name, tmp_path_factory):
    url = new_database_url(backend_name, tmp_path_factory, "migrations")
    try:
        migrate.upgrade(url)
        command.downgrade(migrate.alembic_config(url), "base")
        engine = make_engine(url)
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(url)
        assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
        engine.dispose()
    finally:
        if backend_name == "postgresql":
            drop_postgres_database(url)
