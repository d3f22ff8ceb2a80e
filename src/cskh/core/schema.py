"""Schema operations shared by the apps' migrations."""

from django.db import migrations


def drop_indexes(dropped, altered_fields) -> migrations.SeparateDatabaseAndState:
    """Drop the named indexes (`(index, table, column)`) and record the fields that no
    longer want them (`AlterField`s with `db_index=False`).

    Only the indexes are dropped: altering the fields the usual way would also drop and
    re-add their foreign keys, which re-validates every row of the table under a lock
    (docs/operations.md, "Indexes")."""
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            migrations.RunSQL(
                f"DROP INDEX IF EXISTS {index}", f"CREATE INDEX {index} ON {table} ({column})"
            )
            for index, table, column in dropped
        ],
        state_operations=altered_fields,
    )
