"""Template filters for money and counts in the active language:
`{{ 1534140|vnd }}` → "1.534.140 đ" / "1,534,140 VND"; `{{ 1984|grouped }}` → "1.984";
`{{ 105|in_words }}` → "Một trăm linh năm đồng"."""

from django import template
from django.utils.translation import get_language

from cskh.core.money import format_vnd, percent_text
from cskh.core.words import amount_in_words

register = template.Library()


@register.filter
def vnd(amount: int) -> str:
    return format_vnd(amount, get_language() or "vi")


@register.filter
def grouped(number) -> str:
    if not isinstance(number, int):
        return str(number)
    text = f"{number:,}"
    return text.replace(",", ".") if (get_language() or "vi").startswith("vi") else text


@register.filter
def percent(rate) -> str:
    """Fraction(2, 25) → "8"."""
    return percent_text(rate)


@register.filter
def in_words(amount: int) -> str:
    """105 → "Một trăm linh năm đồng" / "One hundred five dong"."""
    return amount_in_words(amount, get_language() or "vi")
