"""Shared harness for the app-level tests and benches: which pages the app has, a real
`streamlit run` server on loopback, and the browser-side checks (app idle, charts drawn).

Used by tests/test_app_smoke.py, tests/test_browser.py, bench/bench_app.py, bench/load_test.py.
Pages are discovered from app.py's st.Page(...) calls, so the tests follow the navigation as it
changes; nothing here knows what a page contains.
"""

import ast
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

# What issue 4 promises per page (keyed by url path; pages not listed promise nothing).
# "charts": at least one plotly chart visible on the defaults; "slider": at least one slider.
EXPECT = {
    "cell-anatomy": {"charts": True, "slider": True},
    "gates-over-time": {"charts": True, "slider": True},
    "vanishing-gradients": {"charts": True, "slider": True},
    "train-and-compare": {"charts": False, "slider": True},
    "number-units": {"charts": True, "slider": True},
    "stacked-and-bidirectional": {"charts": True, "slider": True},
    "learning-to-forget": {"charts": True, "slider": True},
}
if str(ROOT) not in sys.path:   # bench scripts import this file from outside the project
    sys.path.insert(0, str(ROOT))
from pages._chart import COMPONENT_NAME as CHART_COMPONENT  # noqa: E402
from pages._equations import COMPONENT_NAME as EQUATIONS_COMPONENT  # noqa: E402

GOAL_PAGES = ("cell-anatomy", "gates-over-time", "vanishing-gradients")  # rerun p95 <= 100 ms


@dataclass(frozen=True)
class AppPage:
    """One st.Page of the app: its script (relative to app.py), url path ("" = default) and title."""

    file: str
    url_path: str
    title: str
    default: bool

    @property
    def name(self) -> str:
        """A file-name-safe id: the url path, or 'home' for the default page."""
        return self.url_path or "home"

    @property
    def route(self) -> str:
        """The browser path: '/' for the default page, else '/<url_path>'."""
        return "/" if self.default else "/" + self.url_path

    def expects(self, what: str) -> bool:
        return EXPECT.get(self.url_path, {}).get(what, False)


def _const(node):
    return node.value if isinstance(node, ast.Constant) else None


