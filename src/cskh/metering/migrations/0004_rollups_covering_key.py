# On PostgreSQL the rollups' primary key carries every column (INCLUDE), so a month or
# year view reads a meter's months from a leaf page or two of the key (an index-only
# scan) instead of a heap page for each month (docs/decisions/0006-meter-data-layout.md).
# An update can no longer be HOT (every column is in the index), so the free space that
# the fillfactor of 70 kept on each page for HOT updates goes.

from django.db import migrations

ALTER = (
    'ALTER TABLE metering_monthlyusage DROP CONSTRAINT metering_monthlyusage_pkey, '
    'ADD PRIMARY KEY (meter_id, month, register){}, {}'
)


def on_postgresql(sql: str):
    def alter(apps, schema_editor):
        if schema_editor.connection.vendor == 'postgresql':
            schema_editor.execute(sql)

    return alter


class Migration(migrations.Migration):

    dependencies = [
        ('metering', '0003_drop_redundant_indexes'),
    ]

    operations = [
        migrations.RunPython(
            on_postgresql(ALTER.format(
                ' INCLUDE (wh, days, estimated_days, first_date, last_date, last_index_wh)',
                'RESET (fillfactor)',
            )),
            on_postgresql(ALTER.format('', 'SET (fillfactor = 70)')),
        ),
    ]
