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

#: (kind, table, title, body, columns): title and body are SQL over the row
#: `{row}`; the index follows changes of `columns` only (not of a version bump).
SOURCES = (
    ("thread", "thread", "{row}.code || ' ' || {row}.title", "{row}.description",
     "code, title, description"),
    ("theme", "theme", "{row}.title", "{row}.description", "title, description"),
    ("group", "working_group", "{row}.name", "{row}.purpose", "name, purpose"),
    ("task", "task", "{row}.title", "{row}.description", "title, description"),
    ("call", "subsidy_call", "{row}.title", "{row}.funder || ' ' || {row}.description",
     "title, funder, description"),
    ("application", "application", "{row}.title", "coalesce({row}.reference, '')",
     "title, reference"),
    ("municipality", "municipality", "{row}.name", "coalesce({row}.nis_code, '')",
     "name, nis_code"),
    ("person", "user_account", "{row}.full_name", "{row}.email", "full_name, email"),
)  # fmt: skip
#: SQLite: the FTS5 rowid of a row is its id * ROWID_KINDS + the kind's number, so
#: that a trigger finds it by rowid instead of scanning the index.
ROWID_KINDS = 16


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
    for number, (kind, table, title, body, columns) in enumerate(SOURCES, 1):
        new_title, new_body = _values(title, body, "NEW")
        insert = (
            "INSERT INTO search_index (rowid, kind, ref_id, title, body) VALUES "
            f"(NEW.id * {ROWID_KINDS} + {number}, '{kind}', NEW.id, "
            f"{new_title}, {new_body});"
        )
        delete = (
            f"DELETE FROM search_index WHERE rowid = OLD.id * {ROWID_KINDS} + {number};"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {columns} "
            f"ON {table} BEGIN {delete} {insert} END"
        )
        op.execute(
            f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {delete} END"
        )
    # Build the index from what exists.
    for number, (kind, table, title, body, _columns) in enumerate(SOURCES, 1):
        row_title, row_body = _values(title, body, table)
        op.execute(
            "INSERT INTO search_index (rowid, kind, ref_id, title, body) "
            f"SELECT {table}.id * {ROWID_KINDS} + {number}, '{kind}', {table}.id, "
            f"{row_title}, {row_body} FROM {table}"
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
    for kind, table, title, body, columns in SOURCES:
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
            f"AFTER INSERT OR DELETE OR UPDATE OF {columns} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION search_{table}_sync()"
        )
    # Build the index from what exists.
    for kind, table, title, body, _columns in SOURCES:
        row_title, row_body = _values(title, body, table)
        op.execute(
            "INSERT INTO search_index (kind, ref_id, title, body) "
            f"SELECT '{kind}', {table}.id, {row_title}, {row_body} FROM {table}"
        )


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        _upgrade_postgresql()
    else:
        _upgrade_sqlite()


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for _kind, table, *_sql in SOURCES:
        if postgresql:
            op.execute(f"DROP TRIGGER search_{table}_sync ON {table}")
            op.execute(f"DROP FUNCTION search_{table}_sync()")
        else:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER search_{table}_{event}")
    op.execute("DROP TABLE search_index")
    if postgresql:
        op.execute("DROP FUNCTION search_fold(text)")
