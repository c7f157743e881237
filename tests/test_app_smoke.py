"""AppTest smoke test of every page in app.py's navigation: each renders on its defaults with no
exception, and survives hostile query parameters (wrong type, out of range, repeated, NaN,
script text, emoji, very long) with no exception and no traceback on screen.

Pages come from app.py (tests/app_harness.discover_pages); page-specific widget tests live with
the pages' own tests.
"""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app_harness import APP, discover_pages

PAGES = discover_pages()
RUN_TIMEOUT = 60  # s per script run; the first run of a page may load pretrained models

# Always sent, whatever the page binds (the names the app's settings are most likely to use).
GENERIC_PARAMS = {"T": "abc", "H": ["-5", "9"], "steps": "1e99", "sentence": "<script>alert(1)</script>"}
HOSTILE_VALUES = {
    "wrong type": "abc",
    "out of range, repeated": ["-1e99", "1e99"],
    "not finite": "nan",
    "markup, emoji, long": "<script>alert(1)</script> 🧠 " + "the keys " * 1500,
}


def walk(node):
    """Every element and block in an AppTest tree, depth first."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def open_page(page, query_params=None) -> AppTest:
    """A fresh session: run app.py (lands on the default page), then switch to `page` and run it
    with `query_params` in the URL."""
    at = AppTest.from_file(str(APP), default_timeout=RUN_TIMEOUT)
    at.run()
    assert not at.exception, f"default page raised before switching to {page.file}: {at.exception[0].proto.message}"
    if query_params:
        at.query_params = dict(query_params)
    if not page.default or query_params:
        at.switch_page(page.file)
        at.run()
    return at


def current_script(at: AppTest) -> Path:
    """The script the last run executed (AppTest keeps the st.navigation registry privately)."""
    info = at._registered_pages.get(at._finished_page_script_hash, {})
    return Path(info.get("script_path", "")).resolve()


def assert_clean(at: AppTest, page, what: str):
    assert current_script(at) == (APP.parent / page.file).resolve(), f"{what}: AppTest did not land on {page.file}"
    excs = [f"{e.proto.message}\n{''.join(e.proto.stack_trace)}" for e in at.exception]
    assert not excs, f"{page.file} raised on {what}:\n" + "\n---\n".join(excs)
    shown = [str(getattr(n, "value", "")) for n in walk(at.main) if n.type in ("markdown", "error", "warning", "info", "text", "code")]
    leaked = [s for s in shown if "Traceback (most recent call last)" in s]
    assert not leaked, f"{page.file} shows a traceback on {what}: {leaked[0][:500]}"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_renders_on_defaults(page):
    at = open_page(page)
    assert_clean(at, page, "defaults")
    assert len(list(walk(at.main))) > 1, f"{page.file} rendered nothing"


def bound_params(at: AppTest) -> set:
    """Query-param names the page binds (widgets with bind="query-params") or already shows in the URL."""
    keys = {getattr(n.proto, "query_param_key", "") for n in walk(at.main) if getattr(n, "proto", None) is not None}
    keys |= {getattr(n.proto, "query_param_key", "") for n in walk(at.sidebar) if getattr(n, "proto", None) is not None}
    return {k for k in keys | set(at.query_params) if k}


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_survives_hostile_query_params(page):
    keys = bound_params(open_page(page))
    for label, value in HOSTILE_VALUES.items():
        params = dict(GENERIC_PARAMS)
        params.update({k: value for k in keys})
        at = open_page(page, params)
        assert_clean(at, page, f"hostile query params ({label}: {sorted(params)})")
