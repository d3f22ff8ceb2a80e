"""Publishing many outages from a CSV file, with a report for every row.

Columns (UTF-8, header row, comma-separated; documented in docs/outages.md):
unit_code, kind (OUTAGE | REDUCTION), capacity_kw, emergency (0/1), start, end
(dd/mm/yyyy HH:MM, Vietnam time), area, line, reason, customer_codes, feeders
(codes and feeders separated by spaces or semicolons).

Each good row is published in its own transaction; a bad row changes nothing and is
reported with its line number. A row already published (same unit, start, end and
area) is reported and skipped, so importing a file twice publishes nothing twice."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cskh.core.errors import InvalidInput
from cskh.customers.models import Unit
from cskh.outages import services
from cskh.outages.models import Outage

COLUMNS = [
    "unit_code",
    "kind",
    "capacity_kw",
    "emergency",
    "start",
    "end",
    "area",
    "line",
    "reason",
    "customer_codes",
    "feeders",
]
TIME_FORMAT = "%d/%m/%Y %H:%M"


@dataclass
class RowReport:
    line: int
    outage: Outage | None = None
    errors: list[str] = field(default_factory=list)
    skipped: bool = False


def _time(text: str) -> datetime:
    return timezone.make_aware(datetime.strptime(text.strip(), TIME_FORMAT))


def _plan(row: dict, units) -> services.Plan:
    errors = []
    unit = units.filter(code=(row.get("unit_code") or "").strip().upper()).first()
    if unit is None:
        errors.append(_("unit_code: not a unit you manage."))
    kind = (row.get("kind") or "OUTAGE").strip().upper()
    if kind not in Outage.Kind.values:
        errors.append(_("kind: write OUTAGE or REDUCTION."))
    capacity = (row.get("capacity_kw") or "").strip()
    if capacity and not capacity.isdigit():
        errors.append(_("capacity_kw: a whole number of kW."))
    emergency = (row.get("emergency") or "0").strip()
    if emergency not in ("0", "1"):
        errors.append(_("emergency: write 1 or 0."))
    times = {}
    for name in ("start", "end"):
        try:
            times[name] = _time(row.get(name) or "")
        except ValueError:
            errors.append(_("%(column)s: write the time as dd/mm/yyyy HH:MM.") % {"column": name})
    for name in ("area", "reason"):
        if not (row.get(name) or "").strip():
            errors.append(_("%(column)s: this column is required.") % {"column": name})
    if errors:
        raise InvalidInput(fields={"_": errors})
    return services.Plan(
        unit=unit,
        kind=kind,
        capacity_kw=int(capacity) if capacity else None,
        emergency=emergency == "1",
        area=row["area"].strip(),
        line=(row.get("line") or "").strip(),
        reason=row["reason"].strip(),
        start_at=times["start"],
        end_at=times["end"],
    )


def _split(text: str | None) -> list[str]:
    return (text or "").replace(";", " ").split()


def import_csv(*, data: bytes, units: QuerySet[Unit], by, now: datetime) -> list[RowReport]:
    """Publish every good row of the file; `units` are the units the importer manages."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(_("The file is not UTF-8 text.")) from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [column for column in COLUMNS if column not in (reader.fieldnames or [])]
    if missing:
        raise InvalidInput(_("The header row lacks: %(columns)s") % {"columns": ", ".join(missing)})
    reports = []
    for row in reader:
        report = RowReport(line=reader.line_num)
        try:
            plan = _plan(row, units)
            if Outage.objects.filter(
                unit=plan.unit, start_at=plan.start_at, end_at=plan.end_at, area=plan.area
            ).exists():
                report.skipped = True
            else:
                customers = services.affected_customers(
                    unit=plan.unit,
                    codes=_split(row.get("customer_codes")),
                    feeders=_split(row.get("feeders")),
                )
                report.outage = services.publish(plan=plan, customers=customers, by=by, now=now)
        except InvalidInput as error:
            report.errors = [m for messages in error.fields.values() for m in messages] or [
                str(error.message)
            ]
        reports.append(report)
    return reports
