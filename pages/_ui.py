"""Shared Streamlit helpers for every LSTM Lab page. Import as ``from pages._ui import ...``.

URL-bound widgets (shareable links). Each ``bound_*`` helper creates a Streamlit widget with
``bind="query-params"`` and ``key`` = the URL parameter name, so a teacher's link reproduces the
view. Before the widget is created it reads the RAW URL value from ``st.query_params`` and
validates it: wrong type, out of range, empty or repeated values are replaced by a safe value
(clamped into range, or the default) and a visible ``st.warning`` names the parameter. Streamlit
itself would silently drop such values; these helpers make that visible, and write the corrected
value back into the URL (one rerun). Valid values are left to Streamlit's own binding.

    bound_slider(label, min_value, max_value, default, key, step=None, *, help=None,
                 format=None, container=None) -> int | float
        int slider if min/max/default/step are all ints, else float slider.
    bound_select(label, options, default, key, *, help=None, format_func=str,
                 container=None, radio=False) -> option
        the URL carries format_func(option) (default str(option)); keep those short and readable.
    bound_toggle(label, default, key, *, help=None, container=None) -> bool
        URL values "true" / "false" (any case).
    bound_text(label, default, key, *, max_chars=200, help=None, container=None,
               area=False) -> str
        Over-long values are cut to max_chars with a note; control characters are removed.

    url_notes() -> list[str]      the notes shown by bound_* on this run (for tests / summaries)
    url_notes_banner(container=None)  one line in the main area when any URL value was adjusted
                                  (the detailed notes sit beside the widgets, e.g. in the sidebar)
    begin_page()                  call first in a page that uses url_notes() / url_notes_banner()
    caption(text)                 the "what to look at" note beside a chart
    show_error(exc, what="")      a clear message for a bad setting (ValueError) or a generic one
                                  for anything else (details go to the server log, never a traceback)
    trained_result(container=None) -> CompareResult | None
                                  the session's Train and compare result; a `run=<id>` in the URL that the
                                  session does not hold is loaded from the server's run store first (F5,
                                  a shared link), with a note when the store does not have it
    client_keys()                 (('session', id), ('address', ip or None)): who asks, for the training
                                  queue's one-at-a-time-per-person rule (lstm_core.compare)
    plot(fig, key=None, narrow=None)  a chart (pages/_chart.py) with the app's settings (full width, no
                                  mode bar), updated in place; the element key becomes "chart_<key>"
                                  (never clashes with URL keys); narrow: the figure for a phone

``container`` is any Streamlit container (st.sidebar, a column); default the main area.
"""

from __future__ import annotations

import contextlib
import html
import logging

import streamlit as st
from streamlit.errors import StreamlitAPIException
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lstm_core.experiments import comparison_runs
from pages._chart import chart
from pages._text import code, inert
from pages._url_values import check_choices, check_number, clean_text, last_value, number_fits

_LOG = logging.getLogger("lstm_lab")
_NOTES_KEY = "_ui_url_notes"
_PAGE_KEY, _ENTERED_KEY = "_ui_page", "_ui_entered_page"
_FIXES_KEY = "_ui_url_fixes"   # {key: {"value", "note"}}: URL values corrected on this visit to the page
TRAINED_RESULT = "tc_result"   # session key of the latest Train and compare result (a CompareResult), read by other pages
RUN_PARAM = "run"              # URL parameter naming a stored Train and compare run (lstm_core.experiments.comparison_runs)


# ----------------------------------------------------------------------------- notes


def url_notes() -> list[str]:
    """Notes about rejected / clamped URL parameters shown on the current run."""
    return list(st.session_state.get(_NOTES_KEY, {}).values())


def begin_page() -> None:
    """Call first thing in every page script: starts this run's list of URL notes (so notes about another
    page's URL, or an earlier run, are never shown), and notes whether this run opens the page (a link, a
    navigation) or reruns it (a widget moved): on opening, the URL's values win (see _seed)."""
    st.session_state[_NOTES_KEY] = {}
    ctx = get_script_run_ctx()
    page = ctx.page_script_hash if ctx is not None else None
    st.session_state[_ENTERED_KEY] = st.session_state.get(_PAGE_KEY) != page     # opened, not rerun
    st.session_state[_PAGE_KEY] = page
    if st.session_state[_ENTERED_KEY]:
        st.session_state[_FIXES_KEY] = {}


