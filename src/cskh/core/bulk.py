"""Inserting many rows of one model at once, for the paths that write hundreds of
thousands of rows (a bill run's invoices, their lines and notices).

`insert` takes plain tuples in the order of the columns it is given (attribute names:
`customer_id`, not `customer`); the model's other fields get what `bulk_create` would
give them: their default, and the current time for `auto_now` / `auto_now_add`. No
`save()`, no signals. On PostgreSQL the ids are taken from the table's sequence in one
statement and the rows sent by binary COPY (no model instance, no SQL text per row);
on other databases (SQLite) it is `bulk_create`. `new_ids` takes ids ahead, for rows
that other rows point at before they are written.
"""

from collections.abc import Iterable, Sequence

from django.db import connection, transaction
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


def new_ids(model, count: int) -> list[int]:
    """`count` new primary keys of `model`, increasing, for rows written later in the
    same transaction with the key as one of their columns (`insert(model, ("id", …),
    …, ids=False)`). PostgreSQL takes them from the table's sequence, so no other
    transaction gets them; on SQLite they follow the largest key ever given, and the
    transaction (begun IMMEDIATE, settings.py) holds the database's write lock."""
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(%s, %s)::regclass AS seq)"
                " SELECT nextval(s.seq) FROM s CROSS JOIN generate_series(1, %s)",
                [table, pk, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if not connection.in_atomic_block:
            raise transaction.TransactionManagementError("new_ids needs a transaction")
        quoted = connection.ops.quote_name
        cursor.execute(
            "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"  # noqa: S608 - the model's table
            f" coalesce((SELECT max({quoted(pk)}) FROM {quoted(table)}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))


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
    keys = new_ids(model, len(rows)) if ids else []
    if ids:
        fields.insert(0, meta.pk)
    with connection.cursor() as cursor:
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
