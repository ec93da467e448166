"""the audit trail is append-only in the database too: UPDATE and DELETE on audit_event refused

The repositories only ever add audit events; these triggers make the database refuse to
change or remove one, whoever asks. One change is allowed: when a case (or a partnership) is
deleted, its foreign key's ON DELETE SET NULL clears `case_id` (`partnership_id`) on its
audit events, which stay. That UPDATE passes only when nothing else in the row changes, the
id is set to NULL (never to another case) and the case it named no longer exists, so
retention (storage/retention.py) keeps deleting closed cases and the audit keeps their
trace (retention's own `retention.delete` event lists the references).

On PostgreSQL, TRUNCATE is refused too. SQLite's trigger cannot look at "case" or
partnership: a later batch migration that rebuilds either renames a table while the trigger
names it, and SQLite refuses the rename. So on SQLite clearing `case_id` or `partnership_id`
(to NULL, nothing else) is allowed whether or not the case still exists; PostgreSQL checks.
And a batch migration that rebuilds audit_event itself on SQLite drops these triggers: it must
create them again.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.id = OLD.id
           AND NEW.at = OLD.at
           AND NEW.action = OLD.action
           AND NEW.outcome = OLD.outcome
           AND NEW.actor IS NOT DISTINCT FROM OLD.actor
           AND NEW.activity_id IS NOT DISTINCT FROM OLD.activity_id
           AND NEW.detail::text = OLD.detail::text
           AND (NEW.case_id IS NOT DISTINCT FROM OLD.case_id
                OR (NEW.case_id IS NULL
                    AND NOT EXISTS (SELECT 1 FROM "case" WHERE id = OLD.case_id)))
           AND (NEW.partnership_id IS NOT DISTINCT FROM OLD.partnership_id
                OR (NEW.partnership_id IS NULL
                    AND NOT EXISTS (SELECT 1 FROM partnership WHERE id = OLD.partnership_id)))
        THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END
$$
"""

_SQLITE_UPDATE = """
CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.at IS OLD.at
    AND NEW.action IS OLD.action
    AND NEW.outcome IS OLD.outcome
    AND NEW.actor IS OLD.actor
    AND NEW.activity_id IS OLD.activity_id
    AND NEW.detail IS OLD.detail
    AND (NEW.case_id IS OLD.case_id OR NEW.case_id IS NULL)
    AND (NEW.partnership_id IS OLD.partnership_id OR NEW.partnership_id IS NULL)
)
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused');
END
"""

_SQLITE_DELETE = """
CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
BEGIN
    SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused');
END
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        op.execute(_SQLITE_UPDATE)
        op.execute(_SQLITE_DELETE)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION IF EXISTS audit_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_event_no_update")
