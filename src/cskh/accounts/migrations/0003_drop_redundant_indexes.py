# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so). Only the indexes are dropped: altering the
# fields the usual way would drop and re-add (re-validate) the foreign keys.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DROPPED = [  # index, table, column
    ('accounts_consent_user_id_81cd791f', 'accounts_consent', 'user_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_legal_documents'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS {index}', f'CREATE INDEX {index} ON {table} ({column})'
                )
                for index, table, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name='consent',
                    name='user',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='consents', to=settings.AUTH_USER_MODEL),
                ),
            ],
        ),
    ]
