"""A VND amount in words, as an invoice prints it below the total ("Số tiền viết bằng
chữ"): `269244` → "Hai trăm sáu mươi chín nghìn hai trăm bốn mươi bốn đồng" (Vietnamese)
or "Two hundred sixty-nine thousand two hundred forty-four dong" (English).

Vietnamese reads the amount in groups of three digits (nghìn, triệu, tỷ; beyond the
billions "nghìn tỷ", "triệu tỷ"); a group after the first is read in full, so a zero
hundreds digit is "không trăm" and a zero tens digit before a unit is "linh"
(1.005.000 → "một triệu không trăm linh năm nghìn"); a group of three zeros is skipped.
A unit 1 after "mươi" is "mốt" (21 → "hai mươi mốt"), a unit 5 after "mười"/"mươi" is
"lăm" (15 → "mười lăm"); 4 is always "bốn", never the optional "tư".
"""

_VI_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_VI_SCALES = ((1_000_000, "triệu"), (1_000, "nghìn"), (1, ""))
_BILLION = 1_000_000_000

_EN_ONES = (
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
)
_EN_TENS = ("", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety")
_EN_SCALES = ("", "thousand", "million", "billion", "trillion", "quadrillion", "quintillion")


def amount_in_words(amount: int, language: str) -> str:
    """The amount in words with the currency, first letter upper-case; negative amounts
    (an adjustment invoice's refund) start "Âm" / "Minus"."""
    if not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    if language.startswith("vi"):
        words = _vi(abs(amount)) + " đồng"
        sign = "âm "
    else:
        words = _en(abs(amount)) + " dong"
        sign = "minus "
    if amount < 0:
        words = sign + words
    return words[0].upper() + words[1:]


# Vietnamese


def _vi(number: int, *, leading: bool = True) -> str:
    if number == 0:
        return _VI_DIGITS[0]
    if number >= _BILLION:
        billions, rest = divmod(number, _BILLION)
        words = _vi(billions, leading=leading) + " tỷ"
        return f"{words} {_vi_below_billion(rest, leading=False)}" if rest else words
    return _vi_below_billion(number, leading=leading)


def _vi_below_billion(number: int, *, leading: bool) -> str:
    parts = []
    full = not leading
    for scale, name in _VI_SCALES:
        group = number // scale % 1000
        if group == 0:
            continue
        parts.append(_vi_group(group, full=full))
        if name:
            parts.append(name)
        full = True
    return " ".join(parts)


def _vi_group(group: int, *, full: bool) -> str:
    """Three digits; `full` for a group after the first, read with its zero hundreds."""
    hundreds, tens, units = group // 100, group // 10 % 10, group % 10
    words = []
    if hundreds or full:
        words += [_VI_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_VI_DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else _VI_DIGITS[units])
    else:
        words += [_VI_DIGITS[tens], "mươi"]
        if units:
            words.append({1: "mốt", 5: "lăm"}.get(units, _VI_DIGITS[units]))
    return " ".join(words)


# English


def _en(number: int) -> str:
    if number == 0:
        return _EN_ONES[0]
    parts = []
    scale = 0
    while number:
        number, group = divmod(number, 1000)
        if group:
            if scale >= len(_EN_SCALES):
                raise ValueError("amount too large to write in words")
            parts.insert(0, " ".join(filter(None, (_en_group(group), _EN_SCALES[scale]))))
        scale += 1
    return " ".join(parts)


def _en_group(group: int) -> str:
    hundreds, rest = divmod(group, 100)
    words = []
    if hundreds:
        words.append(f"{_EN_ONES[hundreds]} hundred")
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_ONES[units]}" if units else ""))
    elif rest:
        words.append(_EN_ONES[rest])
    return " ".join(words)
