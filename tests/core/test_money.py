"""Money is integer VND, formatted for people in their language."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cskh.core.money import format_vnd


@pytest.mark.parametrize(
    ("amount", "language", "text"),
    [
        (1534140, "vi", "1.534.140 đ"),
        (1534140, "en", "1,534,140 VND"),
        (0, "vi", "0 đ"),
        (0, "en", "0 VND"),
        (999, "vi", "999 đ"),
        (1000, "vi", "1.000 đ"),
        (1000, "en", "1,000 VND"),
        (-1534140, "vi", "-1.534.140 đ"),
        (-1534140, "en", "-1,534,140 VND"),
        (-5, "vi", "-5 đ"),
        (12_000_000_000, "vi", "12.000.000.000 đ"),
        (1534140, "vi-vn", "1.534.140 đ"),
        (1534140, "en-us", "1,534,140 VND"),
    ],
)
def test_format_vnd(amount, language, text):
    assert format_vnd(amount, language) == text


@pytest.mark.parametrize("amount", [1534140.0, 0.5, Decimal("1534140"), "1534140", None])
def test_only_integer_amounts_are_formatted(amount):
    with pytest.raises(TypeError):
        format_vnd(amount, "vi")


@given(st.integers(min_value=-(10**15), max_value=10**15), st.sampled_from(["vi", "en"]))
def test_the_formatted_amount_reads_back_as_the_same_number(amount, language):
    text = format_vnd(amount, language)
    number, unit = text.rsplit(" ", 1)
    assert unit == ("đ" if language == "vi" else "VND")
    separator = "." if language == "vi" else ","
    assert int(number.replace(separator, "")) == amount
    groups = number.lstrip("-").split(separator)
    assert 1 <= len(groups[0]) <= 3
    assert all(len(group) == 3 for group in groups[1:])
