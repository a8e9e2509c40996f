"""Text that leaves chitieu for other programs."""

FORMULA_STARTS = ("=", "+", "-", "@")


def neutralise_formula(text: str) -> str:
    """Text a spreadsheet would run as a formula (starting with = + - @) gets a leading apostrophe, so Excel and
    LibreOffice show it as written (OWASP "CSV injection")."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
