"""Pure checks of URL values for bound widgets with several values (pages._ui uses them; unit-testable
without Streamlit)."""
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
