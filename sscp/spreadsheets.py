"""Writing cells that people will open in Excel: values that cannot run as formulas."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell's value with any formula disarmed (OWASP CSV injection).

    Text that a spreadsheet would read as a formula — starting with =, +, -, @,
    tab or carriage return — gets a leading apostrophe, so it is shown as text.
    Numbers, dates and empty values are left as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
