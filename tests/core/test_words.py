"""The amount in words printed below an invoice's total, in Vietnamese and English."""

import itertools
import re

import pytest
from django.template import Context, Template
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from cskh.core.words import amount_in_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (1, "Một đồng"),
        (4, "Bốn đồng"),
        (5, "Năm đồng"),
        (10, "Mười đồng"),
        (11, "Mười một đồng"),
        (14, "Mười bốn đồng"),
        (15, "Mười lăm đồng"),
        (20, "Hai mươi đồng"),
        (21, "Hai mươi mốt đồng"),
        (24, "Hai mươi bốn đồng"),
        (25, "Hai mươi lăm đồng"),
        (55, "Năm mươi lăm đồng"),
        (91, "Chín mươi mốt đồng"),
        (100, "Một trăm đồng"),
        (101, "Một trăm linh một đồng"),
        (105, "Một trăm linh năm đồng"),
        (110, "Một trăm mười đồng"),
        (111, "Một trăm mười một đồng"),
        (115, "Một trăm mười lăm đồng"),
        (121, "Một trăm hai mươi mốt đồng"),
        (1000, "Một nghìn đồng"),
        (1001, "Một nghìn không trăm linh một đồng"),
        (1010, "Một nghìn không trăm mười đồng"),
        (1021, "Một nghìn không trăm hai mươi mốt đồng"),
        (1100, "Một nghìn một trăm đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_500, "Hai mươi mốt nghìn năm trăm đồng"),
        (269_244, "Hai trăm sáu mươi chín nghìn hai trăm bốn mươi bốn đồng"),
        (1_000_000, "Một triệu đồng"),
        (1_000_001, "Một triệu không trăm linh một đồng"),
        (1_005_000, "Một triệu không trăm linh năm nghìn đồng"),
        (1_160_460, "Một triệu một trăm sáu mươi nghìn bốn trăm sáu mươi đồng"),
        (10_000_005, "Mười triệu không trăm linh năm đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_005_000_000, "Một tỷ không trăm linh năm triệu đồng"),
        (2_000_000_015, "Hai tỷ không trăm mười lăm đồng"),
        (2_001_000_000, "Hai tỷ không trăm linh một triệu đồng"),
        (1_000_000_000_000, "Một nghìn tỷ đồng"),
        (25_000_000_000_000, "Hai mươi lăm nghìn tỷ đồng"),
        (-15_000, "Âm mười lăm nghìn đồng"),
        (-269_244, "Âm hai trăm sáu mươi chín nghìn hai trăm bốn mươi bốn đồng"),
    ],
)
def test_vietnamese_words(amount, words):
    assert amount_in_words(amount, "vi") == words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Zero dong"),
        (10, "Ten dong"),
        (11, "Eleven dong"),
        (15, "Fifteen dong"),
        (20, "Twenty dong"),
        (21, "Twenty-one dong"),
        (25, "Twenty-five dong"),
        (101, "One hundred one dong"),
        (105, "One hundred five dong"),
        (110, "One hundred ten dong"),
        (1001, "One thousand one dong"),
        (1010, "One thousand ten dong"),
        (269_244, "Two hundred sixty-nine thousand two hundred forty-four dong"),
        (1_000_000, "One million dong"),
        (1_005_000, "One million five thousand dong"),
        (
            1_160_460,
            "One million one hundred sixty thousand four hundred sixty dong",
        ),
        (10_000_005, "Ten million five dong"),
        (1_000_000_000, "One billion dong"),
        (2_000_000_015, "Two billion fifteen dong"),
        (-1_500, "Minus one thousand five hundred dong"),
    ],
)
def test_english_words(amount, words):
    assert amount_in_words(amount, "en") == words


def test_language_variants_follow_the_language():
    assert amount_in_words(21, "vi-vn") == "Hai mươi mốt đồng"
    assert amount_in_words(21, "en-us") == "Twenty-one dong"


