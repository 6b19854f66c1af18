"""How a provider's values are written as text: in the change log and import conflicts."""

from __future__ import annotations

from collections.abc import Sequence

CODE_SEPARATOR = "; "  # between the codes of a list in the change log and conflicts


def text_or_none(value: object) -> str | None:
    """The text a value stands for, or None when it says nothing.

    One meaning for every source, so that a web edit and an import that clear a field log
    the same value: None, blank text and an empty code list are None; a code list is its
    codes joined with "; "; text is trimmed; anything else (a date, a number) is its str().
    """
    if value is None:
        return None
    if isinstance(value, Sequence) and not isinstance(value, str):
        return CODE_SEPARATOR.join(str(item) for item in value) or None
    text = str(value).strip()
    return text or None
