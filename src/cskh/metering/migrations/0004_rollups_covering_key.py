# On PostgreSQL the rollups' primary key carries every column (INCLUDE), so a month or
# year view reads a meter's months from a leaf page or two of the key (an index-only
# scan) instead of a heap page for each month (docs/decisions/0006-meter-data-layout.md).
# An update can no longer be HOT (every column is in the index), so the free space that
# the fillfactor of 70 kept on each page for HOT updates goes.
#
# The new key is built CONCURRENTLY (the month views and the imports go on meanwhile),
# then swapped for the old one under a lock held for a moment: hence not atomic.

from django.db import migrations

TABLE = 'metering_monthlyusage'
KEY = 'meter_id, month, register'
COLUMNS = 'wh, days, estimated_days, first_date, last_date, last_index_wh'


def swap_key(include: str, storage: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor != 'postgresql':
            return
        schema_editor.execute(f'DROP INDEX IF EXISTS {TABLE}_new_key')  # a failed try's
        schema_editor.execute(
            f'CREATE UNIQUE INDEX CONCURRENTLY {TABLE}_new_key ON {TABLE} ({KEY}){include}'
        )
        schema_editor.execute(
            f'ALTER TABLE {TABLE} DROP CONSTRAINT {TABLE}_pkey, '
            f'ADD CONSTRAINT {TABLE}_pkey PRIMARY KEY USING INDEX {TABLE}_new_key, {storage}'
        )

    return alter


class Migration(migrations.Migration):

    atomic = False

    dependencies = [
        ('metering', '0003_drop_redundant_indexes'),
    ]

    operations = [
        migrations.RunPython(
            swap_key(f' INCLUDE ({COLUMNS})', 'RESET (fillfactor)'),
            swap_key('', 'SET (fillfactor = 70)'),
        ),
    ]