def _seed(key: str, safe, problem: str | None) -> None:
    """Put the URL's (checked) value into the widget's state when it had to be adjusted, or when the page was
    just opened (otherwise the widget would keep the value an earlier visit left and rewrite the URL: a
    classroom preset opened after another would carry the other's settings)."""
    if problem or st.session_state.get(_ENTERED_KEY, False):
        st.session_state[key] = safe


def _correct_url(key: str, safe, problem: str | None, default, url_text: str) -> None:
    """Before a bound widget whose URL value was corrected (?T=2000 -> 1000): put the corrected value in the URL
    and rerun once (Streamlit's binding drops a value it cannot use and never writes one set in session state
    before the widget's first run; a rerun starts from the current URL, so the widget is seeded from it). A
    default stays out of the URL, as Streamlit keeps it. The note is kept for _keep_note."""
    fixes = st.session_state.setdefault(_FIXES_KEY, {})
    if not problem or fixes.get(key, {}).get("value") == safe:
        return
    fixes[key] = {"value": safe, "note": problem}
    if safe == default:
        return
    try:
        st.query_params[key] = url_text
    except StreamlitAPIException:     # already bound on this run: the widget's own value is in the URL
        return
    st.rerun()


def _keep_note(container, key: str, problem: str | None, value, used=None) -> None:
    """After a bound widget: its note (_settle), also on later runs while it shows the corrected value."""
    fixes = st.session_state.get(_FIXES_KEY, {})
    if problem is None and key in fixes:
        if value == fixes[key]["value"]:
            problem = fixes[key]["note"]
        else:
            fixes.pop(key)           # moved since: the URL says what the widget shows
    _settle(container, key, problem, used)


def url_notes_banner(container=None) -> None:
    """If any bound widget adjusted its URL value on this run, say so in the main area too."""
    keys = list(st.session_state.get(_NOTES_KEY, {}))
    if keys:
        names = ", ".join(f"`{k}`" for k in keys)
        (container or st).warning(f"This link had settings that could not be used as given ({names}); "
                                  "they were adjusted — see the notes beside the controls.", icon=":material/link:")


def _note(container, key: str, text: str) -> None:
    """Show a visible warning about URL parameter ``key`` and remember it for url_notes()."""
    notes = st.session_state.setdefault(_NOTES_KEY, {})
    notes[key] = text
    (container or st).warning(text, icon=":material/link:")


def _clear_note(key: str) -> None:
    st.session_state.get(_NOTES_KEY, {}).pop(key, None)


def _settle(container, key: str, problem: str | None, used: str | None = None) -> None:
    """After a bound widget is drawn: note what was wrong with its URL value (and what is used
    instead), or clear an old note for it."""
    if problem:
        _note(container, key, f"URL parameter `{key}`: {problem}." + (f" Using {key}={used}." if used is not None else ""))
    else:
        _clear_note(key)


def _raw(key: str) -> list[str] | None:
    """The raw URL values of parameter ``key`` (a list; None when the URL does not have it)."""
    try:
        values = st.query_params.get_all(key)
    except Exception:  # noqa: BLE001 - a broken query string must never take the page down
        return None
    return list(values) if values else None


# ----------------------------------------------------------------------------- number sliders


def _number_url(v) -> str:
    """A number as Streamlit's binding writes it into the URL (5.0 -> "5")."""
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def _fit_carried_value(key: str, fits) -> None:
    """A value already in session state for ``key`` (kept from another page that uses the same
    key, or from an earlier run with other limits) that this widget cannot show is dropped, so
    the widget starts from its default instead of raising."""
    if key in st.session_state and not fits(st.session_state[key]):
        del st.session_state[key]


def bound_slider(label: str, min_value, max_value, default, key: str, step=None, *, help=None,
                 format=None, container=None):
    """A slider bound to URL parameter ``key``; hostile URL values are clamped with a note."""
    is_int = all(isinstance(v, int) and not isinstance(v, bool) for v in (min_value, max_value, default)) and (
        step is None or isinstance(step, int))
    if not is_int:
        min_value, max_value, default = float(min_value), float(max_value), float(default)
        step = float(step) if step is not None else None
    _fit_carried_value(key, lambda v: number_fits(v, min_value, max_value, is_int))
    raw = _raw(key)
    problem = None
    if raw is not None:
        safe, problem = check_number(raw, min_value, max_value, default, is_int, step)
        _seed(key, safe, problem)
        _correct_url(key, safe, problem, default, _number_url(safe))
    where = container or st
    value = where.slider(label, min_value, max_value, default, step=step, key=key, help=help, format=format,
                         bind="query-params")
    _keep_note(container, key, problem, value, value)
    return value


