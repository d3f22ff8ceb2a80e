# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('accounts_consent_user_id_81cd791f', 'accounts_consent', 'user_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_legal_documents'),
    ]

    operations = [
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='consent',
                name='user',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='consents', to=settings.AUTH_USER_MODEL),
            ),
        ]),
    ]
