"""The consumption page (Tra cứu → Điện năng tiêu thụ) of a linked customer code, and
its download. The chart is inline SVG drawn here, so the page needs no script and no
chart library (docs/decisions/0007-consumption-charts.md)."""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cskh.core.errors import InvalidInput
from cskh.customers import queries as customers
from cskh.customers.models import CustomerLink
from cskh.metering import queries
from cskh.metering.queries import DAY, MONTH, YEAR

VIEWS = (DAY, MONTH, YEAR)

# The chart's drawing box (SVG user units; it scales to the width of the screen).
WIDTH, HEIGHT = 320, 168
LEFT, RIGHT, TOP, BOTTOM = 36, 4, 12, 22
DAY_TICKS = {1, 5, 10, 15, 20, 25, 30}


# ---------------------------------------------------------------- numbers and labels


def number(value: Decimal | None) -> str:
    """kWh for people: one decimal at most, grouped, in the language's separators
    (1.234,5 in Vietnamese, 1,234.5 in English)."""
    if value is None:
        return ""
    rounded = value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        rounded = rounded.quantize(Decimal(1))
    return formats.number_format(rounded, force_grouping=True)


def point_label(start: date, granularity: str) -> str:
    if granularity == DAY:
        return formats.date_format(start, "SHORT_DATE_FORMAT")
    if granularity == MONTH:
        return formats.date_format(start, "YEAR_MONTH_FORMAT")
    return str(start.year)


def _nice_top(value: Decimal) -> Decimal:
    """The top of the scale: a round number at or above the value (1, 1.5, 2, 2.5, 3, 4,
    5, 6 or 8 × 10ⁿ), so the middle grid line is round too."""
    if value <= 0:
        return Decimal(1)
    power = Decimal(10) ** (len(str(int(value))) - 1)
    for step in (1, Decimal("1.5"), 2, Decimal("2.5"), 3, 4, 5, 6, 8, 10):
        if value <= power * step:
            return power * step
    return power * 10


@dataclass
class Bar:
    slot_x: str
    slot_w: str
    x: str
    w: str
    y: str  # the part read by the meter
    h: str
    est_y: str  # on top, hatched: the share of estimated days
    est_h: str
    label: str
    estimated: bool


@dataclass
class Tick:
    x: str
    text: str


@dataclass
class Grid:
    y: str
    text: str


def _u(value: float) -> str:
    """An SVG coordinate: a dot decimal whatever the language."""
    return f"{value:.1f}"


