"""manage.py import_readings FILE [FILE …] — load daily readings sent by the MDMS.

CSV (gzip accepted), columns in docs/meter-data.md. Each file is one batch: its good rows
are loaded, its bad rows reported (`--report` writes every rejected row to a CSV)."""

import csv
import os
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from cskh.customers import commands
from cskh.metering import ingest
from cskh.metering.csvfile import BadFile
from cskh.metering.models import ImportBatch


class _Progress:
    """The file object, advancing a progress bar by the bytes read from it."""

    def __init__(self, file, bar):
        self.file, self.bar = file, bar

    def read(self, size=-1):
        data = self.file.read(size)
        self.bar.update(len(data))
        return data


class Command(BaseCommand):
    help = "Import daily meter readings from CSV files (gzip accepted)."

    def add_arguments(self, parser):
        commands.add_files_and_unit(parser, what="meters")
        parser.add_argument(
            "--report", type=Path, help="Write every rejected row to this CSV file."
        )

    def handle(self, *args, files, unit, report, **options):
        scope = commands.files_and_unit(files, unit)
        batches, failed = [], []
        for path in files:
            started = time.perf_counter()
            try:
                with (
                    path.open("rb") as file,
                    tqdm(
                        total=os.path.getsize(path),
                        unit="B",
                        unit_scale=True,
                        desc=path.name,
                        disable=not self.stdout.isatty(),
                    ) as bar,
                ):
                    result = ingest.import_readings(
                        _Progress(file, bar),
                        source=path.name,
                        channel=ImportBatch.Channel.COMMAND,
                        unit=scope,
                        today=timezone.localdate(),
                        now=timezone.now(),
                    )
            except BadFile as exc:
                failed.append(path)
                self.stderr.write(f"{path}: {exc.message} Nothing was imported from this file.")
                continue
            batches.append(result.batch)
            self._summary(path, result, time.perf_counter() - started)
        if report:
            self._write_report(report, batches)
        if failed:
            raise CommandError(f"{len(failed)} file(s) could not be imported.")

    def _summary(self, path, result, seconds):
        batch = result.batch
        rate = batch.rows_total / seconds if seconds else 0
        self.stdout.write(
            f"{path.name}: batch {batch.pk}: {batch.rows_total} rows — {batch.rows_new} new, "
            f"{batch.rows_unchanged} unchanged, {batch.rows_corrected} corrected, "
            f"{batch.rows_rejected} rejected ({seconds:.1f} s, {rate:,.0f} rows/s)"
        )
        for rejection in result.rejections[:20]:
            self.stdout.write(f"  line {rejection.line}: {rejection.message} [{rejection.content}]")
        if batch.rows_rejected > 20:
            self.stdout.write(f"  … {batch.rows_rejected - 20} more; see --report")

    def _write_report(self, report, batches):
        with report.open("w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["batch", "source", "line", "reason", "message", "row"])
            for batch in batches:
                for rejection in ingest.rejections_of(batch):
                    writer.writerow(
                        [
                            batch.pk,
                            batch.source,
                            rejection.line,
                            rejection.reason,
                            rejection.message,
                            rejection.content,
                        ]
                    )
        self.stdout.write(f"Rejected rows written to {report}")
