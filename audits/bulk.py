"""
Writing many rows at once, for data loaded in bulk (generate_load).

On PostgreSQL rows go in with COPY, several times faster than INSERT for
hundreds of thousands of rows; elsewhere with bulk_create. Neither sends
signals or runs save(): the caller writes what the application would have.
"""

from django.db import DEFAULT_DB_ALIAS, connections, reset_queries

BATCH = 5000


def copy_in(objects: list) -> int:
    """Insert `objects`, all of one model, without setting their primary keys; return how many."""
    if not objects:
        return 0
    model = type(objects[0])
    connection = connections[DEFAULT_DB_ALIAS]  # not the proxy: it is read for every value
    if connection.vendor != "postgresql":
        model._default_manager.bulk_create(objects, batch_size=BATCH)
        reset_queries()  # with DEBUG on, Django keeps the SQL of every insert
        return len(objects)
    fields = [
        f
        for f in model._meta.concrete_fields
        if not f.generated and f is not model._meta.auto_field
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row(
                [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields]
            )
    return len(objects)