def chart(result: queries.Consumption) -> dict:
    """Bars of the series with a <title> each, three grid lines and the axis labels."""
    granularity = result.granularity
    series = result.series
    values = [p.usage.kwh for p in series if p.usage.has_data]
    top = _nice_top(max(values, default=Decimal(0)))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    base = TOP + plot_h
    slot = plot_w / max(len(series), 1)
    bars, ticks = [], []
    every = max(1, -(-len(series) // 8))
    for n, point in enumerate(series):
        x = LEFT + n * slot
        usage = point.usage
        label = f"{point_label(point.start, granularity)}: "
        if usage.has_data:
            label += f"{number(usage.kwh)} kWh"
            if usage.estimated:
                label += " (" + _("estimated") + ")"
            height = float(usage.kwh / top) * plot_h
            estimated = height * usage.estimated_days / usage.days
            if estimated:
                estimated = min(height, max(estimated, 2.0))  # a sliver stays visible
        else:
            label += _("no data")
            height = estimated = 0.0
        bars.append(
            Bar(
                slot_x=_u(x),
                slot_w=_u(slot),
                x=_u(x + slot * 0.15),
                w=_u(slot * 0.7),
                y=_u(base - height + estimated),
                h=_u(height - estimated),
                est_y=_u(base - height),
                est_h=_u(estimated),
                label=label,
                estimated=usage.estimated,
            )
        )
        if granularity == DAY:
            show, text = point.start.day in DAY_TICKS, str(point.start.day)
        elif granularity == MONTH:
            show, text = True, str(point.start.month)
        else:
            show, text = n % every == 0, str(point.start.year)
        if show:
            ticks.append(Tick(_u(x + slot / 2), text))
    grid = [
        Grid(_u(base - fraction * plot_h), number(top * Decimal(str(fraction))))
        for fraction in (0, 0.5, 1)
    ]
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": _u(WIDTH - RIGHT),
        "tick_y": _u(HEIGHT - 6),
        "label_x": _u(LEFT - 4),
        "bars": bars,
        "ticks": ticks,
        "grid": grid,
        "any_estimated": any(bar.estimated for bar in bars),
    }


def signed_percent(comparison: queries.Comparison | None) -> str:
    """ "+40,2%", "−3%", or "" when there is no percentage."""
    percent = comparison.change_percent if comparison else None
    if percent is None:
        return ""
    sign = "+" if percent > 0 else "−" if percent < 0 else ""
    return f"{sign}{number(abs(percent))}%"


def table(page: queries.Page, registers: list[str]) -> list[dict]:
    """The lines of the figures table (the accessible form of the chart)."""
    granularity = page.consumption.granularity
    until = page.store.data_until
    rows = []
    for row in page.rows:
        usage = row.point.usage
        start = row.point.start
        end = queries.month_end(start) if granularity == MONTH else start.replace(month=12, day=31)
        # The running month or year is compared with a whole one: the base is shown,
        # not a percentage (the cards above compare it like for like).
        running = until is not None and start <= until < end
        label = (
            formats.date_format(start, "d/m")
            if granularity == DAY
            else formats.date_format(start, "YEAR_MONTH_FORMAT")
            if granularity == MONTH
            else str(start.year)
        )
        rows.append(
            {
                "label": label,
                "full_label": point_label(start, granularity),
                "has_data": usage.has_data,
                "kwh": number(usage.kwh),
                "registers": [
                    number(queries.kwh(usage.registers.get(register, 0))) if usage.has_data else ""
                    for register in registers
                ],
                "running": number(queries.kwh(row.point.running_wh)),
                "compared": number(row.compared.base.kwh) if row.compared else "",
                "change": "" if running else signed_percent(row.compared),
                "estimated": usage.estimated,
                "estimated_days": usage.estimated_days,
            }
        )
    return rows


# ---------------------------------------------------------------- navigation


def _period_link(view: str, start: date | None = None) -> str:
    if view == DAY and start:
        return f"?view=day&month={start:%Y-%m}"
    if view == MONTH and start:
        return f"?view=month&year={start:%Y}"
    return f"?view={view}"


def navigation(page: queries.Page, view: str, *, today: date) -> dict:
    """The tabs, and the previous and next period (none before the first month with
    data, none after the month or year of the last day of data). A tab keeps the
    period where it can: the months of the shown month's year, the days of December
    of a past year shown by months; else it opens its default."""
    window = page.window
    newest = (page.store.data_until or today).replace(day=1)
    oldest = page.first_month or newest
    day_start = (
        window.first
        if view == DAY
        else date(window.first.year, 12, 1)
        if view == MONTH and window.first.year < newest.year
        else None
    )
    month_start = window.first if view in (DAY, MONTH) else None
    tabs = [
        {"label": _("Days"), "url": _period_link(DAY, day_start), "current": view == DAY},
        {"label": _("Months"), "url": _period_link(MONTH, month_start), "current": view == MONTH},
        {"label": _("Years"), "url": _period_link(YEAR), "current": view == YEAR},
    ]
    previous = following = None
    if view == DAY:
        before, after = queries.add_months(window.first, -1), queries.add_months(window.first, 1)
        if before >= oldest.replace(day=1):
            previous = {"url": _period_link(DAY, before), "label": _("Previous month")}
        if after <= newest:
            following = {"url": _period_link(DAY, after), "label": _("Next month")}
    elif view == MONTH:
        year = window.first.year
        if year - 1 >= oldest.year:
            previous = {
                "url": _period_link(MONTH, date(year - 1, 1, 1)),
                "label": _("Previous year"),
            }
        if year + 1 <= newest.year:
            following = {"url": _period_link(MONTH, date(year + 1, 1, 1)), "label": _("Next year")}
    return {"tabs": tabs, "previous": previous, "next": following}


def heading(view: str, window: queries.Window) -> str:
    if view == DAY:
        return _("Month %(month)s") % {"month": f"{window.first:%m/%Y}"}
    if view == MONTH:
        return _("Year %(year)s") % {"year": window.first.year}
    return _("Years %(first)s–%(last)s") % {"first": window.first.year, "last": window.last.year}


# ---------------------------------------------------------------- pages


def _own_link(request, code: str) -> tuple[CustomerLink, list[CustomerLink]]:
    """The account's link to the code (404 if none) and all its links (the picker),
    in one query."""
    links = customers.links_of(request.user)
    code = code.strip().upper()
    for link in links:
        if link.customer.code == code:
            return link, links
    raise Http404(_("This customer code is not linked to your account."))


def _view_and_period(request) -> tuple[str, date | None]:
    """?view=day&month=YYYY-MM, ?view=month&year=YYYY or ?view=year; 404 otherwise."""
    view = request.GET.get("view") or DAY
    if view not in VIEWS:
        raise Http404(_("This period cannot be shown."))
    text = request.GET.get("month" if view == DAY else "year") if view != YEAR else None
    if not text:
        return view, None
    try:
        period = date.fromisoformat(f"{text}-01" if view == DAY else f"{text}-01-01")
    except ValueError:
        raise Http404(_("This period cannot be shown.")) from None
    if not queries.EARLIEST <= period <= queries.LATEST:
        raise Http404(_("This period cannot be shown."))
    return view, period


@login_required
def start(request):
    """Tra cứu → Điện năng tiêu thụ: the page of the chosen code (the code picker sends
    ?code=), else of the default code; a prompt to link one when there is none."""
    code = request.GET.get("code", "").strip()
    if code:
        return redirect("metering:consumption", code=code.upper())
    links = customers.links_of(request.user)
    if not links:
        return render(request, "metering/no_codes.html")
    return redirect("metering:consumption", code=links[0].customer.code)


def _render(
    request,
    link: CustomerLink,
    links: list[CustomerLink],
    *,
    view: str,
    period: date | None,
    download: dict | None = None,
    status: int = 200,
):
    today = timezone.localdate()
    page = queries.page(customer=link.customer, view=view, period=period, today=today)
    summary = page.summary
    until = page.store.data_until
    month_first = until.replace(day=1) if until else None
    download = download or {
        "from": (month_first or today).isoformat(),
        "to": (until or today).isoformat(),
        "format": "csv",
        "errors": {},
    }
    tou = page.registers if len(page.registers) > 1 else []
    context = {
        "link": link,
        "links": links if len(links) > 1 else [],
        "page": page,
        "result": page.consumption,
        "summary": summary,
        "latest_is_yesterday": summary.is_yesterday(today),
        "view": view,
        "heading": heading(view, page.window),
        "nav": navigation(page, view, today=today),
        "chart": chart(page.consumption),
        "tou": tou,
        "table": table(page, tou),
        "several_meters": len({row.meter_no for row in page.index_rows}) > 1,
        "download": download,
        "formats": (("csv", _("CSV (spreadsheet)")), ("espi", _("Green Button XML"))),
    }
    return render(request, "metering/consumption.html", context, status=status)


@login_required
def consumption(request, code: str):
    link, links = _own_link(request, code)
    view, period = _view_and_period(request)
    return _render(request, link, links, view=view, period=period)


@login_required
def download(request, code: str):
    """The file of the download form; on bad dates the page again, with the errors."""
    link, links = _own_link(request, code)
    values = {name: request.GET.get(name, "") for name in ("from", "to", "format")}
    try:
        chosen = queries.selection(first=values["from"], last=values["to"])
        file = queries.download(
            customer=link.customer,
            chosen=chosen,
            fmt=values["format"],
            today=timezone.localdate(),
            now=timezone.now(),
        )
    except InvalidInput as error:
        values["errors"] = error.fields
        return _render(request, link, links, view=DAY, period=None, download=values, status=422)
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