def discover_pages(app_path: Path = APP) -> list:
    """Every st.Page("file.py", ...) in app.py, in source order, as AppPage.

    Mirrors st.Page's own inference: url_path defaults to the file stem (icon/number prefix
    stripped), the title to the stem with '_' -> ' '; the default page is the one with
    default=True, else the first. Raises if a page is not a literal file path (then this
    discovery would silently miss pages)."""
    from streamlit.source_util import page_icon_and_name

    tree = ast.parse(app_path.read_text(), filename=str(app_path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        fn = node.func
        if not ((isinstance(fn, ast.Attribute) and fn.attr == "Page") or (isinstance(fn, ast.Name) and fn.id == "Page")):
            continue
        kw = {k.arg: k.value for k in node.keywords if k.arg}
        target = node.args[0] if node.args else kw.get("page")
        file = _const(target)
        if not isinstance(file, str) or not file.endswith(".py"):
            raise ValueError(f"app.py line {node.lineno}: st.Page target is not a literal .py path; "
                             "update tests/app_harness.discover_pages")
        stem = page_icon_and_name(Path(file))[1]
        url_path = _const(kw["url_path"]) if "url_path" in kw else stem
        title = _const(kw["title"]) if "title" in kw else stem.replace("_", " ")
        default = _const(kw["default"]) is True if "default" in kw else False
        found.append((node.lineno, node.col_offset, file, str(url_path).strip().strip("/"), title, default))
    found.sort()
    if not found:
        raise ValueError("no st.Page(...) calls found in app.py")
    if not any(f[5] for f in found):
        found[0] = found[0][:5] + (True,)
    pages = [AppPage(file=f, url_path=u, title=t, default=d) for _, _, f, u, t, d in found]
    for p in pages:
        if not (app_path.parent / p.file).is_file():
            raise FileNotFoundError(f"app.py names {p.file}, which does not exist")
    return pages


# ---------------------------------------------------------------- the real server

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StreamlitServer:
    """`streamlit run app.py` headless on 127.0.0.1:<free port>; a context manager that always
    stops the process it started. The server's output goes to `log_path`."""

    def __init__(self, log_path: Path, port: int = 0, extra_args=(), launcher: Path | None = None,
                 env: dict | None = None):
        """launcher: a script standing in for `python -m streamlit` (bench/timed_server.py);
        env: extra environment variables for the server."""
        self.launcher, self.env = launcher, dict(env or {})
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(log_path)
        self.extra_args = list(extra_args)
        self.proc = None

    def start(self, timeout: float = 90.0) -> "StreamlitServer":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        entry = [str(self.launcher)] if self.launcher else ["-m", "streamlit"]
        cmd = [sys.executable, *entry, "run", str(APP),
               "--server.headless", "true", "--server.address", "127.0.0.1", "--server.port", str(self.port),
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
               "--server.runOnSave", "false", *self.extra_args]
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True,
                                     env={**os.environ, **self.env})
        try:
            self.wait_healthy(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def wait_healthy(self, timeout: float) -> None:
        """Poll /_stcore/health until it answers 'ok'; raise with the log tail if it never does."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url + "/_stcore/health", timeout=2) as r:
                    if r.status == 200 and r.read().strip() == b"ok":
                        return
            except OSError:
                pass
            time.sleep(0.25)
        raise TimeoutError(f"streamlit not healthy after {timeout:.0f} s:\n{self.log_tail()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def log_tail(self, n: int = 40) -> str:
        return "\n".join(self.log_text().splitlines()[-n:])

    def uncaught_errors(self) -> int:
        """How many uncaught script exceptions the server logged."""
        return self.log_text().count("Uncaught app execution")

    def stop(self) -> None:
        """Terminate the server process (and its process group, which it leads); idempotent."""
        p = self.proc
        if p is not None and p.poll() is None:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                p.wait(5)
        if getattr(self, "_log", None):
            self._log.close()
            self._log = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def chromium_missing_reason():
    """None if the browser tests can run, else why not (Chromium or Playwright missing)."""
    if not os.path.exists(CHROMIUM):
        return f"{CHROMIUM} not found (apt-get install -y chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright (python) not installed (pip install -r requirements-dev.txt)"
    return None


def under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def loopback_only(route):
    """Playwright route handler: let requests to 127.0.0.1 through, abort everything else."""
    url = route.request.url
    if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:", "data:", "blob:", "about:")):
        return route.continue_()
    return route.abort()


# ---------------------------------------------------------------- browser-side probes

class RunWatcher:
    """Counts the script runs a browser page saw finish, from the app's websocket messages
    (ForwardMsg.script_finished; full reruns and fragment reruns alike). Works with Playwright's
    sync and async APIs: `RunWatcher(page)` before page.goto."""

    def __init__(self, page):
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        self._parse, self._early = ForwardMsg.FromString, ForwardMsg.FINISHED_EARLY_FOR_RERUN
        self.finished, self.last_status, self.finished_at = 0, None, None
        self.sent_at = None          # when the browser last sent a message (e.g. a rerun request)
        page.on("websocket", self._on_websocket)

    def _on_websocket(self, ws):
        if "/_stcore/stream" in ws.url:
            ws.on("framereceived", self._on_frame)
            ws.on("framesent", self._on_sent)

    def _on_sent(self, payload):
        self.sent_at = time.perf_counter()

    def _on_frame(self, payload):
        if not isinstance(payload, (bytes, bytearray)):
            return
        try:
            msg = self._parse(bytes(payload))
        except Exception:
            return
        if msg.WhichOneof("type") == "script_finished":
            self.finished += 1
            self.last_status = msg.script_finished
            self.finished_at = time.perf_counter()

    def done_since(self, runs: int) -> bool:
        """A run finished after the count was `runs`, and it was not cut short for another rerun."""
        return self.finished > runs and self.last_status != self._early


def wait_run(page, watcher, since_runs: int, timeout_s: float, settle_ms: int = 300) -> float:
    """Sync API: wait until a script run finished after `since_runs` and the app is idle, then
    settle; returns the perf_counter time the app was first seen idle."""
    deadline = time.monotonic() + timeout_s
    while not (watcher.done_since(since_runs) and page.evaluate(APP_IDLE_JS)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished script run within {timeout_s:.0f} s "
                               f"(runs seen {watcher.finished}, last status {watcher.last_status})")
        page.wait_for_timeout(25)
    t_ready = time.perf_counter()
    if settle_ms:
        page.wait_for_timeout(settle_ms)
        page.wait_for_function(APP_IDLE_JS, timeout=1e3 * timeout_s)
    return t_ready


async def wait_run_async(page, watcher, since_runs: int, timeout_s: float, settle_ms: int = 300) -> float:
    """Async API twin of wait_run."""
    deadline = time.monotonic() + timeout_s
    while not (watcher.done_since(since_runs) and await page.evaluate(APP_IDLE_JS)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"no finished script run within {timeout_s:.0f} s "
                               f"(runs seen {watcher.finished}, last status {watcher.last_status})")
        await page.wait_for_timeout(25)
    t_ready = time.perf_counter()
    if settle_ms:
        await page.wait_for_timeout(settle_ms)
        await page.wait_for_function(APP_IDLE_JS, timeout=1e3 * timeout_s, polling=100)
    return t_ready


# True when connected, the script is not running and no "Running..." widget shows.
APP_IDLE_JS = """
() => {
  const app = document.querySelector('[data-testid="stApp"]');
  return !!app && app.getAttribute('data-test-connection-state') === 'CONNECTED'
      && app.getAttribute('data-test-script-state') === 'notRunning'
      && !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]');
}
"""

# Plotly charts: how many exist, how many are visible (not in a hidden tab/expander), and how
# many of the visible ones are drawn (a sized main svg holding traces, a heatmap image, a canvas,
# drawn shapes/annotations, or a table); `loading` counts placeholders of lazily loaded elements (widgets and
# charts whose code is still being fetched), in the main area and the sidebar.
# the elements of pages/_chart.py's component: every bidi component but the equations' (pages/_equations.py)
CHART_ELEMENTS_JS = ("[...document.querySelectorAll('[data-testid=\"stBidiComponentRegular\"]')]"
                     ".filter(c => !c.closest('[class*=\"st-key-equations_\"]'))")

CHARTS_JS = """
() => {
  const loading = document.querySelectorAll('[data-testid="stMain"] [data-testid="stSkeleton"], [data-testid="stSidebar"] [data-testid="stSkeleton"]').length;
  // every element of pages/_chart.py's component (the preload one is hidden), whether or not its script has
  // created the chart's div yet
  const charts = CHART_ELEMENTS;
  // displayed (not in a hidden tab or a collapsed expander); its height is 0 until the chart is drawn
  const visible = charts.filter(c => c.offsetParent !== null && c.getBoundingClientRect().width > 0);
  const drawn = visible.filter(c => {
    const p = c.querySelector('.js-plotly-plot');
    const svg = p && p.querySelector('svg.main-svg');
    if (!svg) return false;
    const r = svg.getBoundingClientRect();
    if (r.width < 20 || r.height < 20) return false;
    return !!p.querySelector('g.trace, g.table, .heatmaplayer image, .imagelayer image, canvas, .shapelayer path, g.annotation, .layer-above path');
  });
  return {total: charts.length, visible: visible.length, drawn: drawn.length, loading};
}
""".replace("CHART_ELEMENTS", CHART_ELEMENTS_JS)

EXCEPTIONS_JS = "() => document.querySelectorAll('[data-testid=\"stException\"]').length"

# Text of open dialogs that say the requested page does not exist.
PAGE_NOT_FOUND_JS = """
() => [...document.querySelectorAll('[role="dialog"]')].map(d => d.innerText).filter(t => /page not found/i.test(t))
"""

# Height of the app's scrolling content, to size the viewport for a full-page screenshot
# (Streamlit scrolls inside its own container, so the document itself is one screen tall).
CONTENT_HEIGHT_JS = """
() => Math.max(...['[data-testid="stMain"]', '[data-testid="stAppViewContainer"]', '[data-testid="stMainBlockContainer"]']
   .map(s => document.querySelector(s)).filter(Boolean).map(e => e.scrollHeight), document.body.scrollHeight)
"""

# Click the in-app navigation link to a route (keeps the websocket session, unlike page.goto).
# Enabled, visible sliders (st.slider / st.select_slider: <input type=range> or an ARIA slider),
# main area first, then the sidebar, each as {value, min, max}; the data-lstmlab-slider attribute
# numbers them so Python can find the n-th (slider_selector).
SLIDERS_JS = """
() => {
  document.querySelectorAll('[data-lstmlab-slider]').forEach(e => e.removeAttribute('data-lstmlab-slider'));
  const q = root => root ? [...root.querySelectorAll('input[type="range"], [role="slider"]')] : [];
  const shown = e => { const box = e.closest('[data-testid="stSlider"], [data-testid="stSelectSlider"]') || e;
                       const r = box.getBoundingClientRect(); return box.offsetParent !== null && r.width > 0 && r.height > 0; };
  return [...q(document.querySelector('[data-testid="stMain"]')), ...q(document.querySelector('[data-testid="stSidebar"]'))]
    .filter(e => !e.disabled && e.getAttribute('aria-disabled') !== 'true' && shown(e))
    .map((e, i) => { e.setAttribute('data-lstmlab-slider', String(i));
      const num = (a, b) => Number(a ?? e.getAttribute(b));
      return {value: num(e.value, 'aria-valuenow'), min: num(e.min, 'aria-valuemin'), max: num(e.max, 'aria-valuemax'),
              label: e.getAttribute('aria-label') || ''}; });
}
"""


def slider_selector(i: int) -> str:
    """CSS selector of the i-th slider as numbered by the last SLIDERS_JS call."""
    return f'[data-lstmlab-slider="{i}"]'


CLICK_NAV_JS = """
(route) => {
  const links = [...document.querySelectorAll('a[href]')].filter(a => {
    try { const u = new URL(a.href, location.href); return u.host === location.host && (u.pathname.replace(/\\/$/, '') || '/') === route; }
    catch (e) { return false; }
  });
  const nav = links.filter(a => a.closest('[data-testid="stSidebarNav"], [data-testid="stSidebar"], header, nav'));
  const pick = (nav.length ? nav : links).find(a => a.offsetParent !== null);
  if (!pick) return false;
  pick.click();
  return true;
}
"""


# ----------------------------------------------------------------------------- AppTest helpers


def open_app_page(page: str, params=None, timeout: float = 120):
    """An AppTest of app.py switched to `page` (e.g. "pages/gates_over_time.py") with URL `params`, run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    if params:
        at.query_params = dict(params)
    at.switch_page(page)
    at.run()
    return at


def run_page_script(path, params=None, timeout: float = 300):
    """An AppTest of one page script run on its own with URL `params`; fails on an exception."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(path), default_timeout=timeout)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, [e.proto.message for e in at.exception]
    return at


@dataclass(frozen=True)
class Chart:
    """One chart of an AppTest page (pages/_chart.py's component): its element key ("chart_diagram"; "" when
    it has none), its plotly JSON and, if it has one, the phone figure's JSON."""
    key: str
    spec: str
    narrow: str | None = None


def chart_elements(at) -> list:
    """Every chart on the page, in page order, as Chart."""
    out = []
    for e in at.get("bidi_component"):
        if e.proto.component_name != CHART_COMPONENT:
            continue
        data = json.loads(e.proto.json)
        if data.get("preload"):   # app.py's plotly.js preloader, not a chart
            continue
        key = e.proto.id.rsplit("-", 1)[-1]
        out.append(Chart("" if key == "None" else key, data["spec"], data.get("narrow")))
    return out


def equation_lines(at) -> list[str]:
    """Every TeX line the page shows with pages/_equations.py's component, in page order."""
    return [line for e in at.get("bidi_component") if e.proto.component_name == EQUATIONS_COMPONENT
            for line in json.loads(e.proto.json)["lines"]]


def charts_by_name(at, names) -> dict:
    """The page's plotly specs in page order, named (there must be exactly one per name)."""
    specs = [json.loads(c.spec) for c in chart_elements(at)]
    assert len(specs) == len(names)
    return dict(zip(names, specs))


def charts_by_key(at) -> dict:
    """{element key without "chart_": plotly spec (dict)} of every keyed chart on the page."""
    return {c.key.removeprefix("chart_"): json.loads(c.spec) for c in chart_elements(at) if c.key}


def markdown_lines(at) -> list[str]:
    """Every line of every markdown element (a bulleted list, pages/_ui.bullets, is one element)."""
    return [line for m in at.markdown for line in m.value.split("\n")]


def main_texts(at) -> str:
    """Every string value and label in the main area."""
    return "\n".join(v for n in walk_elements(at.main) for attr in ("value", "label")
                     if isinstance(v := getattr(n, attr, None), str))


def assert_clean(at):
    """No exception element and no traceback text on the page."""
    assert not at.exception, [e.value for e in at.exception]
    assert "Traceback (most recent call last)" not in main_texts(at)


def walk_elements(node):
    """Every element below an AppTest node (depth first, the node itself first)."""
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk_elements(child)
