"""One cell of a CSV export, safe to open in a spreadsheet: text that a spreadsheet would read as a
formula (=, +, -, @, a tab or carriage return first) gets a leading apostrophe. Every export uses it."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_PREFIXES) else text
