"""manage.py import_invoices FILE [FILE …] [--unit PE01] [--quiet] — load invoices
exported by the corporations' billing system (CMIS).

CSV (gzip accepted), columns in docs/invoices-import.md. Each file loads in one
transaction: its good invoices are written, its bad ones reported; a file that cannot be
read loads nothing."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cskh.billing import cmis
from cskh.customers import commands
from cskh.metering.csvfile import BadFile

SHOWN_REJECTIONS = 20


def lines_text(lines: tuple[int, ...]) -> str:
    """ "line 4" or "lines 4–7"."""
    return f"line {lines[0]}" if len(lines) == 1 else f"lines {lines[0]}–{lines[-1]}"


class Command(BaseCommand):
    help = "Import invoices issued by the billing system (CMIS) from CSV files (gzip accepted)."

    def add_arguments(self, parser):
        commands.add_files_and_unit(parser, what="customers")
        parser.add_argument(
            "--quiet",
            action="store_true",
            help="Do not notify the customers of the new unpaid invoices.",
        )

    def handle(self, *args, files, unit, quiet, **options):
        scope = commands.files_and_unit(files, unit)
        failed = []
        for path in files:
            started = time.perf_counter()
            try:
                with path.open("rb") as file:
                    result = cmis.import_invoices(
                        file, source=path.name, unit=scope, announce=not quiet, now=timezone.now()
                    )
            except BadFile as exc:
                failed.append(path)
                self.stderr.write(f"{path}: {exc.message} Nothing was imported from this file.")
                continue
            self._summary(path, result, time.perf_counter() - started)
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be imported.")

    def _summary(self, path: Path, result: cmis.Result, seconds: float) -> None:
        self.stdout.write(
            f"{path.name}: {result.invoices} invoices ({result.rows} rows) — {result.new} new, "
            f"{result.unchanged} unchanged, {result.rejected} rejected; "
            f"{result.announced} bill notices ({seconds:.1f} s)"
        )
        for rejection in result.rejections[:SHOWN_REJECTIONS]:
            self.stdout.write(
                f"  {lines_text(rejection.lines)} ({rejection.customer_code} "
                f"{rejection.series} {rejection.number}): {rejection.reason}: {rejection.message}"
            )
        if result.rejected > SHOWN_REJECTIONS:
            self.stdout.write(f"  … {result.rejected - SHOWN_REJECTIONS} more")
