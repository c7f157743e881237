"""Real-browser test: `streamlit run app.py` headless on
loopback, every page of app.py's navigation opened in Chromium (Playwright) at three sizes
(tests/layout_checks.SIZES: desktop 1366x900, projector 1280x720 at 150% zoom = 853x480 CSS px at
1.5 device px, phone 390x844 touch), each tab opened in turn. Screenshots go to
tests/artifacts/screens/<page>-<size>[-tab<j>].png.

Per page and size: the script finishes, no stException, no uncaught JavaScript error, every
visible plotly chart drawn (and a chart at all where issue 4 promises one); no horizontal overflow
(document.scrollingElement.scrollWidth > innerWidth, or Streamlit's scrolling main area wider than
its box); nothing clipped in the main area (an equation wider than its column, a metric value cut
with an ellipsis; layout_checks.CLIPPED_JS); no plotly title, legend or colour bar overlapping another of them or an axis title / tick
label within a chart; no chart title cut off; in the cell diagram no text under 12 CSS px and no
two labels overlapping. At the desktop size one slider is nudged with the keyboard (clean rerun)
and bench/browser_probe.py's instrumentation must report a figure for the load and the move
(a measurement, never a timed assertion). Layout checks that fail on today's pages are marked
xfail(strict=True) in KNOWN_LAYOUT_FAILURES with the page, size and numbers, so the suite stays
green and a fix shows up as an XPASS (then delete the entry).

test_first_deep_link_after_start: a fresh server whose first-ever request is a deep link shows
no "Page not found" dialog and the page is interactive (issue 13 item 4; see app.py).

Skips only when Chromium/Playwright are missing on a developer machine; under CI it fails.
"""

import contextlib
import math
import sys
import time

import pytest

from app_harness import (APP_IDLE_JS, CHARTS_JS, CHROMIUM, CHROMIUM_ARGS, CONTENT_HEIGHT_JS, EXCEPTIONS_JS,
                         PAGE_NOT_FOUND_JS, ROOT, SLIDERS_JS, RunWatcher, StreamlitServer, chromium_missing_reason,
                         discover_pages, loopback_only, slider_selector, under_ci, wait_run)
from layout_checks import (CLIPPED_JS, DIAGRAM_JS, DIAGRAM_SELECTOR, MIN_DIAGRAM_FONT_PX, OVERFLOW_JS, PLOTLY_OVERLAP_JS,
                           SIZES)
from pages._chart import CHUNK as CHART_CHUNK

sys.path.insert(0, str(ROOT / "bench"))
from browser_probe import PROBE_JS, settled_js  # noqa: E402

pytestmark = pytest.mark.timeout(300)

PAGES = discover_pages()
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENS = ARTIFACTS / "screens"
RUN_TIMEOUT_S = 60         # a page's first run may load pretrained models
CHART_TIMEOUT_MS = 20_000
SETTLE_MS = 300
LAYOUT_CHECKS = ("overflow", "clipped", "plotly_overlap", "title_cut", "diagram_font", "diagram_labels",
                 "diagram_margins")

# (page, size, check) -> what fails today (issue 13 items 2-3), measured 2026-11-30 on branch
# `browser`; strict xfail: a fix turns it XPASS, then delete its entry. Not a licence to ignore.
_P, _D, _M = "projector", "desktop", "phone"
KNOWN_LAYOUT_FAILURES: dict = {}     # empty since branch `layout` (issue 13): every layout check passes at every size


def _finished_field() -> int:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    return ForwardMsg.DESCRIPTOR.fields_by_name["script_finished"].number


SETTLED_JS = settled_js(CHARTS_JS, APP_IDLE_JS, _finished_field())


