"""`streamlit run` with server-side timing of every script run (bench only, never the product).

    python bench/timed_server.py run app.py [streamlit options]

Appends one JSON line per script run to $LSTM_LAB_RUN_LOG:
  {"t": wall-clock end (time.time()), "ms": the whole run as the script thread sees it (rerun request
   taken -> script body -> Streamlit's end-of-run work incl. runner.postScriptGC), "after_ms": that
   end-of-run work alone, "fragment": true for a fragment-only rerun, "page": the page's name,
   "gc_objects": objects the garbage collector tracks after the run (frozen ones excluded),
   "wait_ms": from the server receiving the rerun request to the script thread starting it,
   "thread_cpu_ms": CPU time of the script thread in the run, "process_cpu_ms": CPU time of the whole server
   process meanwhile (every thread: the model measurements' pool, the event loop sending, library threads)}.
This is what the server contributes to a slider move; bench/load_test.py --server-timing reads it.
"""

import gc
import json
import os
import sys
import threading
import time

from streamlit.runtime import app_session
from streamlit.runtime.scriptrunner import script_runner as sr

LOG = os.environ.get("LSTM_LAB_RUN_LOG")
_lock = threading.Lock()
_orig_run, _orig_finished = sr.ScriptRunner._run_script, sr.ScriptRunner._on_script_finished
_after = threading.local()
_orig_backmsg = app_session.AppSession.handle_backmsg
_received = {"t": None}     # perf_counter when the server last received a rerun request


def _write(record: dict) -> None:
    if LOG:
        with _lock, open(LOG, "a") as f:
            f.write(json.dumps(record) + "\n")


def _timed_finished(self, *args, **kwargs):
    t0 = time.perf_counter()
    try:
        return _orig_finished(self, *args, **kwargs)
    finally:
        _after.ms = getattr(_after, "ms", 0.0) + 1e3 * (time.perf_counter() - t0)


def _timed_backmsg(self, msg):
    if msg.WhichOneof("type") == "rerun_script":
        _received["t"] = time.perf_counter()
    return _orig_backmsg(self, msg)


def _timed_run(self, rerun_data):
    _after.ms = 0.0
    t0, thread0, process0 = time.perf_counter(), time.thread_time(), time.process_time()
    received, _received["t"] = _received["t"], None
    wait_ms = None if received is None else 1e3 * (t0 - received)
    try:
        return _orig_run(self, rerun_data)
    finally:
        _write({"t": time.time(), "ms": 1e3 * (time.perf_counter() - t0), "after_ms": _after.ms,
                "fragment": bool(rerun_data.fragment_id_queue), "page": rerun_data.page_name or "",
                "gc_objects": len(gc.get_objects()), "wait_ms": wait_ms,
                "thread_cpu_ms": 1e3 * (time.thread_time() - thread0),
                "process_cpu_ms": 1e3 * (time.process_time() - process0)})


sr.ScriptRunner._run_script = _timed_run
app_session.AppSession.handle_backmsg = _timed_backmsg
sr.ScriptRunner._on_script_finished = _timed_finished

if __name__ == "__main__":
    from streamlit.web import cli

    sys.argv[0] = "streamlit"
    sys.exit(cli.main())
