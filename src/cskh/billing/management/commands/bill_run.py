"""manage.py bill_run --unit PE01 --date 2026-10-31 [--draft] — bill the customers of a
unit whose meters are read on that day (docs/invoices.md). Running it again resumes an
unfinished run or bills only what changed."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cskh.billing import billrun
from cskh.customers.models import Unit


class Command(BaseCommand):
    help = "Compute and issue the invoices of a unit's customers read on one day."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="Unit code, e.g. PE01 or EVNHCMC")
        parser.add_argument("--date", required=True, help="Reading day, YYYY-MM-DD")
        parser.add_argument(
            "--draft", action="store_true", help="Leave drafts to check and issue in /staff/"
        )

    def handle(self, *args, unit, draft, **options):
        scope = Unit.objects.filter(code=unit.upper()).first()
        if scope is None:
            raise CommandError(f"No unit with the code {unit}.")
        try:
            day = date.fromisoformat(options["date"])
        except ValueError:
            raise CommandError("--date must be a date as YYYY-MM-DD.") from None
        if day >= timezone.localdate():
            raise CommandError("The reading day must be in the past.")
        started = time.perf_counter()
        total = billrun.route(scope, day).count()
        with tqdm(total=total, unit=" customers", disable=None) as bar:
            summary = billrun.run_bills(
                unit=scope, reading_date=day, now=timezone.now(), draft=draft, progress=bar.update
            )
        run, seconds = summary.run, time.perf_counter() - started
        self.stdout.write(
            f"Bill run {run.pk}: {run.customers} customers, {run.issued} invoices, "
            f"{run.adjusted} adjustments, {run.unchanged} unchanged, {run.skipped} not billed "
            f"({', '.join(f'{n} {reason}' for reason, n in summary.problems.items()) or 'none'})"
            f" in {seconds:.1f} s."
        )
