"""Loading daily readings from the power corporations' MDMS: one service behind the
`import_readings` command and `POST /api/v1/ingest/readings`.

The file goes into a staging table (COPY on PostgreSQL, batched inserts on SQLite) and
everything after that is set-based SQL shared by both databases, with the few
expressions that differ in `_Dialect`:

1. `ingest_rows`: each line parsed and checked on its own, and matched to the meter
   (installed at that customer code on that day, within the sender's unit).
2. Duplicate lines of the same meter, day and register: the first one counts.
3. `ingest_merge`: each remaining row with the stored reading of the same day (to tell
   new, unchanged and corrected rows apart) and its previous reading — the batch's own
   earlier day, the stored day before, or the month rollup's last reading.
4. `ingest_final`: the day's energy from the index advance × the multiplier in force
   (with rollover of the register), checked against the kWh sent and against what a
   meter can physically advance in a day.
5. One transaction writes new readings, replaces corrected ones (recording each
   correction), adds the differences to the monthly rollups and stores the report.
   A re-sent file finds every row unchanged and writes nothing but its report.

Imports that could touch the same meters are serialised, since validation reads the
stored readings that the merge then changes: on PostgreSQL an advisory lock per scope
(a power corporation, whose files only ever load its own meters) lets the five
corporations load side by side, while an EVN-wide import runs alone; SQLite has one
writer anyway. A customer's data version (queries.caller) is the newest batch
that could touch it (sent by its unit or a unit above it), so it stays ordered with the
commits.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import BinaryIO

import psycopg
from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext_lazy as _

from cskh.customers.models import Unit
from cskh.metering import csvfile, partitions
from cskh.metering.csvfile import BadFile, ReadingsFile
from cskh.metering.models import ImportBatch, Reading

REASONS = {
    "missing_value": _("A required value is empty."),
    "bad_date": _("The reading date is not a date written YYYY-MM-DD."),
    "future_date": _("The reading date is today or later: the day has not ended yet."),
    "bad_register": _("The register is not one of KT, BT, CD, TD."),
    "bad_number": _(
        "The index or the kWh is not a number written with a dot and at most three decimals."
    ),
    "bad_quality": _("The quality is not one of actual, estimated, corrected."),
    "unknown_meter": _("No meter with this number is installed at this customer code on that day."),
    "other_unit": _("This meter belongs to a unit outside the sender's."),
    "wrong_register": _(
        "The meter has no such register: single-rate meters have KT, "
        "time-of-use meters BT, CD and TD."
    ),
    "duplicate": _("The same meter, day and register appear on an earlier line of this batch."),
    "backwards": _(
        "The index is lower than the previous reading and is not a rollover of the register."
    ),
    "kwh_mismatch": _("The kWh differs from the index advance times the multiplier."),
    "absurd": _(
        "The value is impossible for this meter: negative, beyond the register, "
        "or more than a meter can advance in that time."
    ),
}

STAGING_COLUMNS = csvfile.COLUMNS
TEMP_TABLES = (
    "ingest_staging",
    "ingest_parsed",
    "ingest_rows",
    "ingest_dups",
    "ingest_merge",
    "ingest_final",
)
REPORT_LIMIT = 1000
SQLITE_BATCH_ROWS = 5000


@dataclass(frozen=True)
class Rejection:
    line: int
    reason: str
    content: str

    @property
    def message(self) -> str:
        return str(REASONS[self.reason])


@dataclass(frozen=True)
class Result:
    batch: ImportBatch
    rejections: list[Rejection]  # the first REPORT_LIMIT, by line


def import_readings(
    stream: BinaryIO,
    *,
    source: str,
    channel: str,
    unit: Unit | None,
    today: date,
    now: datetime,
) -> Result:
    """Load one file of readings; return the batch with its counts and first rejections.

    Raises BadFile (nothing written) when the file as a whole cannot be read."""
    dialect = _Dialect.of(connection)
    readings = ReadingsFile(stream)
    with connection.cursor() as cursor:
        try:
            _drop_temp_tables(cursor)
            with transaction.atomic():  # a refused file leaves the connection usable
                dialect.room(cursor)
                dialect.load_staging(cursor, readings)
                _parse(cursor, dialect, unit=unit, today=today)
            cursor.execute("SELECT min(d), max(d) FROM ingest_rows WHERE error IS NULL")
            first, last = map(_as_date, cursor.fetchone())
            if first is not None:
                partitions.ensure(max(first, date(2000, 1, 1)), min(last, today))
            with transaction.atomic():
                lock_imports(unit)
                dialect.room(cursor)
                batch = ImportBatch.objects.create(
                    channel=channel,
                    source=source[:200],
                    unit=unit,
                    received_at=now,
                )
                single_day = first if first == last else None
                _classify(cursor, dialect, single_day=single_day)
                _write(cursor, dialect, batch, single_day=single_day)
                rejections = rejections_page(batch)
        finally:
            _drop_temp_tables(cursor)
    return Result(batch=batch, rejections=rejections)


def lock_imports(unit: Unit | None) -> None:
    """Hold off, until the transaction ends, the imports that could write the readings
    of `unit`'s meters (None: every import), as an import holds off the others."""
    with connection.cursor() as cursor:
        _Dialect.of(connection).lock(cursor, lock_scope(unit))


