"""Database-level guard: a topic never holds more active (not withdrawn) claims than max_claims.

CHECK constraints cannot count rows, so each supported vendor gets triggers. On PostgreSQL the
trigger locks the topic row first, so concurrent claims on one topic are counted one at a time.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER topics_claim_limit_insert BEFORE INSERT ON topics_topicclaim
    WHEN NEW.status <> 'withdrawn' AND (
        SELECT COUNT(*) FROM topics_topicclaim WHERE topic_id = NEW.topic_id AND status <> 'withdrawn'
    ) >= (SELECT max_claims FROM topics_researchtopic WHERE id = NEW.topic_id)
    BEGIN SELECT RAISE(ABORT, 'topic_claim_limit'); END;
    """,
    """
    CREATE TRIGGER topics_claim_limit_update BEFORE UPDATE OF status, topic_id ON topics_topicclaim
    WHEN NEW.status <> 'withdrawn' AND (
        SELECT COUNT(*) FROM topics_topicclaim
        WHERE topic_id = NEW.topic_id AND status <> 'withdrawn' AND id <> NEW.id
    ) >= (SELECT max_claims FROM topics_researchtopic WHERE id = NEW.topic_id)
    BEGIN SELECT RAISE(ABORT, 'topic_claim_limit'); END;
    """,
    """
    CREATE TRIGGER topics_topic_max_claims_update BEFORE UPDATE OF max_claims ON topics_researchtopic
    WHEN (
        SELECT COUNT(*) FROM topics_topicclaim WHERE topic_id = NEW.id AND status <> 'withdrawn'
    ) > NEW.max_claims
    BEGIN SELECT RAISE(ABORT, 'topic_claim_limit'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS topics_claim_limit_insert;",
    "DROP TRIGGER IF EXISTS topics_claim_limit_update;",
    "DROP TRIGGER IF EXISTS topics_topic_max_claims_update;",
]

POSTGRES_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION topics_enforce_claim_limit() RETURNS trigger AS $$
    DECLARE
        claim_limit integer;
        active_claims integer;
    BEGIN
        IF NEW.status = 'withdrawn' THEN
            RETURN NEW;
        END IF;
        SELECT max_claims INTO claim_limit FROM topics_researchtopic WHERE id = NEW.topic_id FOR UPDATE;
        SELECT COUNT(*) INTO active_claims FROM topics_topicclaim
            WHERE topic_id = NEW.topic_id AND status <> 'withdrawn' AND id IS DISTINCT FROM NEW.id;
        IF active_claims >= claim_limit THEN
            RAISE EXCEPTION 'topic_claim_limit' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER topics_claim_limit BEFORE INSERT OR UPDATE OF status, topic_id ON topics_topicclaim
    FOR EACH ROW EXECUTE FUNCTION topics_enforce_claim_limit();
    """,
    """
    CREATE OR REPLACE FUNCTION topics_enforce_max_claims() RETURNS trigger AS $$
    BEGIN
        IF (SELECT COUNT(*) FROM topics_topicclaim WHERE topic_id = NEW.id AND status <> 'withdrawn') > NEW.max_claims THEN
            RAISE EXCEPTION 'topic_claim_limit' USING ERRCODE = '23514';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER topics_topic_max_claims BEFORE UPDATE OF max_claims ON topics_researchtopic
    FOR EACH ROW EXECUTE FUNCTION topics_enforce_max_claims();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS topics_claim_limit ON topics_topicclaim;",
    "DROP TRIGGER IF EXISTS topics_topic_max_claims ON topics_researchtopic;",
    "DROP FUNCTION IF EXISTS topics_enforce_claim_limit();",
    "DROP FUNCTION IF EXISTS topics_enforce_max_claims();",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARD, SQLITE_BACKWARD),
    "postgresql": (POSTGRES_FORWARD, POSTGRES_BACKWARD),
}


def run(direction):
    def apply(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        if vendor not in STATEMENTS:
            raise RuntimeError(f"Gongyu supports SQLite and PostgreSQL, not {vendor}.")
        for statement in STATEMENTS[vendor][direction]:
            schema_editor.execute(statement)

    return apply


class Migration(migrations.Migration):
    dependencies = [("topics", "0001_initial")]
    operations = [migrations.RunPython(run(0), run(1))]
