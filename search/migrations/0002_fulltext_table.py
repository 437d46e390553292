"""The embedded backend's full-text table, per database: SQLite FTS5 over jieba-segmented text
(columns weighted at query time with bm25), or a weighted tsvector with a GIN index on PostgreSQL."""

from django.db import migrations

SQLITE = """
CREATE VIRTUAL TABLE IF NOT EXISTS gongyu_search_fts USING fts5(
    title, problem, summary, shelf, body, tokenize = 'unicode61 remove_diacritics 0'
)
"""
POSTGRES = [
    """CREATE TABLE IF NOT EXISTS gongyu_search_fts (
        entry_id bigint PRIMARY KEY,  -- no foreign key: Django's flush TRUNCATEs the entry table
        document tsvector NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS gongyu_search_fts_document ON gongyu_search_fts USING gin (document)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE)
    elif vendor == "postgresql":
        for statement in POSTGRES:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    schema_editor.execute("DROP TABLE IF EXISTS gongyu_search_fts")


class Migration(migrations.Migration):
    dependencies = [("gongyu_search", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