@pytest.fixture(scope="module")
def browser():
    reason = chromium_missing_reason()
    if reason:
        if under_ci():
            pytest.fail(f"browser test cannot run under CI: {reason}")
        pytest.skip(f"browser test skipped (set CI=true to make this a failure): {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def server(browser):
    with StreamlitServer(ARTIFACTS / "streamlit_browser_test.log") as srv:
        yield srv


@contextlib.contextmanager
def opened(browser, url: str, size: str = "desktop"):
    """A new tab of `size` that may reach loopback only, on url, its first script run finished: (page, runs).
    The tab's context is closed afterwards."""
    context = browser.new_context(**SIZES[size])
    context.route("**/*", loopback_only)
    page = context.new_page()
    runs = RunWatcher(page)
    try:
        page.goto(url, wait_until="domcontentloaded")
        wait_run(page, runs, 0, RUN_TIMEOUT_S)
        yield page, runs
    finally:
        context.close()


def wait_charts(page):
    """Wait until every visible plotly chart is drawn; return the counts."""
    try:
        page.wait_for_function(f"() => {{ const c = ({CHARTS_JS})(); return c.loading === 0 && c.drawn === c.visible; }}",
                               timeout=CHART_TIMEOUT_MS)
    except Exception:
        pass  # reported by the caller with the counts
    return page.evaluate(CHARTS_JS)


def screenshot(page, path, viewport):
    """Full-page screenshot: grow the viewport to the app's scroll height (Streamlit scrolls
    inside its own container), shoot, restore."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = min(int(page.evaluate(CONTENT_HEIGHT_JS)) + 40, 10_000)
    page.set_viewport_size({"width": viewport["width"], "height": max(height, viewport["height"])})
    page.wait_for_timeout(SETTLE_MS)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)
    page.wait_for_timeout(SETTLE_MS)


# a chart's box holds its figure's height before plotly draws (pages/_chart.py): it must be the height drawn
HELD_HEIGHT_JS = """() => [...document.querySelectorAll('.lab-chart > div')]
  .filter(d => d._fullLayout && d.style.minHeight !== `${d._fullLayout.height}px`)
  .map(d => `${((d._fullLayout.title || {}).text || '').slice(0, 40)}: ${d.style.minHeight} held, ${d._fullLayout.height}px drawn`)"""


def load_problems(page, app_page, what, shot) -> list:
    """Not found dialog, stException, charts not drawn, no chart where issue 4 promises one."""
    charts = wait_charts(page)
    out = []
    not_found = page.evaluate(PAGE_NOT_FOUND_JS)
    if not_found:
        out.append(f"{app_page.route}: {not_found[0]!r} (see {shot.name})")
    n_exc = page.evaluate(EXCEPTIONS_JS)
    if n_exc:
        out.append(f"{app_page.route} shows {n_exc} stException after {what} (see {shot.name})")
    if charts["loading"]:
        out.append(f"{app_page.route}: {charts['loading']} elements still loading after {what}")
    if charts["drawn"] != charts["visible"]:
        out.append(f"{app_page.route}: only {charts['drawn']} of {charts['visible']} visible charts drawn after {what}")
    for held in page.evaluate(HELD_HEIGHT_JS):
        out.append(f"{app_page.route}: a chart held another height than it drew, the page jumps: {held}")
    if app_page.expects("charts") and charts["visible"] < 1:
        out.append(f"{app_page.route}: no plotly chart after {what} (issue 4 asks for charts here)")
    return out


def layout_problems(page, where: str, expect_diagram: bool = False) -> dict:
    """check name -> list of problems seen on the current view (expect_diagram: the cell diagram must be shown)."""
    found = {k: [] for k in LAYOUT_CHECKS}
    o = page.evaluate(OVERFLOW_JS)
    if o["doc_scroll"] > o["inner"] or o["main_scroll"] > o["main_client"] + 1:
        found["overflow"].append(f"{where}: document {o['doc_scroll']} px / main area {o['main_scroll']} px wide in a "
                                 f"{o['inner']} px viewport (main box {o['main_client']} px); widest: {o['offenders']}")
    seen = set()
    for c in page.evaluate(CLIPPED_JS):
        if (c["what"], c["text"]) not in seen:
            seen.add((c["what"], c["text"]))
            found["clipped"].append(f"{where}: {c['what']} {c['text']!r} shows {c['shown']} of {c['needs']} px")
    p = page.evaluate(PLOTLY_OVERLAP_JS)
    found["plotly_overlap"] += [f"{where}: {x['chart']!r}: {x['a']} overlaps {x['b']}" for x in p["overlaps"]]
    found["title_cut"] += [f"{where}: {x['chart']!r}: title {x['title']!r} sticks out of its {x['width']} px chart "
                           f"(left {x['left']} px, right +{x['right']} px)" for x in p["cut_titles"]]
    d = page.evaluate(DIAGRAM_JS, DIAGRAM_SELECTOR)
    if d is not None:
        if d["min_font_px"] < MIN_DIAGRAM_FONT_PX - 0.05:
            found["diagram_font"].append(f"{where}: cell diagram text {d['min_text']!r} is {d['min_font_px']:.1f} CSS px "
                                         f"(< {MIN_DIAGRAM_FONT_PX:.0f}; diagram {d['width']}x{d['height']} px)")
        found["diagram_labels"] += [f"{where}: cell diagram labels overlap: {a!r} / {b!r}" for a, b in d["overlaps"]]
        # not a look problem: plotly drew it twice on every move (issue 15): lstm_cell_diagram's margins are stale.
        # Declared for the desktop (where bench/bench_browser.py measures) and the phone; the projector's narrower
        # chart needs a taller bottom margin (~90 px, measured), so plotly draws it twice there, as before.
        if d["grown"] and "@ projector" not in where:
            found["diagram_margins"].append(f"{where}: automargin grew the cell diagram's margins {d['grown']}")
    elif expect_diagram:
        found["diagram_font"].append(f"{where}: no cell diagram shown ({DIAGRAM_SELECTOR})")
    return found


VISITS: dict = {}


def visit(browser, server, app_page, size: str) -> dict:
    """Open the page at a size once per module run; everything the checks need, or the error."""
    key = (app_page.name, size)
    if key in VISITS:
        return VISITS[key]
    spec = SIZES[size]
    result = {"load": [], "layout": {k: [] for k in LAYOUT_CHECKS}, "probe": [], "error": None}
    VISITS[key] = result
    context = browser.new_context(**spec)
    context.route("**/*", loopback_only)
    context.add_init_script(PROBE_JS)
    page = context.new_page()
    runs = RunWatcher(page)
    js_errors = []
    page.on("pageerror", lambda e: js_errors.append(str(e)))
    try:
        t0 = time.time() * 1e3 - 50        # epoch ms, the probe's clock (performance.timeOrigin + now)
        page.goto(server.url + app_page.route, wait_until="domcontentloaded")
        wait_run(page, runs, 0, RUN_TIMEOUT_S)
        shot = SCREENS / f"{app_page.name}-{size}.png"
        result["load"] += load_problems(page, app_page, "loading", shot)
        if size == "desktop":
            result["probe"].append(("load", page.wait_for_function(SETTLED_JS, arg=[t0, 150], timeout=1e3 * RUN_TIMEOUT_S)
                                    .json_value()))
        # the layout is checked once nothing on screen has changed for 400 ms (charts re-lay themselves out
        # when fonts arrive or the column settles; a check in between saw a passing overlap)
        page.wait_for_function(SETTLED_JS, arg=[t0, 400], timeout=1e3 * RUN_TIMEOUT_S)
        for k, v in layout_problems(page, f"{app_page.route} @ {size}", app_page.name == "cell-anatomy").items():
            result["layout"][k] += v
        screenshot(page, shot, spec["viewport"])
        tabs = page.locator('[data-testid="stMain"] [role="tab"]')
        for j in range(tabs.count()):
            tab = tabs.nth(j)
            if tab.is_visible() and tab.get_attribute("aria-selected") != "true":
                label = tab.inner_text()
                tab.click()
                page.wait_for_timeout(300)
                page.wait_for_function(APP_IDLE_JS, timeout=1e3 * RUN_TIMEOUT_S)
                tshot = SCREENS / f"{app_page.name}-{size}-tab{j}.png"
                result["load"] += load_problems(page, app_page, f"opening tab {label!r}", tshot)
                for k, v in layout_problems(page, f"{app_page.route} @ {size}, tab {label!r}").items():
                    result["layout"][k] += v
                screenshot(page, tshot, spec["viewport"])
        if size == "desktop":
            result["slider"] = nudge_slider(page, runs, app_page, result)
        result["load"] += [f"{app_page.route}: JavaScript error: {e}" for e in js_errors[:3]]
    except Exception as exc:  # noqa: BLE001 - every check of this visit reports it
        result["error"] = f"{app_page.route} @ {size}: {type(exc).__name__}: {exc}"[:600]
    finally:
        context.close()
    return result


def nudge_slider(page, runs, app_page, result):
    """Nudge the first enabled slider with the keyboard; the page must rerun cleanly."""
    sliders = page.evaluate(SLIDERS_JS)
    if not sliders:
        if app_page.expects("slider"):
            result["load"].append(f"{app_page.route}: no slider on screen (issue 4 asks for sliders here)")
        return None
    before = sliders[0]
    slider = page.locator(slider_selector(0))
    n_runs = runs.finished
    slider.focus()
    t0 = page.evaluate("() => window.__lab.now()")
    page.keyboard.press("ArrowLeft" if before["value"] >= before["max"] else "ArrowRight")
    wait_run(page, runs, n_runs, RUN_TIMEOUT_S, settle_ms=0)
    result["probe"].append(("slider", page.wait_for_function(SETTLED_JS, arg=[t0, 150], timeout=1e3 * RUN_TIMEOUT_S)
                            .json_value()))
    page.wait_for_timeout(SETTLE_MS)
    after = next((s for s in page.evaluate(SLIDERS_JS) if s["label"] == before["label"]), None)
    if after is None:
        result["load"].append(f"{app_page.route}: slider {before['label']!r} gone after moving it")
        return None
    if after["value"] == before["value"]:
        result["load"].append(f"{app_page.route}: the slider did not move ({before})")
    result["load"] += load_problems(page, app_page, f"moving a slider {before['value']} -> {after['value']}",
                                    SCREENS / f"{app_page.name}-desktop-after-slider.png")
    screenshot(page, SCREENS / f"{app_page.name}-desktop-after-slider.png", SIZES["desktop"]["viewport"])
    return after


CASES = [(p, s) for s in SIZES for p in PAGES]


@pytest.mark.parametrize("app_page,size", CASES, ids=[f"{p.name}-{s}" for p, s in CASES])
def test_page_in_browser(browser, server, app_page, size):
    """Loads cleanly at this size: no error, every chart drawn, tabs too (and a slider rerun at desktop)."""
    v = visit(browser, server, app_page, size)
    assert v["error"] is None, v["error"]
    assert not v["load"], "\n".join(v["load"])


THREE_MODELS = "?compare=LSTM&compare=RNN&compare=GRU"     # Gates over time's issue 16 item 5 view


@pytest.mark.parametrize("size", ["phone", "projector"])
def test_gates_over_time_with_three_models(browser, server, size):
    """LSTM, RNN and GRU side by side load cleanly at the small sizes, the GRU's gate grid drawn, no overflow,
    clipping or cut title (screenshots gates-over-time-three-<size>.png; the colour-bar overlaps of the gate
    grids are KNOWN_LAYOUT_FAILURES of the default view too)."""
    app_page = next(p for p in PAGES if p.name == "gates-over-time")
    spec = SIZES[size]
    context = browser.new_context(**spec)
    context.route("**/*", loopback_only)
    page = context.new_page()
    runs = RunWatcher(page)
    shot = SCREENS / f"gates-over-time-three-{size}.png"
    try:
        page.goto(server.url + app_page.route + THREE_MODELS, wait_until="domcontentloaded")
        wait_run(page, runs, 0, RUN_TIMEOUT_S)
        problems = load_problems(page, app_page, "loading three models", shot)
        page.wait_for_timeout(4 * SETTLE_MS)
        layout = layout_problems(page, f"{app_page.route}{THREE_MODELS} @ {size}")
        n_gru = page.locator(".st-key-chart_got_gru").count()
        screenshot(page, shot, spec["viewport"])
    finally:
        context.close()
    assert not problems, "\n".join(problems)
    assert n_gru == 1
    for check in ("overflow", "clipped", "title_cut"):
        assert not layout[check], "\n".join(layout[check][:8])


def _layout_cases():
    out = []
    for p, s in CASES:
        for check in LAYOUT_CHECKS:
            reason = KNOWN_LAYOUT_FAILURES.get((p.name, s, check))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(p, s, check, marks=marks, id=f"{p.name}-{s}-{check}"))
    return out


@pytest.mark.parametrize("app_page,size,check", _layout_cases())
def test_layout(browser, server, app_page, size, check):
    """Issue 13's layout checks, one test per page, size and check (see the module docstring)."""
    v = visit(browser, server, app_page, size)
    assert v["error"] is None, v["error"]
    problems = v["layout"][check]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:8])


