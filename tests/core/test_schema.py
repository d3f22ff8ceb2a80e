"""The schema as the migrations leave it: every index pays for itself on every write."""

import pytest
from django.apps import apps
from django.db import connection


def indexes(table: str) -> list[tuple[str, tuple[str, ...], bool, bool]]:
    """(name, key columns, unique, partial) of each index of `table` (INCLUDEd columns
    are not part of the key: they order nothing)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT c.relname, array_agg(a.attname ORDER BY k.n), i.indisunique,
                       i.indpred IS NOT NULL
                FROM pg_index i
                JOIN pg_class c ON c.oid = i.indexrelid
                CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY k(attnum, n)
                JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = %s::regclass AND k.n <= i.indnkeyatts
                GROUP BY c.relname, i.indisunique, i.indpred IS NOT NULL
                """,
                [table],
            )
            return [
                (name, tuple(columns), unique, partial) for name, columns, unique, partial in cursor
            ]
        cursor.execute(f"PRAGMA index_list({table})")
        found = []
        for _, name, unique, _, partial in cursor.fetchall():
            cursor.execute(f"PRAGMA index_info({name})")
            found.append(
                (name, tuple(row[2] for row in cursor.fetchall()), bool(unique), bool(partial))
            )
        return found


@pytest.mark.django_db
def test_no_index_is_the_start_of_another():
    # A foreign key gets an index of its own unless the field says db_index=False: when
    # another index begins with the key, that one serves its lookups and this one only
    # costs writes (docs/performance.md, "Bill run", run 3).
    redundant = []
    for model in apps.get_models():
        if not model.__module__.startswith("cskh.") or model._meta.auto_created:
            continue
        table = model._meta.db_table
        found = indexes(table)
        for name, columns, unique, partial in found:
            if unique or partial:
                continue  # a unique index enforces something; a partial one costs little
            for other, longer, _, other_partial in found:
                if (
                    not other_partial
                    and len(longer) > len(columns)
                    and longer[: len(columns)] == columns
                ):
                    redundant.append(f"{table}.{name} {columns} begins {other} {longer}")
    assert redundant == []