def lock_scope(unit: Unit | None) -> str:
    """What an import by `unit` locks: the path of its power corporation, or "" (all)
    for EVN itself or an operator's EVN-wide import."""
    corporation = unit.corporation if unit else None
    return corporation.path if corporation else ""


def _drop_temp_tables(cursor) -> None:
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


class _Dialect:
    """The expressions and bulk paths that differ between PostgreSQL and SQLite."""

    DECIMAL = r"^-?[0-9]{1,12}(\.[0-9]{1,3})?$"

    @staticmethod
    def of(conn) -> "_Dialect":
        return _Postgres() if conn.vendor == "postgresql" else _SQLite()

    def lock(self, cursor, scope: str) -> None:
        """Serialise the imports of one scope, and EVN-wide ones with all (see the
        module docstring)."""

    def room(self, cursor) -> None:
        """Memory for this transaction's hashes and sorts of a whole file."""

    def analyze(self, cursor, table: str, *columns: str) -> None:
        """Give the planner the temp table's statistics (autovacuum never sees them)."""


class _Postgres(_Dialect):
    FENCE = "OFFSET 0"

    def lock(self, cursor, scope: str) -> None:
        if not scope:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('metering_ingest'))")
            return
        cursor.execute("SELECT pg_advisory_xact_lock_shared(hashtext('metering_ingest'))")
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('metering_ingest' || %s))", [scope])

    def room(self, cursor) -> None:
        cursor.execute("SET LOCAL work_mem = '256MB'")

    def load_staging(self, cursor, readings: ReadingsFile) -> None:
        cursor.execute(
            "CREATE TEMP TABLE ingest_staging (line bigint GENERATED ALWAYS AS IDENTITY "
            "(START WITH 2), " + ", ".join(f"{name} text" for name in STAGING_COLUMNS) + ")"
        )
        columns = ", ".join(readings.columns)
        try:
            with cursor.cursor.copy(
                f"COPY ingest_staging ({columns}) FROM STDIN (FORMAT csv)"
            ) as copy:
                for chunk in readings.chunks():
                    copy.write(chunk)
        except psycopg.errors.DataError as exc:
            raise BadFile(_copy_problem(exc), line=_copy_line(exc)) from exc

    def analyze(self, cursor, table: str, *columns: str) -> None:
        # The columns joins, filters and groups use: sampling every column costs more.
        cursor.execute(f"ANALYZE {table} ({', '.join(columns)})")

    def is_decimal(self, text: str) -> str:
        # The same rule as DECIMAL, in a form PostgreSQL matches twice as fast: the
        # bounded repeat of the integer digits is a length check instead.
        return (
            f"({text} ~ '^-?[0-9]+(\\.[0-9]{{1,3}})?$' "
            f"AND length(split_part({text}, '.', 1)) <= 12 + (left({text}, 1) = '-')::int)"
        )

    def is_date(self, text: str) -> str:
        # The pattern first, so that no cast sees a malformed date; days 29–31 must
        # survive a round trip through the first of their month.
        return (
            f"(CASE WHEN {text} !~ '^[0-9]{{4}}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' "
            f"THEN false WHEN substr({text}, 9, 2) <= '28' THEN true "
            f"ELSE to_char((substr({text}, 1, 8) || '01')::date "
            f"+ (substr({text}, 9, 2)::int - 1), 'YYYY-MM-DD') = {text} END)"
        )

    def to_date(self, text: str) -> str:
        return f"{text}::date"

    def date_literal(self, day: date) -> str:
        return f"DATE '{day.isoformat()}'"

    def to_wh(self, text: str) -> str:
        return f"({text}::numeric * 1000)::bigint"

    def day_before(self, day: str) -> str:
        return f"({day} - 1)"

    def days_between(self, first: str, last: str) -> str:
        return f"({last} - {first})"

    def month_of(self, day: str) -> str:
        return f"date_trunc('month', {day})::date"

    def least(self, first: str, second: str) -> str:
        return f"least({first}, {second})"

    def greatest(self, first: str, second: str) -> str:
        return f"greatest({first}, {second})"


