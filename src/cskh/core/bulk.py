"""Inserting many rows of one model at once, for the paths that write hundreds of
thousands of rows (a bill run's invoices, their lines and notices).

`insert` takes plain tuples in the order of the columns it is given (attribute names:
`customer_id`, not `customer`); the model's other fields get what `bulk_create` would
give them: their default, and the current time for `auto_now` / `auto_now_add`. No
`save()`, no signals. On PostgreSQL the ids are taken from the table's sequence in one
statement and the rows sent by binary COPY (no model instance, no SQL text per row);
on other databases (SQLite) it is `bulk_create`.
"""

from collections.abc import Iterable, Sequence

from django.db import connection
from django.utils import timezone


def insert(model, columns: Sequence[str], rows: Iterable[tuple], *, ids: bool = True) -> list[int]:
    """Insert `rows` into `model`'s table; their new primary keys in the rows' order.
    With `ids=False` the database numbers them as it inserts, none is returned, and
    `rows` may be a generator: on PostgreSQL the rows are then made while the first
    ones are being written."""
    if ids:
        rows = list(rows)
    if isinstance(rows, list) and not rows:
        return []
    if connection.vendor == "postgresql":
        return _copy(model, columns, rows, ids=ids)
    created = model.objects.bulk_create(
        model(**dict(zip(columns, row, strict=True))) for row in rows
    )
    return [instance.pk for instance in created] if ids else []


def _others(model, columns: Sequence[str]) -> list[tuple]:
    """(field, value) of the fields not given that the database cannot leave NULL: the
    default, or now for `auto_now(_add)`; fields with a database default are left to it."""
    given = {model._meta.get_field(name).attname for name in columns}
    now = timezone.now()
    others = []
    for field in model._meta.concrete_fields:
        if field.primary_key or field.attname in given or field.has_db_default():
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            others.append((field, now))
            continue
        value = field.get_default()
        if value is not None:
            others.append((field, value))
    return others


def _type(field) -> str:
    """The PostgreSQL type name of a column, without its modifiers: varchar(200) → varchar."""
    return field.db_type(connection).split("(")[0].strip()


def _copy(model, columns: Sequence[str], rows: Iterable[tuple], *, ids: bool) -> list[int]:
    meta = model._meta
    fields = [meta.get_field(name) for name in columns]
    others = _others(model, columns)
    fields += [field for field, _value in others]
    tail = tuple(value for _field, value in others)
    keys: list[int] = []
    with connection.cursor() as cursor:
        if ids:  # the sequence's next len(rows) values, in one statement
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
                " SELECT nextval(s.seq) FROM s CROSS JOIN generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            keys = sorted(row[0] for row in cursor.fetchall())
            fields.insert(0, meta.pk)
        names = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types([_type(field) for field in fields])
            write = copy.write_row
            if ids:
                for pk, row in zip(keys, rows, strict=True):
                    write((pk, *row, *tail))
            elif tail:
                for row in rows:
                    write((*row, *tail))
            else:
                for row in rows:
                    write(row)
    return keys
