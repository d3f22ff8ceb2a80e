"""Money is integer VND; this module only formats it (and rates) for people."""

from decimal import Decimal


def format_vnd(amount: int, language: str) -> str:
    """`1534140` → `1.534.140 đ` (Vietnamese) or `1,534,140 VND` (English)."""
    if not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    grouped = f"{abs(amount):,}"
    sign = "-" if amount < 0 else ""
    if language.startswith("vi"):
        return f"{sign}{grouped.replace(',', '.')} đ"
    return f"{sign}{grouped} VND"


def percent_text(rate) -> str:
    """A rate as a fraction of one (Fraction(2, 25), Decimal("0.08")) → "8"."""
    return format((Decimal(rate.numerator) * 100 / Decimal(rate.denominator)).normalize(), "f")
