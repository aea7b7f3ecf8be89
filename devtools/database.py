"""What the developers' tools need of the database beyond the product's settings."""

from django.db import connection


def without_statement_timeout() -> None:
    """Lift the statement timeout the settings give every connection (a web request must
    not wait for ever on a hung database), for this connection: writing or timing
    hundreds of thousands of rows runs statements longer than any page may."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
