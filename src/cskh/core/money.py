"""Money is integer VND; this module only formats it for people."""


def format_vnd(amount: int, language: str) -> str:
    """`1534140` → `1.534.140 đ` (Vietnamese) or `1,534,140 VND` (English)."""
    if not isinstance(amount, int):
        raise TypeError("VND amounts are integers")
    grouped = f"{abs(amount):,}"
    sign = "-" if amount < 0 else ""
    if language.startswith("vi"):
        return f"{sign}{grouped.replace(',', '.')} đ"
    return f"{sign}{grouped} VND"
