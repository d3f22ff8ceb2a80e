# Foreign keys whose own index only cost writes: another index begins with the key
# (tests/core/test_schema.py keeps it so).
# The notices' indexes on the keys most notices leave empty (a bill's or an outage's
# notice has no unit, account, issuer, correction or author) become partial.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from cskh.core.schema import drop_indexes

DROPPED = [  # index, table, column
    ('notifications_notice_account_id_cd0b32f2', 'notifications_notice', 'account_id'),
    ('notifications_notice_corrects_id_ce2c9092', 'notifications_notice', 'corrects_id'),
    ('notifications_notice_created_by_id_53c0b595', 'notifications_notice', 'created_by_id'),
    ('notifications_notice_issuer_unit_id_5d4a2fad', 'notifications_notice', 'issuer_unit_id'),
    ('notifications_notice_unit_id_11c63a4b', 'notifications_notice', 'unit_id'),
    ('notifications_noticecustomer_customer_id_e724bb63', 'notifications_noticecustomer', 'customer_id'),
    ('notifications_noticeread_account_id_267f720a', 'notifications_noticeread', 'account_id'),
    ('notifications_pushpreference_account_id_9bd385a3', 'notifications_pushpreference', 'account_id'),
]


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0004_drop_redundant_indexes'),
        ('notifications', '0002_push'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='notice',
            name='notice_unit_publish',
        ),
        migrations.RemoveIndex(
            model_name='notice',
            name='notice_account_publish',
        ),
        drop_indexes(DROPPED, [
            migrations.AlterField(
                model_name='notice',
                name='account',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='personal_notices', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='notice',
                name='corrects',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrections', to='notifications.notice', verbose_name='corrects'),
            ),
            migrations.AlterField(
                model_name='notice',
                name='created_by',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='notice',
                name='issuer_unit',
                field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='issued_notices', to='customers.unit', verbose_name='issued by unit'),
            ),
            migrations.AlterField(
                model_name='notice',
                name='unit',
                field=models.ForeignKey(blank=True, db_index=False, help_text='For a unit audience: the unit whose customers receive it.', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='customers.unit', verbose_name='unit'),
            ),
            migrations.AlterField(
                model_name='noticecustomer',
                name='customer',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='customers.customer'),
            ),
            migrations.AlterField(
                model_name='noticeread',
                name='account',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notices_read', to=settings.AUTH_USER_MODEL),
            ),
            migrations.AlterField(
                model_name='pushpreference',
                name='account',
                field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='push_preferences', to=settings.AUTH_USER_MODEL),
            ),
        ]),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('unit__isnull', False)), fields=['unit', 'publish_at'], name='notice_unit_publish'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('account__isnull', False)), fields=['account', 'publish_at'], name='notice_account_publish'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('issuer_unit__isnull', False)), fields=['issuer_unit'], name='notice_issuer_unit'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('corrects__isnull', False)), fields=['corrects'], name='notice_corrects'),
        ),
        migrations.AddIndex(
            model_name='notice',
            index=models.Index(condition=models.Q(('created_by__isnull', False)), fields=['created_by'], name='notice_created_by'),
        ),
    ]
