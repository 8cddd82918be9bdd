"""Full-text search index over threads, themes, groups, tasks, calls, dossiers,
municipalities and people, kept current by triggers and built here.

SQLite: an FTS5 table (`unicode61 remove_diacritics 2`: accents are ignored;
no stemming, so the app searches by prefix). PostgreSQL: a table with a
generated `tsvector` in the `dutch` configuration (Dutch stemming) over text
folded by `search_fold` (accents removed without the unaccent extension), with
a GIN index. The index table is not a model: app.search.index describes it.

Revision ID: 0011_search
Revises: 0010_documents
"""

from alembic import op

revision = "0011_search"
down_revision = "0010_documents"
branch_labels = None
depends_on = None

#: (kind, table, title, body): SQL over the row `{row}`, as in app.search.index.
SOURCES = (
    ("thread", "thread", "{row}.code || ' ' || {row}.title", "{row}.description"),
    ("theme", "theme", "{row}.title", "{row}.description"),
    ("group", "working_group", "{row}.name", "{row}.purpose"),
    ("task", "task", "{row}.title", "{row}.description"),
    ("call", "subsidy_call", "{row}.title", "{row}.funder || ' ' || {row}.description"),
    ("application", "application", "{row}.title", "coalesce({row}.reference, '')"),
    ("municipality", "municipality", "{row}.name", "coalesce({row}.nis_code, '')"),
    ("person", "user_account", "{row}.full_name", "{row}.email"),
)

FOLD_FROM = "áàâäãåéèêëíìîïóòôöõúùûüýÿçñ"
FOLD_TO = "aaaaaaeeeeiiiiooooouuuuyycn"


def _values(title: str, body: str, row: str) -> tuple[str, str]:
    return (
        f"coalesce({title.format(row=row)}, '')",
        f"coalesce({body.format(row=row)}, '')",
    )


def _upgrade_sqlite():
    op.execute(
        "CREATE VIRTUAL TABLE search_index USING fts5("
        "kind UNINDEXED, ref_id UNINDEXED, title, body, "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for kind, table, title, body in SOURCES:
        new_title, new_body = _values(title, body, "NEW")
        insert = (
            "INSERT INTO search_index (kind, ref_id, title, body) "
            f"VALUES ('{kind}', NEW.id, {new_title}, {new_body});"
        )
        delete = f"DELETE FROM search_index WHERE kind = '{kind}' AND ref_id = OLD.id;"
        op.execute(
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE ON {table} "
            f"BEGIN {delete} {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {delete} END"
        )


def _upgrade_postgresql():
    op.execute(
        "CREATE FUNCTION search_fold(text) RETURNS text LANGUAGE sql IMMUTABLE "
        f"AS $$ SELECT translate(lower($1), '{FOLD_FROM}', '{FOLD_TO}') $$"
    )
    op.execute(
        "CREATE TABLE search_index ("
        "kind varchar(20) NOT NULL, ref_id integer NOT NULL, "
        "title text NOT NULL, body text NOT NULL, "
        "document tsvector GENERATED ALWAYS AS ("
        "setweight(to_tsvector('dutch'::regconfig, search_fold(title)), 'A') || "
        "setweight(to_tsvector('dutch'::regconfig, search_fold(body)), 'B')"
        ") STORED, PRIMARY KEY (kind, ref_id))"
    )
    op.execute("CREATE INDEX ix_search_index_document ON search_index USING gin (document)")
    for kind, table, title, body in SOURCES:
        new_title, new_body = _values(title, body, "NEW")
        op.execute(
            f"CREATE FUNCTION search_{table}_sync() RETURNS trigger "
            "LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN "
            f"DELETE FROM search_index WHERE kind = '{kind}' AND ref_id = OLD.id; "
            "RETURN OLD; END IF; "
            "INSERT INTO search_index (kind, ref_id, title, body) "
            f"VALUES ('{kind}', NEW.id, {new_title}, {new_body}) "
            "ON CONFLICT (kind, ref_id) DO UPDATE "
            "SET title = EXCLUDED.title, body = EXCLUDED.body; "
            "RETURN NEW; END $$"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_sync "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION search_{table}_sync()"
        )


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()
    # Build the index from what exists.
    for kind, table, title, body in SOURCES:
        row_title, row_body = _values(title, body, table)
        op.execute(
            "INSERT INTO search_index (kind, ref_id, title, body) "
            f"SELECT '{kind}', {table}.id, {row_title}, {row_body} FROM {table}"
        )


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for _kind, table, _title, _body in SOURCES:
        if postgresql:
            op.execute(f"DROP TRIGGER search_{table}_sync ON {table}")
            op.execute(f"DROP FUNCTION search_{table}_sync()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER search_{table}_{event}")
    op.execute("DROP TABLE search_index")
    if postgresql:
        op.execute("DROP FUNCTION search_fold(text)")
