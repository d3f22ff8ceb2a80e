"""manage.py rebuild_rollups [--unit PE01] [--check] — recompute the monthly rollups of
the meters from their daily readings, or only report the meters whose rollups differ.

Imports keep the rollups current in the transaction that writes the days. This is the
repair for readings written any other way, and the check before trusting them: the
consumption pages and month-end bill runs read them (docs/decisions/0012)."""

import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from cskh.customers.models import Meter, Unit
from cskh.metering import rollups

BATCH = 1000  # meters a transaction
SHOWN = 20  # meter numbers named when rollups differ


class Command(BaseCommand):
    help = "Recompute the monthly rollups from the daily readings, or --check them."

    def add_arguments(self, parser):
        parser.add_argument(
            "--unit",
            help="Only the meters of this unit's customers and of the units under it "
            "(the code, e.g. PE01). Default: every meter.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report the meters whose rollups differ from their days; change nothing.",
        )

    def handle(self, *args, unit, check, **options):
        scope, meters = None, Meter.objects.all()
        if unit:
            scope = Unit.objects.filter(code=unit.upper()).first()
            if scope is None:
                raise CommandError(f"No unit with the code {unit}.")
            meters = meters.filter(customer__unit__path__startswith=scope.path)
        ids = list(meters.order_by("pk").values_list("pk", flat=True))
        started, wrong, rebuilt = time.perf_counter(), set(), 0
        with tqdm(total=len(ids), unit=" meters", disable=None) as bar:
            for first in range(0, len(ids), BATCH):
                batch = ids[first : first + BATCH]
                if check:
                    wrong |= rollups.differing(batch)
                else:
                    rebuilt += rollups.rebuild(batch, scope=scope)
                bar.update(len(batch))
        seconds = time.perf_counter() - started
        if not check:
            self.stdout.write(
                f"{len(ids)} meters: {rebuilt} monthly rollups rebuilt in {seconds:.1f} s."
            )
            return
        if wrong:
            shown = Meter.objects.filter(pk__in=sorted(wrong)[:SHOWN]).order_by("pk")
            numbers = ", ".join(shown.values_list("number", flat=True))
            again = f" --unit {scope.code}" if scope else ""
            raise CommandError(
                f"{len(wrong)} of {len(ids)} meters have rollups that differ from their days "
                f"(first: {numbers}); manage.py rebuild_rollups{again} recomputes them."
            )
        self.stdout.write(f"{len(ids)} meters: the rollups agree with the days ({seconds:.1f} s).")
