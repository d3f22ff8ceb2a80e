"""API of a linked customer's meter data: /api/v1/customers/{code}/consumption,
/consumption/summary, /readings and /export.

The data changes when an import lands (about once a day), so every answer carries an
ETag made of the latest import batch id, the customer code, the normalised query, the
language and the day; a matching If-None-Match answers 304 after one query (the token,
the link and the version: `LinkedBearer`), and the JSON itself is kept in the cache
under the ETag.
See docs/consumption.md."""

import hashlib
import json
from collections.abc import Callable
from datetime import date

from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags
from ninja import Field, Query, Router, Schema
from ninja.security import HttpBearer

from cskh.accounts.api import answer_in
from cskh.customers.models import Customer
from cskh.customers.services import LinkNotFound
from cskh.metering import queries
from cskh.metering.models import QUALITY_WORDS


class LinkedBearer(HttpBearer):
    """`Authorization: Bearer <access token>` for /customers/{code}/…: the token, the
    link of the code to its account and the data version are read in one statement
    (queries.caller). `request.auth` is the `Caller`."""

    def authenticate(self, request, token):
        found = queries.caller(
            token=token, code=request.resolver_match.kwargs["code"], now=timezone.now()
        )
        if found is not None:
            answer_in(request, found.language)
        return found


router = Router(tags=["consumption"], auth=LinkedBearer())

MAX_AGE = 600  # seconds a client may reuse an answer without asking
CACHE_SECONDS = 6 * 3600  # the ETag changes with the data; old entries just expire
SCHEMA_VERSION = "1"  # bump when the JSON changes shape


# ---------------------------------------------------------------- schemas (OpenAPI)


class PeriodQuery(Schema):
    from_: str | None = Field(None, alias="from", description="First local day, YYYY-MM-DD")
    to: str | None = Field(None, description="Last local day (included), YYYY-MM-DD")


class ConsumptionQuery(PeriodQuery):
    granularity: str | None = Field(None, description="day (default), month or year")


class ExportQuery(PeriodQuery):
    format: str | None = Field(None, description="csv (default) or espi (Green Button XML)")


class PointOut(Schema):
    start: str
    kwh: str | None
    registers: dict[str, str]
    estimated: bool


class TotalsOut(Schema):
    model_config = {"populate_by_name": True}
    from_: str = Field(..., alias="from")
    to: str
    kwh: str | None
    registers: dict[str, str]
    days: int
    estimated_days: int


class ComparedOut(Schema):
    model_config = {"populate_by_name": True}
    from_: str = Field(..., alias="from")
    to: str
    kwh: str | None
    days: int
    change_kwh: str | None
    change_percent: str | None


class ComparisonOut(Schema):
    previous_period: ComparedOut
    same_period_last_year: ComparedOut


class ConsumptionOut(Schema):
    customer_code: str
    granularity: str
    data_until: str | None
    series: list[PointOut]
    totals: TotalsOut
    comparison: ComparisonOut


class LatestDayOut(Schema):
    model_config = {"populate_by_name": True}
    date_: str = Field(..., alias="date")
    kwh: str | None
    registers: dict[str, str]
    days: int
    estimated_days: int
    previous_day: ComparedOut


class ToDateOut(TotalsOut):
    same_period_last_year: ComparedOut


class MonthToDateOut(ToDateOut):
    previous_month: ComparedOut


class SummaryOut(Schema):
    customer_code: str
    data_until: str | None
    latest_day: LatestDayOut | None
    month_to_date: MonthToDateOut | None
    year_to_date: ToDateOut | None


class ReadingOut(Schema):
    model_config = {"populate_by_name": True}
    reading_date: str
    meter_no: str
    register_: str = Field(..., alias="register")
    index_kwh: str
    kwh: str
    quality: str
    multiplier: int


class ReadingsOut(Schema):
    model_config = {"populate_by_name": True}
    customer_code: str
    data_until: str | None
    from_: str = Field(..., alias="from")
    to: str
    readings: list[ReadingOut]


# ---------------------------------------------------------------- JSON


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _registers(usage: queries.Usage) -> dict[str, str]:
    return {register: queries.kwh_text(wh) for register, wh in usage.ordered_registers()}


def _usage_json(usage: queries.Usage) -> dict:
    return {
        "kwh": queries.kwh_text(usage.wh) if usage.has_data else None,
        "registers": _registers(usage),
        "days": usage.days,
        "estimated_days": usage.estimated_days,
    }


def _compared_json(comparison: queries.Comparison) -> dict:
    base = comparison.base
    return {
        "from": _day(comparison.first),
        "to": _day(comparison.last),
        "kwh": queries.kwh_text(base.wh) if base.has_data else None,
        "days": base.days,
        "change_kwh": queries.kwh_text(comparison.change_wh),
        "change_percent": queries.percent_text(comparison.change_percent),
    }


def consumption_json(result: queries.Consumption) -> dict:
    window = result.window
    return {
        "customer_code": result.customer_code,
        "granularity": result.granularity,
        "data_until": _day(result.data_until),
        "series": [
            {
                "start": point.start.isoformat(),
                "kwh": queries.kwh_text(point.usage.wh) if point.usage.has_data else None,
                "registers": _registers(point.usage),
                "estimated": point.usage.estimated,
            }
            for point in result.series
        ],
        "totals": {"from": _day(window.first), "to": _day(window.until)}
        | _usage_json(result.totals),
        "comparison": {
            "previous_period": _compared_json(result.previous),
            "same_period_last_year": _compared_json(result.last_year),
        },
    }