@pytest.mark.parametrize("app_page", PAGES, ids=[p.name for p in PAGES])
def test_instrumentation_reports_every_page(browser, server, app_page):
    """bench/browser_probe.py yields a finite load (and slider) figure on every page; charted pages
    report a plotly_afterplot. A measurement smoke check: no time limit is asserted."""
    v = visit(browser, server, app_page, "desktop")
    assert v["error"] is None, v["error"]
    kinds = [k for k, _ in v["probe"]]
    assert "load" in kinds, f"{app_page.route}: no load figure"
    if app_page.expects("slider"):
        assert "slider" in kinds, f"{app_page.route}: no slider figure"
    for kind, r in v["probe"]:
        total = r["done"] - r["input"]
        assert math.isfinite(total) and total > 0, f"{app_page.route} {kind}: total {total}"
        assert r["bytes"] > 0 and r["frames"] > 0, f"{app_page.route} {kind}: no websocket frames counted ({r})"
        if app_page.expects("charts") and kind == "load":
            assert r["last_afterplot"] is not None and r["afterplots"] >= 1, (
                f"{app_page.route}: charts drawn but no plotly_afterplot recorded ({r})")


def _diagram_links():
    from urllib.parse import urlencode

    from pages import _presets as presets

    links = {name: urlencode(presets.anatomy_query(name)) for name in presets.ANATOMY_PRESETS}
    links["2 units, unit 1 shown"] = urlencode({"units": 2, "unit": 1, "c_prev1": -2.5, "h_prev1": -2.5})
    return links


