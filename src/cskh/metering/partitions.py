"""The one seam between the databases for the readings table.

On PostgreSQL `metering_reading` is range-partitioned by month (one partition per
calendar month, `metering_reading_pYYYYMM`), keyed by (reading_date, meter_id,
register) so that each day's load appends to the end of its partition's key.
Partitions are created ahead by a daily job and, for the months a file touches, by
the import itself. A second index keeps each meter's days side by side for the
customer's views (`create_meter_index`). On SQLite the same model is a plain table
with the same two keys and this module does nothing else.
"""

from datetime import date

from django.db import connection, transaction

PARENT = "metering_reading"
AHEAD_MONTHS = 3

_CREATE_PARENT = f"""
CREATE TABLE {PARENT} (
    meter_id bigint NOT NULL,
    index_wh bigint NOT NULL,
    wh bigint NOT NULL,
    batch_id bigint NOT NULL,
    reading_date date NOT NULL,
    register varchar(2) NOT NULL,
    quality varchar(1) NOT NULL,
    PRIMARY KEY (reading_date, meter_id, register)
) PARTITION BY RANGE (reading_date)
"""


def partitioned(conn=connection) -> bool:
    return conn.vendor == "postgresql"


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def name_of(month: date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def create_table(schema_editor, model) -> None:
    """Migration hook: the partitioned parent on PostgreSQL, the plain table elsewhere."""
    if partitioned(schema_editor.connection):
        schema_editor.execute(_CREATE_PARENT)
    else:
        schema_editor.create_model(model)


METER_INDEX = "metering_reading_meter_day"


def create_meter_index(schema_editor) -> None:
    """Migration hook: an index on (meter_id, reading_date), so that a customer's days
    are one range of the index per partition instead of one probe of the key per day.
    On PostgreSQL it carries the other columns (INCLUDE) and a view is an index-only
    scan: a meter's month lies on one or two leaf pages, where the rows themselves lie
    on one heap page per day (the heap is in arrival order, a day of every meter after
    another). Made on the parent, so every partition, present and future, has it."""
    covering = " INCLUDE (register, index_wh, wh, quality)"
    schema_editor.execute(
        f"CREATE INDEX {METER_INDEX} ON {PARENT} (meter_id, reading_date)"
        + (covering if partitioned(schema_editor.connection) else "")
    )


def drop_meter_index(schema_editor) -> None:
    schema_editor.execute(f"DROP INDEX {METER_INDEX}")


def ensure(first: date, last: date, conn=connection) -> list[str]:
    """Make sure a partition exists for every month from `first` to `last` (inclusive);
    return the names created. Safe to run concurrently and repeatedly: an advisory
    lock serialises creators and existing partitions are left alone."""
    if not partitioned(conn):
        return []
    month, last = first.replace(day=1), last.replace(day=1)
    wanted = []
    while month <= last:
        wanted.append(month)
        month = add_months(month, 1)
    created = []
    with transaction.atomic(using=conn.alias), conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [PARENT])
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [PARENT],
        )
        existing = {row[0] for row in cursor.fetchall()}
        for month in wanted:
            name = name_of(month)
            if name in existing:
                continue
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {PARENT} "
                f"FOR VALUES FROM ('{month.isoformat()}') TO ('{add_months(month, 1).isoformat()}')"
            )
            created.append(name)
    return created


def ensure_ahead(today: date, conn=connection) -> list[str]:
    """The daily job's part: this month and the next AHEAD_MONTHS."""
    month = today.replace(day=1)
    return ensure(month, add_months(month, AHEAD_MONTHS), conn)
