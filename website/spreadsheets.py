"""Cells for spreadsheets (CSV exports) that a spreadsheet will not run as formulas."""


def csv_safe(text):
    """Text as a spreadsheet will not run it: names come from public sign-up forms, and
    a cell starting with = + - @ is read as a formula by Excel and LibreOffice."""
    text = "" if text is None else str(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