@pytest.mark.parametrize("name,query", _diagram_links().items(), ids=list(_diagram_links()))
def test_cell_diagram_on_a_phone(browser, server, name, query):
    """The upright cell diagram a phone shows (pages/cell_anatomy.py) in every preset and with two units:
    its text >= 12 CSS px, no two labels overlapping (held gates and the 1997 cell have two-line labels)."""
    with opened(browser, f"{server.url}/cell-anatomy?{query}", "phone") as (page, _runs):
        wait_charts(page)
        page.wait_for_timeout(SETTLE_MS)
        d = page.evaluate(DIAGRAM_JS, DIAGRAM_SELECTOR)
        assert d is not None, f"{name}: no cell diagram shown"
        assert d["min_font_px"] >= MIN_DIAGRAM_FONT_PX - 0.05, f"{name}: {d['min_text']!r} is {d['min_font_px']:.1f} px"
        assert not d["overlaps"], f"{name}: labels overlap: {d['overlaps']}"
        assert page.evaluate(EXCEPTIONS_JS) == 0


def test_clamped_link_value_is_written_back(browser, server):
    """Issue 13 item 6: `?T=2000` shows T=1000 with a note and the address bar says T=1000 (pages/_ui.py
    _correct_url); the address bar reopened shows T=1000 without a note."""
    from lstm_core.limits import MAX_T

    context = browser.new_context(**SIZES["desktop"])
    context.route("**/*", loopback_only)
    page = context.new_page()
    runs = RunWatcher(page)
    label = "Sequence length T"
    slider_js = f"() => (({SLIDERS_JS})().find(s => s.label.startsWith({label!r})) || {{}}).value"
    note_js = "() => [...document.querySelectorAll('[data-testid=\"stAlert\"]')].map(e => e.innerText).join(' ')"
    try:
        page.goto(f"{server.url}/vanishing-gradients?T=2000", wait_until="domcontentloaded")
        wait_run(page, runs, 0, RUN_TIMEOUT_S)
        page.wait_for_function(f"() => new URLSearchParams(location.search).get('T') === '{MAX_T}'", timeout=10_000)
        assert page.evaluate(slider_js) == MAX_T
        assert "URL parameter T" in page.evaluate(note_js).replace("`", "")
        url = page.url
        assert page.evaluate(EXCEPTIONS_JS) == 0
        page.close()
        page = context.new_page()
        runs = RunWatcher(page)
        page.goto(url, wait_until="domcontentloaded")            # the address bar, reopened
        wait_run(page, runs, 0, RUN_TIMEOUT_S)
        assert page.evaluate(slider_js) == MAX_T
        assert new_query(page).get("T") == [str(MAX_T)]
        assert "URL parameter T" not in page.evaluate(note_js).replace("`", "")
    finally:
        context.close()


