"""
Row-level security: the database's own second line behind the partnership scope
(docs/architecture.md, "Partnerships").

Every list and page is filtered by its scope in the selectors (sscp.scope). On
PostgreSQL the database holds the line as well, even where a query forgets its
filter: the partnership-owned tables have row-level security policies (migration
sscp 0012) for the role SCOPED_ROLE, which may read and write only the rows of the
partnerships named in the connection's `sscp.partnerships` setting.

- A request in a partnership (sscp.permissions.in_partnership) runs its view as that
  role, with the request's partnerships set (`scoped`); the connection is put back
  when the view returns.
- A Celery worker's connections start as that role with no partnership at all
  (`restrict_worker_connections`): a task reads a partnership's records only inside
  `every_partnership(reason)`, the explicit way past the policies, which says so in the
  log. The reminder sweep, deliveries and exports streamed after their view has
  returned use it.

On SQLite there are no policies: the selectors' filters are the line.
"""

import logging
from contextlib import contextmanager

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

logger = logging.getLogger(__name__)

SCOPED_ROLE = "sscp_scoped"


def _enforced() -> bool:
    return connection.vendor == "postgresql" and settings.DATABASE_ROW_SECURITY


# What the connection works as, kept on it: (role, partnership ids, user id). None: its own
# role, reading everything, as it connected.
OWN = None


def _set(scope, on=None) -> None:
    """Make the connection (`on`, or the default one) work as `scope`."""
    on = on or connection
    role, partnership_ids, user_id = scope or ("none", (), None)
    ids = sorted(int(pk) for pk in partnership_ids)
    # The policies ask first whether a row is of the first partnership, a single number
    # read quickly, and only then whether it is of one of the others, a list read again
    # for each row (actions/migrations/0026). With one partnership, the usual case, that
    # list is empty. `sscp.partnerships` names them all, for the joint reviews' function.
    first, others = (str(ids[0]), ids[1:]) if ids else ("", [])
    with on.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('role', %s, false), set_config('sscp.partnerships', %s, false), "
            "set_config('sscp.partnership', %s, false), "
            "set_config('sscp.other_partnerships', %s, false), set_config('sscp.user', %s, false)",
            [role, _array(ids), first, _array(others), str(user_id or "")],
        )
    on.sscp_scope = scope


def _array(ids) -> str:
    return "{" + ",".join(map(str, ids)) + "}"


@contextmanager
def _working_as(scope):
    """Work as `scope` for the block, then as the connection did before."""
    outer = getattr(connection, "sscp_scope", OWN)
    _set(scope)
    try:
        yield
    finally:
        _put_back(outer)


def _put_back(scope) -> None:
    """Back to what the connection worked as before. A connection that broke meanwhile is
    closed by Django at the end of the request: nothing to do."""
    try:
        _set(scope)
    except DatabaseError:
        logger.warning("Could not put the database connection back to its role", exc_info=True)


@contextmanager
def scoped(partnership_ids, *, user_id: int | None = None):
    """Work as SCOPED_ROLE, reading only the rows of these partnerships, for the block."""
    if not _enforced():
        yield
        return
    with _working_as((SCOPED_ROLE, tuple(partnership_ids), user_id)):
        yield


def reaches(partnership_id: int) -> bool:
    """Whether the connection, as it works now, reads and writes that partnership's rows."""
    scope = getattr(connection, "sscp_scope", OWN)
    return not _enforced() or scope is OWN or scope[0] != SCOPED_ROLE or partnership_id in scope[1]


@contextmanager
def every_partnership(reason: str):
    """Read and write every partnership's records for the block, past the row-level
    policies: for work that is the service's own (the reminder sweep, a delivery, the
    owners of a returned action). It is logged, with its reason; afterwards the connection
    works as it did before (a request's partnerships, a worker's none)."""
    if not _enforced():
        yield
        return
    logger.info("Past the partnerships' row-level security: %s", reason)
    with _working_as(OWN):
        yield


def without_statement_timeout(using: str = DEFAULT_DB_ALIAS) -> None:
    """Lift, for this connection, the statement timeout the settings give every connection
    so that a page never waits for ever on a hung database (DATABASE_STATEMENT_TIMEOUT):
    the operator's and the developers' own commands (`migrate`, `generate_load`,
    `benchmark`) write or read hundreds of thousands of rows in one statement."""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


def migrating(sender, using, **kwargs) -> None:
    """pre_migrate receiver: a migration that fills a column of every row may run for
    minutes at national scale, longer than any page may: `migrate` runs without the
    statement timeout."""
    without_statement_timeout(using)


def migrated(sender, using, **kwargs) -> None:
    """post_migrate receiver: the connection's statement timeout back as it connected."""
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cursor:
            cursor.execute("RESET statement_timeout")


def restrict_new_connection(sender, connection, **kwargs) -> None:
    """connection_created receiver: a worker's connection starts reading no partnership."""
    if connection.vendor == "postgresql" and settings.DATABASE_ROW_SECURITY:
        _set((SCOPED_ROLE, (), None), on=connection)


def restrict_worker_connections() -> None:
    """Make every database connection of this process start restricted (a Celery worker)."""
    from django.db.backends.signals import connection_created

    connection_created.connect(restrict_new_connection, dispatch_uid="sscp-restrict-worker")
