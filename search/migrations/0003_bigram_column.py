"""A second full-text column of character bigrams (``search.analysis.index_grams``): the recall
floor that needs no word list. The SQLite FTS5 table is recreated with it (the index is emptied:
run ``manage.py search_index rebuild``); PostgreSQL gets a second tsvector with a GIN index."""

from django.db import migrations

SQLITE = [
    "DROP TABLE IF EXISTS gongyu_search_fts",
    """CREATE VIRTUAL TABLE gongyu_search_fts USING fts5(
        title, problem, summary, shelf, body, grams, tokenize = 'unicode61 remove_diacritics 0'
    )""",
    "DELETE FROM gongyu_search_indexfacet",
    "DELETE FROM gongyu_search_indexentry",
]
POSTGRES = [
    "ALTER TABLE gongyu_search_fts ADD COLUMN IF NOT EXISTS grams tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX IF NOT EXISTS gongyu_search_fts_grams ON gongyu_search_fts USING gin (grams)",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in SQLITE if vendor == "sqlite" else POSTGRES if vendor == "postgresql" else []:
        schema_editor.execute(statement)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS gongyu_search_fts")
        schema_editor.execute("""CREATE VIRTUAL TABLE gongyu_search_fts USING fts5(
            title, problem, summary, shelf, body, tokenize = 'unicode61 remove_diacritics 0')""")
        schema_editor.execute("DELETE FROM gongyu_search_indexfacet")
        schema_editor.execute("DELETE FROM gongyu_search_indexentry")
    elif vendor == "postgresql":
        schema_editor.execute("ALTER TABLE gongyu_search_fts DROP COLUMN IF EXISTS grams")


class Migration(migrations.Migration):
    dependencies = [("gongyu_search", "0002_fulltext_table")]
    operations = [migrations.RunPython(forward, backward)]