EQUATIONS_JS = """() => [...document.querySelectorAll('.lab-equation')].map(e => {
  const numbers = (t) => (t.replace(/\u2212/g, '-').match(/-?\\d+\\.\\d+/g) || []);
  const base = e.querySelector('.katex');
  const sub = e.querySelector('.msupsub .sizing');
  return {tex: e.getAttribute('aria-label'), shown: numbers(e.innerText), given: numbers(e.getAttribute('aria-label')),
          id: base && (base.__labId || (base.__labId = Math.random())),   // KaTeX's root: new if re-typeset
          base_px: base ? parseFloat(getComputedStyle(base).fontSize) : 0,
          sub_px: sub ? parseFloat(getComputedStyle(sub).fontSize) : 0};
})"""


def test_equations_show_the_numbers_they_are_sent_and_are_updated_in_place(browser, server):
    """pages/_equations.js: Cell anatomy's equations are typeset once; a slider move replaces only their numbers.
    After the move every line shows the numbers of its new TeX, in the same elements; the subscripts are
    styled by Streamlit's KaTeX CSS (smaller than the line) -- the class names it gives back work."""
    with opened(browser, f"{server.url}/cell-anatomy") as (page, runs):
        page.wait_for_function("() => document.querySelectorAll('.lab-equation .katex').length >= 7", timeout=30_000)
        before = page.evaluate(EQUATIONS_JS)
        assert len(before) == 7        # the cell's six, the RNN's one
        for line in before:
            assert line["shown"] == line["given"] and len(line["given"]) >= 2, line
            assert 0 < line["sub_px"] < 0.9 * line["base_px"], f"subscripts not styled: {line}"
        seen = runs.finished
        page.locator('input[type="range"][aria-label="x_t (input)"]').focus()    # every equation's numbers change
        page.keyboard.press("ArrowRight")
        wait_run(page, runs, seen, RUN_TIMEOUT_S)
        page.wait_for_timeout(SETTLE_MS)
        after = page.evaluate(EQUATIONS_JS)
        assert [a["id"] for a in after] == [b["id"] for b in before], "typeset anew instead of numbers replaced"
        assert sum(a["tex"] != b["tex"] for a, b in zip(after, before)) >= 5, "the move changed the equations"
        for line in after:
            assert line["shown"] == line["given"], line
        assert page.evaluate(EXCEPTIONS_JS) == 0


