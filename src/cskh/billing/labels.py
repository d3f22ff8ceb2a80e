"""The words of a bill's priced lines, in the active language, for the calculator, the
invoice page and the invoice PDF alike."""

from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from cskh.billing import engine
from cskh.billing.models import Band

BAND_LABELS = {
    engine.NORMAL: Band.NORMAL.label,
    engine.PEAK: Band.PEAK.label,
    engine.OFFPEAK: Band.OFFPEAK.label,
}


def short_date(day: date) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def line_label(
    *,
    tier: int | None,
    lower: int | None,
    upper: int | None,
    band: str | None,
    flat: bool,
    span: tuple[date, date] | None = None,
) -> str:
    """ "Bậc 2: 51–100 kWh", "Giờ cao điểm", … and, for a period split by a change, the
    part's reading dates."""
    if band:
        label = str(BAND_LABELS[band]).capitalize()
    elif flat and tier is not None:
        label = _("Every kWh at the tier %(tier)d price") % {"tier": tier}
    elif tier is not None and lower is None and upper is None:  # CMIS: the tier's number only
        label = _("Tier %(tier)d") % {"tier": tier}
    elif tier is not None and upper is None:
        label = _("Tier %(tier)d: above %(lower)d kWh") % {"tier": tier, "lower": lower or 0}
    elif tier is not None:
        label = _("Tier %(tier)d: %(lower)d–%(upper)d kWh") % {
            "tier": tier,
            "lower": lower + 1 if lower else 0,
            "upper": upper,
        }
    else:
        label = _("Every kWh")
    if span is None:
        return label
    return _("%(label)s, %(first)s–%(last)s") % {
        "label": label,
        "first": short_date(span[0]),
        "last": short_date(span[1]),
    }
