"""
Row-level security on PostgreSQL (sscp.database; docs/architecture.md, "Partnerships").

1. The role sscp_scoped (no login) is made if missing, and given to the database user
   the migrations run as, so that its connections may switch to it (`SET ROLE`). It
   may read and write every table, as the application does.
2. Policies for that role on the partnership-owned tables: a row is seen only when it
   belongs to a partnership named in the connection's `sscp.partnerships` setting, or
   to a review commissioned jointly with one; an action's records (progress, evidence,
   decisions, extension requests, reminders) when their action is; a membership when
   it is of such a partnership or is the person's own (`sscp.user`); an audit record
   when it names such a partnership, or none (the application filters those further).
   The tables' owner, which the migrations and the service's own work run as, is not
   held by them (no FORCE).

Themes are a partnership's words for its subjects, not case records: they are left
open. With DATABASE_ROW_SECURITY off (a database user that may not make roles), this
does nothing and the selectors' filters are the only line.
"""

from django.conf import settings
from django.db import migrations

ROLE = "sscp_scoped"

FUNCTIONS = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{ROLE}') THEN
        CREATE ROLE {ROLE} NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made meanwhile by another database's migration on the same server
END $$;
GRANT {ROLE} TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO {ROLE};
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {ROLE};
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {ROLE};
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {ROLE};
DO $$ BEGIN
    EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO {ROLE}', current_database());
END $$;

CREATE OR REPLACE FUNCTION sscp_partnerships() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(nullif(current_setting('sscp.partnerships', true), ''), '{{}}')::bigint[]
$$;
CREATE OR REPLACE FUNCTION sscp_user() RETURNS bigint LANGUAGE sql STABLE AS $$
    SELECT nullif(current_setting('sscp.user', true), '')::bigint
$$;
CREATE OR REPLACE FUNCTION sscp_shared_reviews() RETURNS bigint[] LANGUAGE sql STABLE AS $$
    SELECT coalesce(array_agg(review_id), '{{}}') FROM reviews_review_joint_partnerships
    WHERE partnership_id = ANY (sscp_partnerships())
$$;
"""

# The request's partnerships inline, where the planner reads them (a sub-select would be a
# parameter it cannot estimate: actions/migrations/0020 says what that cost); the shared
# reviews in a sub-select (an InitPlan), worked out once a statement, not once a row. The
# casts make ANY take each as the array it is, not as a set of rows.
MINE = "COALESCE(NULLIF(current_setting('sscp.partnerships', true), ''), '{}')::bigint[]"
SHARED = "(SELECT sscp_shared_reviews())::bigint[]"


def _of_review(review_column: str) -> str:
    return f"partnership_id = ANY ({MINE}) OR {review_column} = ANY ({SHARED})"


OF_ACTION = "EXISTS (SELECT 1 FROM actions_action a WHERE a.id = action_id)"
POLICIES = {
    "reviews_review": _of_review("id"),
    "reviews_historicalreview": _of_review("id"),
    "reviews_recommendation": _of_review("review_id"),
    "reviews_historicalrecommendation": _of_review("review_id"),
    "actions_action": _of_review("review_id"),
    "actions_historicalaction": _of_review("review_id"),
    "actions_progressupdate": OF_ACTION,
    "actions_historicalprogressupdate": OF_ACTION,
    "actions_evidence": OF_ACTION,
    "actions_historicalevidence": OF_ACTION,
    "actions_signoffdecision": OF_ACTION,
    "actions_historicalsignoffdecision": OF_ACTION,
    "actions_extensionrequest": OF_ACTION,
    "actions_historicalextensionrequest": OF_ACTION,
    "actions_reminder": OF_ACTION,
    "sscp_membership": f"partnership_id = ANY ({MINE}) OR user_id = (SELECT sscp_user())",
    "sscp_historicalmembership": f"partnership_id = ANY ({MINE}) OR user_id = (SELECT sscp_user())",
}
AUDIT_RECORDS = "audits_auditrecord"


def _enabled(schema_editor) -> bool:
    return schema_editor.connection.vendor == "postgresql" and settings.DATABASE_ROW_SECURITY


def install(apps, schema_editor):
    if not _enabled(schema_editor):
        return
    schema_editor.execute(FUNCTIONS, params=None)
    for table, rule in POLICIES.items():
        schema_editor.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        schema_editor.execute(
            f"CREATE POLICY partnership_scope ON {table} TO {ROLE} USING ({rule}) WITH CHECK ({rule})"
        )
    audit = f"partnership_id IS NULL OR {_of_review('review_id')}"
    schema_editor.execute(f"ALTER TABLE {AUDIT_RECORDS} ENABLE ROW LEVEL SECURITY")
    schema_editor.execute(
        f"CREATE POLICY partnership_scope ON {AUDIT_RECORDS} FOR SELECT TO {ROLE} USING ({audit})"
    )
    schema_editor.execute(
        f"CREATE POLICY sealing ON {AUDIT_RECORDS} FOR INSERT TO {ROLE} WITH CHECK (true)"
    )


def remove(apps, schema_editor):
    if not _enabled(schema_editor):
        return
    for table in [*POLICIES, AUDIT_RECORDS]:
        schema_editor.execute(f"DROP POLICY IF EXISTS partnership_scope ON {table}")
        schema_editor.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    schema_editor.execute(f"DROP POLICY IF EXISTS sealing ON {AUDIT_RECORDS}")


class Migration(migrations.Migration):
    dependencies = [
        ("sscp", "0011_outbox_emails_of_every_kind"),
        ("reviews", "0004_every_review_has_a_partnership"),
        ("actions", "0011_every_action_has_a_partnership"),
        ("audits", "0007_chain_head_for_every_role"),
    ]

    operations = [migrations.RunPython(install, remove)]