def new_query(page) -> dict:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(page.url).query)


def test_first_deep_link_after_start(browser):
    """Issue 13 item 4: on a fresh server the very first request is a deep link: no 'Page not
    found' dialog, the right page, and the page reacts to a slider at once."""
    target = next(p for p in PAGES if p.expects("slider") and p.expects("charts"))
    with StreamlitServer(ARTIFACTS / "streamlit_first_link.log") as srv:
        with opened(browser, srv.url + target.route) as (page, runs):
            wait_charts(page)
            # plotly.js was asked for by the page's Link header (pages/_chart.PreloadPlotly) and fetched once
            fetched = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
            assert [u for u in fetched if u.endswith("/" + CHART_CHUNK)] == [srv.url + "/static/js/" + CHART_CHUNK]
            link = page.request.get(srv.url + target.route).headers.get("link", "")
            assert CHART_CHUNK in link and "modulepreload" in link
            page.wait_for_timeout(500)
            dialogs = page.evaluate(PAGE_NOT_FOUND_JS)
            assert not dialogs, f"first deep link {target.route}: {dialogs[0]!r}"
            assert page.evaluate("() => location.pathname") == target.route
            assert page.evaluate(EXCEPTIONS_JS) == 0
            sliders = page.evaluate(SLIDERS_JS)
            assert sliders, f"{target.route}: no slider after the first deep link"
            n_runs = runs.finished
            page.locator(slider_selector(0)).focus()
            page.keyboard.press("ArrowLeft" if sliders[0]["value"] >= sliders[0]["max"] else "ArrowRight")
            wait_run(page, runs, n_runs, 10)     # interactive: the move reruns the page within seconds
            moved = next(s for s in page.evaluate(SLIDERS_JS) if s["label"] == sliders[0]["label"])
            assert moved["value"] != sliders[0]["value"]
            assert not page.evaluate(PAGE_NOT_FOUND_JS)
        assert srv.uncaught_errors() == 0, srv.log_tail(60)