# ----------------------------------------------------------------------------- select / multiselect / toggle / text


def bound_select(label: str, options, default, key: str, *, help=None, format_func=str, container=None,
                 radio: bool = False):
    """A selectbox (or radio) bound to URL parameter ``key``. Unknown URL values fall back to default."""
    options = list(options)
    if default not in options:
        raise ValueError(f"default {default!r} is not one of the options {options}")
    _fit_carried_value(key, lambda v: any(v is o or (type(v) is type(o) and v == o) for o in options))
    raw = _raw(key)
    problem = None
    if raw is not None:
        names = [str(format_func(o)) for o in options]      # the URL carries format_func(option)
        last, problems = last_value(raw)
        if last in names:
            safe = options[names.index(last)]
        else:
            shown = ", ".join(code(n) for n in names[:8]) + (", …" if len(names) > 8 else "")
            problems.append(f"{code(last)} is not one of: {shown}")
            safe = default
        problem = "; ".join(problems) or None
        _seed(key, safe, problem)
        _correct_url(key, safe, problem, default, str(format_func(safe)))
    where = container or st
    widget = where.radio if radio else where.selectbox
    value = widget(label, options, index=options.index(default), key=key, help=help, format_func=format_func,
                   bind="query-params")
    _keep_note(container, key, problem, value, value)
    return value


def bound_toggle(label: str, default: bool, key: str, *, help=None, container=None) -> bool:
    """A toggle bound to URL parameter ``key`` (values true/false)."""
    _fit_carried_value(key, lambda v: isinstance(v, bool))
    raw = _raw(key)
    problem = None
    if raw is not None:
        last, problems = last_value(raw)
        word = last.strip().lower()
        if word in ("true", "false"):
            safe = word == "true"
        else:
            problems.append(f"{code(last)} is not `true` or `false`")
            safe = bool(default)
        problem = "; ".join(problems) or None
        _seed(key, safe, problem)
        _correct_url(key, safe, problem, bool(default), str(safe).lower())
    where = container or st
    value = where.toggle(label, value=bool(default), key=key, help=help, bind="query-params")
    _keep_note(container, key, problem, value, str(value).lower())
    return value


def bound_multiselect(label: str, options, default, key: str, *, help=None, format_func=str, container=None,
                      max_selections: int | None = None) -> list:
    """A multiselect bound to URL parameter ``key`` (?key=A&key=B, the options' shown names). Unknown or
    repeated URL values are dropped with a note (check_choices); when none is usable, the default is used.
    `?key=` chooses nothing."""
    options, default = list(options), list(default)
    if any(d not in options for d in default):
        raise ValueError(f"default {default!r} is not a subset of the options {options}")
    _fit_carried_value(key, lambda v: isinstance(v, list) and all(
        any(x is o or (type(x) is type(o) and x == o) for o in options) for x in v)
        and (not max_selections or len(v) <= max_selections))
    raw = _raw(key)
    problem = None
    if raw is not None:
        kept, problem = check_choices(raw, [str(format_func(o)) for o in options], max_selections)
        _seed(key, [options[i] for i in kept] if kept or raw == [""] else default, problem)
    where = container or st
    value = where.multiselect(label, options, default=default, key=key, help=help, format_func=format_func,
                              max_selections=max_selections, bind="query-params")
    _settle(container, key, problem, ", ".join(str(format_func(v)) for v in value) or "(none)")
    return value


def bound_text(label: str, default: str, key: str, *, max_chars: int = 200, help=None, container=None,
               area: bool = False) -> str:
    """A text input bound to URL parameter ``key``; over-long or control-character values are cleaned."""
    _fit_carried_value(key, lambda v: isinstance(v, str))
    raw = _raw(key)
    problem = None
    if raw is not None:
        last, problems = last_value(raw)
        safe, text_problems = clean_text(last, max_chars)
        problems += text_problems
        problem = "; ".join(problems) or None
        _seed(key, safe, problem)
        _correct_url(key, safe, problem, default, safe)
    where = container or st
    widget = where.text_area if area else where.text_input
    value = widget(label, value=default, key=key, max_chars=max_chars, help=help, bind="query-params")
    value, _ = clean_text(value or "", max_chars)
    _keep_note(container, key, problem, value)
    return value


# ----------------------------------------------------------------------------- captions, errors, plots


def caption(text: str, container=None) -> None:
    """The short "what to look at" note beside a chart."""
    (container or st).caption(":material/visibility: " + text)