class _SQLite(_Dialect):
    FENCE = "LIMIT -1 OFFSET 0"

    def is_decimal(self, text: str) -> str:
        return f"({text} REGEXP '{self.DECIMAL}')"  # Django gives SQLite a REGEXP

    def load_staging(self, cursor, readings: ReadingsFile) -> None:
        cursor.execute(
            "CREATE TEMP TABLE ingest_staging (line integer, "
            + ", ".join(f"{name} text" for name in STAGING_COLUMNS)
            + ")"
        )
        positions = [
            readings.columns.index(name) for name in STAGING_COLUMNS if name in readings.columns
        ]
        names = [name for name in STAGING_COLUMNS if name in readings.columns]
        sql = (
            f"INSERT INTO ingest_staging (line, {', '.join(names)}) "
            f"VALUES (%s{', %s' * len(names)})"
        )
        batch = []
        for line, fields in readings.rows():
            batch.append([line, *(fields[position] for position in positions)])
            if len(batch) == SQLITE_BATCH_ROWS:
                cursor.executemany(sql, batch)
                batch = []
        cursor.executemany(sql, batch)

    def is_date(self, text: str) -> str:
        # date() alone keeps 2026-02-30; a modifier makes it normalise it (to 03-02).
        return (
            f"({text} GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]' "
            f"AND date({text}, '+0 days') IS {text})"
        )

    def to_date(self, text: str) -> str:
        return text

    def date_literal(self, day: date) -> str:
        return f"'{day.isoformat()}'"  # dates are ISO text in SQLite

    def to_wh(self, text: str) -> str:
        return f"CAST(round(CAST({text} AS REAL) * 1000) AS INTEGER)"

    def day_before(self, day: str) -> str:
        return f"date({day}, '-1 day')"

    def days_between(self, first: str, last: str) -> str:
        return f"CAST(julianday({last}) - julianday({first}) AS INTEGER)"

    def month_of(self, day: str) -> str:
        return f"date({day}, 'start of month')"

    def least(self, first: str, second: str) -> str:
        return f"min({first}, {second})"

    def greatest(self, first: str, second: str) -> str:
        return f"max({first}, {second})"