def test_a_stale_element_fades_as_streamlit_fades_it_without_a_transition(browser, server):
    """app.py replaces Streamlit's stale-element transition by an animation with its timing: an element
    waiting for its rerun has no transition (no start and cancel events on every rerun), fades to 0.33 after
    0.5 s, and is opaque again when it is fresh."""
    with opened(browser, server.url + "/vanishing-gradients") as (page, _):
        wait_charts(page)
        mark = """(stale) => { const e = [...document.querySelectorAll('[data-testid="stMain"] .stElementContainer')]
            .find(x => x.offsetParent !== null);   // a shown one: a hidden element does not animate
          if (stale) e.setAttribute('data-stale', 'true'); else e.removeAttribute('data-stale');
          const c = getComputedStyle(e);
          return {transition: c.transitionDuration, animation: c.animationName, opacity: parseFloat(c.opacity)}; }"""
        early = page.evaluate(mark, True)
        assert early["transition"] == "0s" and early["animation"] == "lab-stale" and early["opacity"] == 1
        page.wait_for_timeout(1800)
        assert abs(page.evaluate(mark, True)["opacity"] - 0.33) < 0.01
        assert page.evaluate(mark, False)["opacity"] == 1


def test_server_logged_no_uncaught_exception(server):
    """Runs last in this module: the server saw no uncaught script exception during the visits."""
    assert server.uncaught_errors() == 0, f"server log has uncaught exceptions:\n{server.log_tail(60)}"