@pytest.mark.parametrize("amount", [1534140.0, "1534140", None])
def test_only_integer_amounts_are_written(amount):
    with pytest.raises(TypeError):
        amount_in_words(amount, "vi")


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", "Một trăm linh năm đồng"), ("en", "One hundred five dong")],
)
def test_the_template_filter_writes_in_the_active_language(language, words):
    template = Template("{% load money %}{{ amount|in_words }}")
    with translation.override(language):
        assert template.render(Context({"amount": 105})) == words


def test_the_template_filter_writes_vietnamese_without_an_active_language():
    template = Template("{% load money %}{{ amount|in_words }}")
    with translation.override(None):
        assert template.render(Context({"amount": 21})) == "Hai mươi mốt đồng"


amounts = st.integers(min_value=-(10**15), max_value=10**15)


@given(amounts, st.sampled_from(["vi", "en"]))
def test_words_are_well_formed(amount, language):
    words = amount_in_words(amount, language)
    assert "  " not in words
    assert words == words.strip()
    assert words.endswith(" đồng" if language == "vi" else " dong")
    assert words[0].isupper()
    assert words[1:] == words[1:].lower()


@given(amounts)
def test_vietnamese_special_words_stand_where_they_belong(amount):
    words = amount_in_words(amount, "vi").lower().split()
    for before, word in itertools.pairwise(words):
        if word == "mốt":
            assert before == "mươi"
        if word == "lăm":
            assert before in {"mười", "mươi"}
        if word == "linh":
            assert before == "trăm"
        if word == "mười":
            assert before not in _VI_DIGITS
    assert "tư" not in words


@given(amounts)
def test_vietnamese_words_read_back_to_the_amount(amount):
    assert _read_vietnamese(amount_in_words(amount, "vi")) == amount


@given(amounts)
def test_english_words_read_back_to_the_amount(amount):
    assert _read_english(amount_in_words(amount, "en")) == amount


# Readers written independently of the module: every amount has words of its own.

_VI_DIGITS = {
    "không": 0,
    "một": 1,
    "mốt": 1,
    "hai": 2,
    "ba": 3,
    "bốn": 4,
    "năm": 5,
    "lăm": 5,
    "sáu": 6,
    "bảy": 7,
    "tám": 8,
    "chín": 9,
}


def _read_vietnamese(text: str) -> int:
    words = text.lower().split()
    assert words.pop() == "đồng"
    sign = 1
    if words[0] == "âm":
        sign = -1
        words.pop(0)
    result = section = group = 0
    digit = None
    for word in words:
        if word in _VI_DIGITS:
            assert digit is None, text
            digit = _VI_DIGITS[word]
        elif word == "trăm":
            group += digit * 100
            digit = None
        elif word == "mươi":
            group += digit * 10
            digit = None
        elif word == "mười":
            group += 10
        elif word == "linh":
            pass
        elif word in {"nghìn", "triệu"}:
            group += digit or 0
            section += group * (1000 if word == "nghìn" else 1_000_000)
            group, digit = 0, None
        elif word == "tỷ":
            result = (result + section + group + (digit or 0)) * 1_000_000_000
            section = group = 0
            digit = None
        else:
            raise AssertionError(f"unknown word {word!r} in {text!r}")
    return sign * (result + section + group + (digit or 0))


_EN_NUMBERS = {
    word: n
    for n, word in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
} | {
    word: 10 * n
    for n, word in enumerate(
        ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2
    )
}
_EN_SCALES = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}
_EN_SCALES["quadrillion"] = 10**15


def _read_english(text: str) -> int:
    words = re.split(r"[ -]", text.lower())
    assert words.pop() == "dong"
    sign = 1
    if words[0] == "minus":
        sign = -1
        words.pop(0)
    total = group = 0
    for word in words:
        if word in _EN_NUMBERS:
            group += _EN_NUMBERS[word]
        elif word == "hundred":
            group *= 100
        elif word in _EN_SCALES:
            total += group * _EN_SCALES[word]
            group = 0
        else:
            raise AssertionError(f"unknown word {word!r} in {text!r}")
    return sign * (total + group)
