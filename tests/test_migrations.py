"""The schema comes from the migrations, and the models match them."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from app.extensions import db
from app.search.index import is_index_table


def include_object(obj, name, type_, reflected, compare_to):
    table = (
        name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    )
    return not is_index_table(table)


def test_upgrade_from_empty_builds_every_table(app):
    tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_match_migrations(app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                "render_as_batch": True,
                "include_object": include_object,
            },
        )
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_flask_db_check_reports_no_difference(app):
    result = app.test_cli_runner().invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output


def test_a_rebuilt_table_keeps_the_rows_that_refer_to_it(app):
    """SQLite rebuilds a table to change a CHECK (obligation_waived drops and
    renames reporting_obligation): the ON DELETE actions of the rows referring to
    it must not fire, so a document keeps its obligation."""
    from datetime import date

    from app.documents.models import Document
    from app.subsidies.models import ReportingObligation
    from tests import factories

    application = factories.application()
    obligation = ReportingObligation(
        application=application, title="Eindrapport", kind="final", due_on=date.today()
    )
    db.session.add(obligation)
    db.session.flush()
    document = Document(
        application_id=application.id,
        obligation_id=obligation.id,
        filename="rapport.pdf",
        content_type="application/pdf",
        size=4,
        storage_key="k" * 32,
    )
    db.session.add(document)
    db.session.commit()
    ids = (document.id, obligation.id)
    db.session.remove()
    runner = app.test_cli_runner()
    down = runner.invoke(args=["db", "downgrade", "0011_search"])
    assert down.exit_code == 0, down.output
    up = runner.invoke(args=["db", "upgrade"])
    assert up.exit_code == 0, up.output
    assert db.session.get(Document, ids[0]).obligation_id == ids[1]
    if db.engine.dialect.name == "sqlite":  # enforced again after the migration
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_indexed_table_keeps_its_search_triggers(app):
    """A migration that rebuilds a table on SQLite (batch mode) drops its triggers:
    the search index must still follow every indexed table after all migrations."""
    tables = (
        "thread",
        "theme",
        "working_group",
        "task",
        "subsidy_call",
        "application",
        "municipality",
        "user_account",
        "comment",
        "document",
    )
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            expected = {
                f"search_{table}_{event}"
                for table in tables
                for event in ("insert", "update", "delete")
            }
        else:
            query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            expected = {f"search_{table}_sync" for table in tables}
        names = set(connection.exec_driver_sql(query).scalars())
    assert expected <= names, sorted(expected - names)