def summary_json(code: str, result: queries.Summary) -> dict:
    if result.data_until is None:
        return {
            "customer_code": code,
            "data_until": None,
            "latest_day": None,
            "month_to_date": None,
            "year_to_date": None,
        }
    return {
        "customer_code": code,
        "data_until": _day(result.data_until),
        "latest_day": {"date": _day(result.data_until)}
        | _usage_json(result.latest_day)
        | {"previous_day": _compared_json(result.previous_day)},
        "month_to_date": {"from": _day(result.month_first), "to": _day(result.data_until)}
        | _usage_json(result.month_to_date)
        | {
            "previous_month": _compared_json(result.month_vs_previous),
            "same_period_last_year": _compared_json(result.month_vs_last_year),
        },
        "year_to_date": {"from": _day(result.year_first), "to": _day(result.data_until)}
        | _usage_json(result.year_to_date)
        | {"same_period_last_year": _compared_json(result.year_vs_last_year)},
    }


def readings_json(store: queries.Store, window: queries.Window, rows) -> dict:
    return {
        "customer_code": store.customer.code,
        "data_until": _day(store.data_until),
        "from": _day(window.first),
        "to": _day(window.last),
        "readings": [
            {
                "reading_date": row.reading_date.isoformat(),
                "meter_no": row.meter_no,
                "register": row.register,
                "index_kwh": queries.kwh_text(row.index_wh),
                "kwh": queries.kwh_text(row.wh),
                "quality": QUALITY_WORDS[row.quality],
                "multiplier": row.multiplier,
            }
            for row in rows
        ],
    }


# ---------------------------------------------------------------- ETag and cache


def linked(request) -> tuple[Customer, int]:
    """The customer of the code, linked to the caller, and the data version, or 404
    (the same for a code that does not exist: nobody learns which codes do)."""
    if request.auth.customer is None:
        raise LinkNotFound()
    return request.auth.customer, request.auth.version


def etag_of(*parts) -> str:
    digest = hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=12).hexdigest()
    return f'"{digest}"'


def _matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    return "*" in tags or etag in tags


def _headers(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    response["Cache-Control"] = f"private, max-age={MAX_AGE}"
    patch_vary_headers(response, ("Accept-Language", "Authorization"))
    return response


def cached_json(
    request,
    *,
    found: tuple[Customer, int],
    kind: str,
    query: str,
    build: Callable[[Customer, date], dict],
) -> HttpResponse:
    """304 for a matching If-None-Match, else the JSON — from the cache when another
    request built it already. The ETag names everything the answer depends on: the
    data version, the customer, the kind and query, the language and the day."""
    customer, version = found
    today = timezone.localdate()
    etag = etag_of(
        SCHEMA_VERSION, kind, customer.code, query, version, translation.get_language(), today
    )
    if _matches(request, etag):
        return _headers(HttpResponseNotModified(), etag)
    key = f"metering:{etag}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(build(customer, today), separators=(",", ":")).encode()
        cache.set(key, body, CACHE_SECONDS)
    return _headers(HttpResponse(body, content_type="application/json"), etag)


# ---------------------------------------------------------------- endpoints


@router.get("/{code}/consumption", response={200: ConsumptionOut, 304: None}, by_alias=True)
def consumption(request, code: str, params: Query[ConsumptionQuery]):
    """Energy of a linked customer by day, month or year, with totals and comparisons.

    Defaults: day → the last 30 days up to the last day of data; month → the last 12
    months; year → every year with data. At most 366 days, 120 months or 50 years."""
    found = linked(request)
    chosen = queries.selection(granularity=params.granularity, first=params.from_, last=params.to)

    def build(customer, today):
        return consumption_json(
            queries.consumption_of(customer=customer, chosen=chosen, today=today)
        )

    return cached_json(request, found=found, kind="consumption", query=chosen.key(), build=build)


@router.get("/{code}/consumption/summary", response={200: SummaryOut, 304: None}, by_alias=True)
def consumption_summary(request, code: str):
    """The latest day, the month so far and the year so far (lũy kế), each compared like
    for like (the same days of the previous month, of the same month a year before)."""

    def build(customer, today):
        return summary_json(customer.code, queries.summary_of(customer=customer))

    return cached_json(request, found=linked(request), kind="summary", query="", build=build)


@router.get("/{code}/readings", response={200: ReadingsOut, 304: None}, by_alias=True)
def readings(request, code: str, params: Query[PeriodQuery]):
    """The meter-index table: per day, meter and register the index and the energy
    (kWh), the quality and the multiplier in force. Default: the last 30 days of data."""
    found = linked(request)
    chosen = queries.selection(first=params.from_, last=params.to)

    def build(customer, today):
        return readings_json(*queries.readings_of(customer=customer, chosen=chosen, today=today))

    return cached_json(request, found=found, kind="readings", query=chosen.key(), build=build)


@router.get("/{code}/export", response={200: None})
def download(request, code: str, params: Query[ExportQuery]):
    """The daily readings as our CSV (format=csv) or as a Green Button "Download My
    Data" Atom feed (format=espi). Default: the last 30 days of data; at most 366 days."""
    customer, _version = linked(request)
    chosen = queries.selection(first=params.from_, last=params.to)
    return attachment(
        queries.download(
            customer=customer,
            chosen=chosen,
            fmt=params.format,
            today=timezone.localdate(),
            now=timezone.now(),
        )
    )


def attachment(file: queries.Download) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Cache-Control"] = "private, no-cache"
    return response