def _as_date(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _copy_line(exc) -> int | None:
    """The file line of a COPY error ("COPY ingest_staging, line 5: …" counts data lines)."""
    match = re.search(r"line (\d+)", exc.diag.context or "")
    return int(match.group(1)) + 1 if match else None


def _copy_problem(exc) -> str:
    primary = exc.diag.message_primary or ""
    if "extra data" in primary or "missing data" in primary:
        return str(_("the number of columns differs from the header."))
    if "quote" in primary:
        return str(_("the line is not valid CSV."))
    return str(_("the file is not UTF-8 text."))


def _parse(cursor, d: _Dialect, *, unit: Unit | None, today: date) -> None:
    """Step 1: ingest_rows, each line parsed (every expression once: the fence keeps the
    planner from copying them into the outer query), checked on its own and matched to
    its meter."""
    scope = unit.path if unit else "/"
    filled = "COALESCE({}, '') <> ''".format
    cursor.execute(
        f"""
        CREATE TEMP TABLE ingest_rows AS
        SELECT p.line, p.register, p.d, p.index_wh, p.given_wh, p.q,
               m.id AS meter_id, m.digits, m.installed_date,
               COALESCE(mp.multiplier, m.multiplier) AS multiplier,
               CASE
                   WHEN p.incomplete THEN 'missing_value'
                   WHEN p.d IS NULL THEN 'bad_date'
                   WHEN p.register NOT IN ('KT', 'BT', 'CD', 'TD') THEN 'bad_register'
                   WHEN p.index_wh IS NULL OR (p.kwh_sent AND p.given_wh IS NULL)
                        THEN 'bad_number'
                   WHEN p.q IS NULL THEN 'bad_quality'
                   WHEN p.d >= %s THEN 'future_date'
                   WHEN m.id IS NULL THEN 'unknown_meter'
                   WHEN substr(u.path, 1, length(%s)) <> %s THEN 'other_unit'
                   WHEN (m.registers = 'KT') <> (p.register = 'KT') THEN 'wrong_register'
                   WHEN p.index_wh < 0 OR p.index_wh >= power(10, m.digits) * 1000
                        OR p.given_wh < 0 THEN 'absurd'
               END AS error
        FROM (
            SELECT s.line, s.customer_code, s.meter_no, s.register,
                   NOT ({filled("s.customer_code")} AND {filled("s.meter_no")}
                        AND {filled("s.reading_date")} AND {filled("s.register")}
                        AND {filled("s.index_kwh")}) AS incomplete,
                   day.d,
                   CASE WHEN {d.is_decimal("s.index_kwh")}
                        THEN {d.to_wh("s.index_kwh")} END AS index_wh,
                   {filled("s.kwh")} AS kwh_sent,
                   CASE WHEN {d.is_decimal("s.kwh")} THEN {d.to_wh("s.kwh")} END AS given_wh,
                   CASE lower(COALESCE(s.quality, ''))
                        WHEN '' THEN 'A' WHEN 'actual' THEN 'A'
                        WHEN 'estimated' THEN 'E' WHEN 'corrected' THEN 'C' END AS q
            FROM ingest_staging s
            LEFT JOIN (  -- a file has few distinct dates: each is checked once
                SELECT t, CASE WHEN {d.is_date("t")} THEN {d.to_date("t")} END AS d
                FROM (SELECT DISTINCT reading_date AS t FROM ingest_staging) x
            ) day ON day.t = s.reading_date
            {d.FENCE}
        ) p
        -- the customer by its code, then its meter: both can be index lookups, so a
        -- file need not hash every meter of the country (docs/performance.md, run 10)
        LEFT JOIN customers_customer c ON c.code = p.customer_code
        LEFT JOIN customers_meter m ON m.customer_id = c.id AND m.number = p.meter_no
           AND m.installed_date <= p.d AND (m.removed_date IS NULL OR p.d <= m.removed_date)
        LEFT JOIN customers_unit u ON u.id = c.unit_id
        LEFT JOIN metering_multiplierperiod mp ON mp.meter_id = m.id
           AND mp.valid_from <= p.d AND (mp.valid_until IS NULL OR p.d < mp.valid_until)
        """,
        [today, scope, scope],
    )
    d.analyze(cursor, "ingest_rows", "line", "meter_id", "d", "register", "error")


def _classify(cursor, d: _Dialect, *, single_day: date | None) -> None:
    """Steps 2–4 of the module docstring: duplicates, ingest_merge, ingest_final."""
    cursor.execute(
        """
        CREATE TEMP TABLE ingest_dups AS
        SELECT meter_id, d, register, min(line) AS first_line FROM ingest_rows
        WHERE error IS NULL GROUP BY meter_id, d, register HAVING count(*) > 1
        """
    )
    cursor.execute(
        """
        UPDATE ingest_rows SET error = 'duplicate' FROM ingest_dups x
        WHERE ingest_rows.meter_id = x.meter_id AND ingest_rows.d = x.d
          AND ingest_rows.register = x.register AND ingest_rows.line > x.first_line
        """
    )
    batch_previous = (
        """
        LEFT JOIN (
            SELECT line, lag(d) OVER w AS d, lag(index_wh) OVER w AS index_wh,
                   lag(line) OVER w AS line_before
            FROM ingest_rows WHERE error IS NULL
            WINDOW w AS (PARTITION BY meter_id, register ORDER BY d)
        ) b ON b.line = r.line
        """
        if single_day is None
        else "LEFT JOIN (SELECT CAST(NULL AS date) AS d, CAST(NULL AS bigint) AS index_wh, "
        "CAST(NULL AS bigint) AS line_before) b ON 1 = 0"
    )
    # A file of one day (the MDMS's daily file) names its day as a constant, so that
    # PostgreSQL plans against that month's partition and rollup rows only.
    day = "r.d" if single_day is None else d.date_literal(single_day)
    yesterday = d.day_before(day)
    # The previous reading (`source`): the batch's own day before (B), else the stored
    # day before (P), else the later of the batch's earlier day (B) and the month's last
    # stored reading (M). `stored_yesterday` stays for when a batch row it used is rejected.
    cursor.execute(
        f"""
        CREATE TEMP TABLE ingest_merge AS
        SELECT x.line, x.meter_id, x.d, x.register, x.index_wh, x.given_wh, x.q,
               x.multiplier, x.digits, x.installed_date, x.month, x.old_index_wh, x.old_wh,
               x.old_q, x.old_batch, x.stored_yesterday, x.month_first, x.month_last,
               CASE x.source WHEN 'B' THEN x.b_d WHEN 'P' THEN {d.day_before("x.d")}
                             WHEN 'M' THEN x.month_last END AS prev_d,
               CASE x.source WHEN 'B' THEN x.b_index WHEN 'P' THEN x.stored_yesterday
                             WHEN 'M' THEN x.month_last_index END AS prev_index,
               CASE x.source WHEN 'B' THEN x.b_line END AS prev_line
        FROM (
            SELECT r.line, r.meter_id, r.d, r.register, r.index_wh, r.given_wh, r.q,
                   r.multiplier, r.digits, r.installed_date, {d.month_of("r.d")} AS month,
                   e.index_wh AS old_index_wh, e.wh AS old_wh, e.quality AS old_q,
                   e.batch_id AS old_batch, p.index_wh AS stored_yesterday,
                   b.d AS b_d, b.index_wh AS b_index, b.line_before AS b_line,
                   mu.first_date AS month_first, mu.last_date AS month_last,
                   mu.last_index_wh AS month_last_index,
                   CASE WHEN b.d = {yesterday} THEN 'B'
                        WHEN p.index_wh IS NOT NULL THEN 'P'
                        WHEN b.d IS NOT NULL AND (mu.last_date IS NULL OR mu.last_date >= r.d
                                                  OR b.d >= mu.last_date) THEN 'B'
                        WHEN mu.last_date < r.d THEN 'M' END AS source
            FROM ingest_rows r
            {batch_previous}
            LEFT JOIN metering_reading e
                   ON e.reading_date = {day} AND e.meter_id = r.meter_id
                  AND e.register = r.register
            LEFT JOIN metering_reading p ON p.reading_date = {yesterday}
                   AND p.meter_id = r.meter_id AND p.register = r.register
            LEFT JOIN metering_monthlyusage mu ON mu.meter_id = r.meter_id
                   AND mu.month = {d.month_of(day)} AND mu.register = r.register
            WHERE r.error IS NULL
        ) x
        """
    )
    d.analyze(cursor, "ingest_merge", "line", "meter_id", "d", "register", "prev_line")
    _find_previous_in_month(cursor, d)
    # Nothing earlier this month: the last reading of the latest earlier month.
    cursor.execute(
        """
        UPDATE ingest_merge SET
            prev_d = (SELECT u.last_date FROM metering_monthlyusage u
                      WHERE u.meter_id = ingest_merge.meter_id
                        AND u.register = ingest_merge.register AND u.month < ingest_merge.month
                      ORDER BY u.month DESC LIMIT 1),
            prev_index = (SELECT u.last_index_wh FROM metering_monthlyusage u
                          WHERE u.meter_id = ingest_merge.meter_id
                            AND u.register = ingest_merge.register
                            AND u.month < ingest_merge.month
                          ORDER BY u.month DESC LIMIT 1)
        WHERE prev_d IS NULL AND (month_first IS NULL OR month_first >= d)
        """
    )
    # No reading before at all: measure from the index at installation when no kWh is
    # given (a meter's first day counts from the start of its installation day).
    cursor.execute(
        f"""
        UPDATE ingest_merge SET
            prev_index = COALESCE((SELECT s.index_wh FROM metering_startindex s
                                   WHERE s.meter_id = ingest_merge.meter_id
                                     AND s.register = ingest_merge.register), 0),
            prev_d = {d.day_before("installed_date")}
        WHERE prev_d IS NULL AND given_wh IS NULL
        """
    )
    _final(cursor, d)
    # A row measured from a batch row that turned out bad is measured again from what
    # that row was measured from (or from the stored day before), until none is left.
    while True:
        cursor.execute(
            f"""
            UPDATE ingest_merge SET
                prev_d = CASE WHEN ingest_merge.stored_yesterday IS NOT NULL
                              THEN {d.day_before("ingest_merge.d")} ELSE f.prev_d END,
                prev_index = COALESCE(ingest_merge.stored_yesterday, f.prev_index),
                prev_line = CASE WHEN ingest_merge.stored_yesterday IS NULL THEN f.prev_line END
            FROM ingest_final f
            WHERE ingest_merge.prev_line = f.line AND f.outcome NOT IN ('N', 'S', 'C')
            """
        )
        if not cursor.rowcount:
            break
        _final(cursor, d)


def _final(cursor, d: _Dialect) -> None:
    """Step 4: ingest_final, each row's energy, problem and outcome (N new, S same,
    C corrected, or the problem's reason)."""
    max_advance_wh = settings.METERING_MAX_DAILY_ADVANCE_KWH * 1000
    tolerance_wh = settings.METERING_KWH_TOLERANCE_WH
    cursor.execute("DROP TABLE IF EXISTS ingest_final")
    register_max = "(power(10, digits) * 1000)"
    days = d.days_between("COALESCE(prev_d, " + d.day_before("d") + ")", "d")
    cursor.execute(
        f"""
        CREATE TEMP TABLE ingest_final AS
        SELECT c.*, CASE WHEN c.problem IS NOT NULL THEN c.problem
                         WHEN c.old_index_wh IS NULL THEN 'N'
                         WHEN c.old_index_wh = c.index_wh AND c.old_wh = c.wh
                              AND c.old_q = c.q THEN 'S'
                         ELSE 'C' END AS outcome
        FROM (
            SELECT a.*, COALESCE(a.given_wh, a.advance * a.multiplier) AS wh,
                   CASE
                       WHEN a.prev_index IS NOT NULL AND a.advance IS NULL THEN 'backwards'
                       WHEN a.advance > CAST(%s AS bigint) * a.days THEN 'absurd'
                       WHEN a.given_wh > CAST(%s AS bigint) * a.multiplier * a.days THEN 'absurd'
                       WHEN a.given_wh IS NOT NULL AND a.advance IS NOT NULL
                            AND abs(a.given_wh - a.advance * a.multiplier) > %s * a.multiplier
                            THEN 'kwh_mismatch'
                   END AS problem
            FROM (
                SELECT m.*, {days} AS days,
                       CASE WHEN prev_index IS NULL THEN NULL
                            WHEN index_wh >= prev_index THEN index_wh - prev_index
                            WHEN prev_index >= 0.9 * {register_max}
                                 AND index_wh < 0.1 * {register_max}
                                 THEN {register_max} - prev_index + index_wh
                       END AS advance
                FROM ingest_merge m
            ) a
        ) c
        """,
        [max_advance_wh, max_advance_wh, tolerance_wh],
    )
    d.analyze(cursor, "ingest_final", "line", "meter_id", "d", "register", "outcome")


def _find_previous_in_month(cursor, d: _Dialect) -> None:
    """The rare case set-based SQL cannot place: a day inside a month that has stored
    readings both before and after it, with the day before missing. Look back day by
    day (primary-key lookups) to the month's first stored reading."""
    cursor.execute(
        f"""
        SELECT line, meter_id, register, d, prev_d, month_first FROM ingest_merge
        WHERE month_first < d AND month_last >= d
          AND (prev_d IS NULL OR prev_d < {d.day_before("d")})
        """
    )
    for line, meter_id, register, day, prev_day, month_first in cursor.fetchall():
        day, prev_day, month_first = _as_date(day), _as_date(prev_day), _as_date(month_first)
        start = max(month_first, prev_day + timedelta(days=1)) if prev_day else month_first
        days = [start + timedelta(days=n) for n in range((day - start).days)]
        found = (
            Reading.objects.filter(meter_id=meter_id, register=register, reading_date__in=days)
            .order_by("-reading_date")
            .values_list("reading_date", "index_wh")
            .first()
        )
        if found:
            cursor.execute(
                "UPDATE ingest_merge SET prev_d = %s, prev_index = %s WHERE line = %s",
                [found[0], found[1], line],
            )


def _write(cursor, d: _Dialect, batch: ImportBatch, *, single_day: date | None) -> None:
    """Step 5: readings, corrections, rollups, the report and the counts."""
    # New rows and rollups are written in key order: each index page is then visited in
    # turn rather than at random (the hash joins' order), half the time of the INSERT.
    columns = "meter_id, index_wh, wh, batch_id, reading_date, register, quality"
    cursor.execute(
        f"INSERT INTO metering_reading ({columns}) "
        "SELECT meter_id, index_wh, wh, %s, d, register, q FROM ingest_final WHERE outcome = 'N' "
        "ORDER BY d, meter_id, register",
        [batch.pk],
    )
    cursor.execute(
        """
        INSERT INTO metering_correction (meter_id, reading_date, register, old_index_wh, old_wh,
            old_quality, old_batch_id, new_index_wh, new_wh, new_quality, batch_id)
        SELECT meter_id, d, register, old_index_wh, old_wh, old_q, old_batch, index_wh, wh, q, %s
        FROM ingest_final WHERE outcome = 'C'
        """,
        [batch.pk],
    )
    cursor.execute(
        """
        UPDATE metering_reading SET index_wh = f.index_wh, wh = f.wh, quality = f.q,
               batch_id = %s
        FROM ingest_final f
        WHERE f.outcome = 'C' AND metering_reading.reading_date = f.d
          AND metering_reading.meter_id = f.meter_id AND metering_reading.register = f.register
        """,
        [batch.pk],
    )
    rollup = "metering_monthlyusage"
    new_days = "CASE WHEN outcome = 'N' THEN 1 ELSE 0 END"
    estimated = "CASE WHEN q = 'E' THEN 1 ELSE 0 END"
    was_estimated = "CASE WHEN old_q = 'E' THEN 1 ELSE 0 END"
    if single_day is None:
        # each meter, month and register: what its days add, and its last day's index
        change = f"""
            SELECT g.meter_id, g.month, g.register, g.wh, g.days, g.estimated, g.first_d,
                   g.last_d, f.index_wh
            FROM (
                SELECT meter_id, month, register, sum(wh - COALESCE(old_wh, 0)) AS wh,
                       sum({new_days}) AS days,
                       sum({estimated}) - sum({was_estimated}) AS estimated,
                       min(d) AS first_d, max(d) AS last_d
                FROM ingest_final WHERE outcome IN ('N', 'C')
                GROUP BY meter_id, month, register
            ) g
            JOIN ingest_final f ON f.meter_id = g.meter_id AND f.register = g.register
                 AND f.d = g.last_d AND f.outcome IN ('N', 'C')
            WHERE true ORDER BY g.meter_id, g.month, g.register
        """
    else:  # one row per meter and register (duplicates are rejected): nothing to add up
        change = f"""
            SELECT meter_id, month, register, wh - COALESCE(old_wh, 0), {new_days},
                   {estimated} - {was_estimated}, d, d, index_wh
            FROM ingest_final WHERE outcome IN ('N', 'C')
            ORDER BY meter_id, register
        """
    cursor.execute(
        f"""
        INSERT INTO {rollup} (meter_id, month, register, wh, days, estimated_days,
                              first_date, last_date, last_index_wh)
        {change}
        ON CONFLICT (meter_id, month, register) DO UPDATE SET
            wh = {rollup}.wh + excluded.wh,
            days = {rollup}.days + excluded.days,
            estimated_days = {rollup}.estimated_days + excluded.estimated_days,
            first_date = {d.least(f"{rollup}.first_date", "excluded.first_date")},
            last_date = {d.greatest(f"{rollup}.last_date", "excluded.last_date")},
            last_index_wh = CASE WHEN excluded.last_date >= {rollup}.last_date
                                 THEN excluded.last_index_wh ELSE {rollup}.last_index_wh END
        """
    )
    cursor.execute("SELECT outcome, count(*) FROM ingest_final GROUP BY outcome")
    counts = dict(cursor.fetchall())
    cursor.execute("SELECT count(*) FROM ingest_staging")
    batch.rows_total = cursor.fetchone()[0]
    batch.rows_new = counts.get("N", 0)
    batch.rows_unchanged = counts.get("S", 0)
    batch.rows_corrected = counts.get("C", 0)
    batch.rows_rejected = (
        batch.rows_total - batch.rows_new - batch.rows_unchanged - batch.rows_corrected
    )
    if batch.rows_rejected:
        cursor.execute(
            """
            INSERT INTO metering_rejectedrow (batch_id, line, reason, content)
            SELECT %s, s.line, r.error,
                   substr(COALESCE(s.customer_code, '') || ',' || COALESCE(s.meter_no, '') || ','
                          || COALESCE(s.reading_date, '') || ',' || COALESCE(s.register, '') || ','
                          || COALESCE(s.index_kwh, '') || ',' || COALESCE(s.kwh, '') || ','
                          || COALESCE(s.quality, ''), 1, 300)
            FROM (SELECT line, error FROM ingest_rows WHERE error IS NOT NULL
                  UNION ALL
                  SELECT line, outcome FROM ingest_final WHERE outcome NOT IN ('N', 'S', 'C')) r
            JOIN ingest_staging s ON s.line = r.line
            """,
            [batch.pk],
        )
    batch.save(
        update_fields=[
            "rows_total",
            "rows_new",
            "rows_unchanged",
            "rows_corrected",
            "rows_rejected",
        ]
    )


def rejections_page(batch: ImportBatch, offset: int = 0) -> list[Rejection]:
    """REPORT_LIMIT rejected rows of a batch from `offset`, by line."""
    rows = batch.rejections.order_by("line")[offset : offset + REPORT_LIMIT]
    return [Rejection(line=row.line, reason=row.reason, content=row.content) for row in rows]


def rejections_of(batch: ImportBatch) -> Iterator[Rejection]:
    """Every rejected row of a batch, by line (for the full report)."""
    for row in batch.rejections.order_by("line").iterator(chunk_size=5000):
        yield Rejection(line=row.line, reason=row.reason, content=row.content)
