"""manage.py ensure_partitions — create the readings partitions of this month and the
next months ahead (PostgreSQL; nothing to do on SQLite). Run daily from cron; imports
also create the months they touch."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from cskh.metering import partitions


class Command(BaseCommand):
    help = "Create the monthly partitions of the readings table ahead of time."

    def handle(self, *args, **options):
        created = partitions.ensure_ahead(timezone.localdate())
        self.stdout.write(", ".join(created) if created else "Nothing to create.")