def bullets(sentences, container=None) -> None:
    """Sentences as one bulleted list: one element, not one per sentence (each element is re-rendered in the
    browser on every rerun)."""
    sentences = list(sentences)
    if sentences:
        (container or st).markdown("\n".join(f"- {s}" for s in sentences))


KEY_NUMBERS_CSS = (
    "<style>.lab-numbers{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem 1.5rem;"
    "margin:.25rem 0 1rem}.lab-numbers .label,.lab-numbers .note{font-size:.875rem;color:rgba(49,51,63,.7);"
    "line-height:1.35}.lab-numbers .value{font-size:1.75rem;line-height:1.25;overflow-wrap:anywhere}</style>")


def key_numbers(items, container=None) -> None:
    """Key numbers, each (label, value) or (label, value, note), as one element: a grid that wraps its labels
    where st.metric would cut them ("RNN spectral radi…" on a projector) and one element to re-render per rerun
    instead of a row of columns and metrics. Every text is escaped."""
    cells = []
    for label, value, *note in items:
        cells.append(f'<div><div class="label">{html.escape(str(label))}</div>'
                     f'<div class="value">{html.escape(str(value))}</div>'
                     + (f'<div class="note">{html.escape(str(note[0]))}</div>' if note and note[0] else "") + "</div>")
    if cells:
        (container or st).html(KEY_NUMBERS_CSS + '<div class="lab-numbers">' + "".join(cells) + "</div>")


def show_error(exc: BaseException, what: str = "", container=None) -> None:
    """A clear on-page message instead of a traceback.

    ValueError (our core's "bad setting" errors, whose messages name the problem) is shown as
    plain text (pages._text.inert: the message may quote what a user typed or uploaded);
    anything else is logged with its traceback on the server and shown as a generic message.
    """
    where = container or st
    prefix = f"{what}: " if what else ""
    if isinstance(exc, ValueError):
        where.error(f"{prefix}{inert(exc, 600)}", icon=":material/error:")
    else:
        _LOG.exception("unexpected error%s", f" in {what}" if what else "", exc_info=exc)
        where.error(f"{prefix}something went wrong ({type(exc).__name__}). Try other settings; "
                    "the details are in the server log.", icon=":material/error:")


def trained_result(container=None):
    """The session's Train and compare result (a CompareResult, or None). When the URL names a stored run
    (`run=<id>`) that the session does not hold, it is loaded from the server's run store first and
    becomes the session's result: a reload or a shared link shows the same run without training. A run
    the store does not have (evicted, trained on another server) or cannot read gets a note."""
    raw = _raw(RUN_PARAM)
    res = st.session_state.get(TRAINED_RESULT)
    if not raw or (res is not None and res.id == raw[-1]):
        return res
    rid = raw[-1]
    try:
        loaded = comparison_runs.load_comparison(rid)
    except ValueError as e:
        (container or st).warning(f"The trained run {code(rid)} in this link cannot be used: {inert(e, 400)}",
                                  icon=":material/link:")
        return res
    except OSError as e:      # an unreadable store directory: the page still works without it
        _LOG.warning("run store unreadable: %s", e)
        loaded = None
    if loaded is None:
        (container or st).warning(
            f"The trained run {code(rid)} in this link is not on this server (runs are kept until the store "
            "needs room, and each server has its own). Train and compare can train the link's settings again: "
            "training is deterministic, so the same settings give the same run.", icon=":material/link:")
        return res
    st.session_state[TRAINED_RESULT] = loaded
    return loaded


def client_keys() -> tuple:
    """This browser session and its client address (None on loopback or in tests), as owner keys
    for lstm_core.compare.TrainingSlots.hold. The address comes from the WebSocket connection
    (st.context.ip_address); behind a proxy it is the proxy's."""
    ctx = get_script_run_ctx()
    return (("session", ctx.session_id if ctx else None), ("address", st.context.ip_address))


def plot(fig, key: str | None = None, container=None, narrow=None) -> None:
    """A chart with the app's settings (pages/_chart.py): full width, no plotly mode bar, updated in place.

    The mode bar is always shown on touch screens, where it sat on the chart titles (the browser test's
    overlap check at 390x844); dragging still zooms and a double click resets. ``key`` is prefixed with
    "chart_" so it can never collide with a widget's URL parameter name; ``narrow`` is the figure drawn
    instead on a phone (a viewport under pages/_chart.py's NARROW_BELOW px).
    """
    with container if container is not None else contextlib.nullcontext():   # no extra block per chart
        chart(fig, key=f"chart_{key}" if key else None, narrow=narrow,
              config={"displaylogo": False, "displayModeBar": False})
