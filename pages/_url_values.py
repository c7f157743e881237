"""Pure checks of the raw URL values of bound widgets (numbers, choices, text): each returns the safe value
and what was wrong, for pages._ui to use and note. No Streamlit here, so every rule is unit-testable."""
import math
import unicodedata

from pages._text import code as _code


def check_choices(values: list[str], names: list[str], max_selections: int | None = None):
    """Validate raw URL values of a multiselect (one value per chosen option, as its shown name). Returns
    (indices of the options kept, in the URL's order; problem or None). Pure: unknown names are dropped,
    a repeated one is kept once (names match exactly, as Streamlit's own binding reads them), over max_selections the first ones are kept,
    and `?key=` (one empty value) chooses nothing."""
    if values == [""]:
        return [], None
    kept, unknown, repeated = [], [], False
    for v in values:
        i = names.index(v) if v in names else None
        if i is None:
            unknown.append(v)
        elif i in kept:
            repeated = True
        else:
            kept.append(i)
    problems = []
    if unknown:
        shown = ", ".join(_code(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
        problems.append(", ".join(_code(u[:40]) for u in unknown[:5]) + (" and more" if len(unknown) > 5 else "")
                        + f" {'is' if len(unknown) == 1 else 'are'} not one of: {shown}")
    if repeated:
        problems.append("a choice is repeated (kept once)")
    if max_selections and len(kept) > max_selections:
        problems.append(f"at most {max_selections} can be chosen (the first {max_selections} are kept)")
        kept = kept[:max_selections]
    return kept, ("; ".join(problems) or None)


def _parse_number(raw: str, is_int: bool):
    """raw URL string -> finite float, or None. (Integers are checked by the caller.)"""
    try:
        value = float(raw.strip())
    except (ValueError, AttributeError):
        return None
    return value if math.isfinite(value) else None


def check_number(values: list[str], lo, hi, default, is_int: bool, step=None):
    """Validate raw URL values for a number. Returns (safe value, problem or None).

    Pure function (no Streamlit), so the rules are unit-testable:
    repeated -> the last one is used; not a number -> default; out of [lo, hi] -> clamped;
    not a whole number for an integer setting -> rounded; off the step grid -> snapped.
    """
    problems = []
    if len(values) > 1:
        problems.append(f"is repeated {len(values)} times (using the last one)")
    raw = values[-1]
    value = _parse_number(raw, is_int)
    if value is None:
        kind = "a whole number" if is_int else "a number"
        problems.append(f"{_code(raw)} is not {kind}")
        return default, "; ".join(problems)
    if value < lo or value > hi:
        problems.append(f"{_code(raw)} is outside {lo}–{hi}")
        value = min(max(value, lo), hi)
    if is_int:
        if value != int(value):
            problems.append(f"{_code(raw)} is not a whole number")
        value = int(round(value))
    elif step:
        snapped = lo + round((value - lo) / step) * step
        snapped = min(max(round(snapped, 10), lo), hi)
        if abs(snapped - value) > 1e-9 * max(1.0, abs(value)):
            problems.append(f"{_code(raw)} is not on the slider's {step} grid")
        value = snapped
    if isinstance(lo, int) and isinstance(hi, int) and is_int:
        value = int(value)
    return value, ("; ".join(problems) or None)

def last_value(raw: list[str]) -> tuple[str, list[str]]:
    """A URL parameter given several times is read as its last value, with a note saying so."""
    return raw[-1], ([f"is repeated {len(raw)} times (using the last one)"] if len(raw) > 1 else [])

def number_fits(value, lo, hi, is_int) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if is_int and not float(value).is_integer():
        return False
    return math.isfinite(value) and lo <= value <= hi

def clean_text(text: str, max_chars: int) -> tuple[str, list[str]]:
    """Remove control characters and cut to max_chars. Returns (clean text, problems). Pure."""
    problems = []
    kept = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    if kept != text:
        problems.append("control characters were removed")
    if len(kept) > max_chars:
        problems.append(f"it is {len(kept)} characters long (cut to {max_chars})")
        kept = kept[:max_chars]
    return kept, problems
