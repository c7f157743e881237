"""Issue 14, "Hardening, round two": crafted checkpoint metadata, markdown injection through
links and uploads, unescaped / unchecked upload messages, one upload limit, the follow note and
the error-box links. (Queue fairness: tests/test_training_queue.py; memory: bench/soak.py.)

Markdown checks parse what Streamlit would render with markdown-it-py (GFM-like: linkify,
strikethrough, tables; plus dollar math), so "renders" means a link / image / emphasis / math
token built from the hostile text, and a colour directive is any ':name[' not escaped."""
import json
import re
import tomllib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from streamlit.testing.v1 import AppTest

from app_harness import chart_elements, open_app_page, walk_elements, discover_pages
from lstm_core import limits
from lstm_core.experiments import inspection as insp
from lstm_core.training import checkpoint, uploads
from lstm_core.training.trainer import evaluate

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
GATES = "pages/gates_over_time.py"
PRE = checkpoint.PRETRAINED_DIR
OCT = "application/octet-stream"

# ---------------------------------------------------------------------------- helpers


def open_page(page, params=None) -> AppTest:
    return open_app_page(page, params)


def bodies(at) -> list[str]:
    """Every markdown body on the page: markdown, captions, alerts, labels."""
    out = []
    for root in (at.main, at.sidebar):
        for n in walk_elements(root):
            for attr in ("value", "label", "body"):
                v = getattr(n, attr, None)
                if isinstance(v, str):
                    out.append(v)
    return out


def plain(text: str) -> str:
    """What a reader sees of an escaped markdown body (backslash escapes removed)."""
    return re.sub(r"\\(.)", r"\1", text)


def assert_clean(at):
    assert not at.exception, [e.value for e in at.exception]


_MD = MarkdownIt("gfm-like", {"linkify": True}).enable("linkify").use(dollarmath_plugin, allow_space=True, double_inline=True)
BAD_TOKENS = ("link_open", "image", "strong_open", "em_open", "s_open", "math_inline",
              "math_block", "math_inline_double", "html_inline", "html_block")


def _tokens(tokens):
    for t in tokens:
        yield t
        yield from _tokens(t.children or [])


def rendered(body: str, marker: str) -> list[str]:
    """The markdown forms in `body` that a hostile `marker` string turned into live markup."""
    found = []
    for t in _tokens(_MD.parse(body)):
        if t.type in BAD_TOKENS:
            # the token's own text and attributes, plus the text up to its closing token
            attrs = " ".join(str(v) for v in (t.attrs or {}).values())
            if marker in attrs or marker in (t.content or ""):
                found.append(f"{t.type}: {attrs or t.content}")
    # emphasis / link text: check the text that follows an opening token
    flat = list(_tokens(_MD.parse(body)))
    for i, t in enumerate(flat):
        if t.type in ("strong_open", "em_open", "s_open", "link_open") and i + 1 < len(flat) \
                and marker in (flat[i + 1].content or ""):
            found.append(f"{t.type} around {flat[i + 1].content!r}")
    outside_code = re.sub(r"`[^`]*`", "", body)          # a code span shows its text literally
    if re.search(r"(?<!\\):" + re.escape(marker) + r"\[", outside_code):
        found.append(f"directive :{marker}[")
    return found


# hostile strings, each with a distinctive marker the checks look for
PAYLOADS = {
    "[xlink](http://evil.example/a)": "evil.example",
    "![](//pixel.example/p.png)": "pixel.example",
    "**PWNED** _it_": "PWNED",
    "$E=mc^2$ $$QQ$$": "mc^2",
    ":red[REDTEXT]": "red",
    "<img src=//tag.example/x>": "tag.example",
    "www.autolinked-pwn.com": "autolinked-pwn",
}


def assert_inert(at, payloads=PAYLOADS):
    problems = []
    for body in bodies(at):
        for marker in payloads.values():
            problems += rendered(body, marker)
    assert not problems, problems


def test_the_checker_sees_live_markdown():
    """The checks can fail: raw payloads are all seen as live markup, escaped ones are not."""
    from pages._text import code, inert
    for payload, marker in PAYLOADS.items():
        if marker != "tag.example":          # raw HTML is escaped by Streamlit itself anyway
            assert rendered(f"note: {payload}.", marker), payload
        assert not rendered(f"note: {inert(payload)}.", marker), payload
        assert not rendered(f"note: {code(payload, 100)}.", marker), payload


# ---------------------------------------------------------------------------- 1. crafted metadata


def shipped(arch="lstm"):
    w = (PRE / f"agreement_d30_{arch}.safetensors").read_bytes()
    return w, json.loads((PRE / f"agreement_d30_{arch}.json").read_text())


def crafted() -> dict:
    """name -> metadata bytes that crashed page 2 before issue 14 (and a few relatives)."""
    _, meta = shipped()
    text = json.dumps(meta)

    def edit(**sections):
        m = json.loads(text)
        for path, v in sections.items():
            *head, last = path.split(".")
            d = m
            for h in head:
                d = d[h]
            d[last] = v
        return json.dumps(m).encode()
    inf = "1" + "0" * 400 + ".0"                       # a JSON number that overflows to inf
    return {
        "hidden_inf": text.replace('"hidden": 32,', f'"hidden": {inf},', 1).encode(),
        "n_in_inf": text.replace(f'"n_in": {meta["model"]["n_in"]}', f'"n_in": {inf}', 1).encode(),
        "distance_inf": text.replace('"distance": 30', f'"distance": {inf}', 1).encode(),
        "hidden_1e999": text.replace('"hidden": 32,', '"hidden": 1e999,', 1).encode(),
        "nested": b"[" * 99_000,
        "metrics_list": edit(metrics=[1]),
        "metrics_str": edit(metrics="x"),
        "metrics_huge": edit(**{"metrics.test_accuracy": 10 ** 400}),
        "metrics_1e400": text.replace('"test_accuracy": 0.99', '"test_accuracy": 1e400 , "x": 0.99', 1).encode(),
        "train_huge_int": edit(**{"train.distance": 10 ** 400}),
        "deep_extra": edit(status=[[[[[[[[[[1]]]]]]]]]]),
        "bool_hidden": edit(**{"model.hidden": True}),
    }


@pytest.mark.parametrize("name", list(crafted()))
def test_crafted_metadata_is_a_value_error(name):
    w, _ = shipped()
    with pytest.raises(ValueError) as e:
        checkpoint.load_checkpoint_bytes(w, crafted()[name])
    assert len(str(e.value)) < 400


def test_crafted_metadata_gets_the_page_message_and_the_page_still_renders():
    w, _ = shipped()
    at = open_page(GATES, {"models": "uploaded"})
    assert_clean(at)
    for name, meta in crafted().items():
        at.file_uploader(key="got_files").set_value(
            [(f"{name}.safetensors", w, OCT), (f"{name}.json", meta, "application/json")]).run()
        assert_clean(at)
        errors = [plain(e.value) for e in at.error]
        assert any(e.startswith(f"{name}: rejected") for e in errors), (name, errors)
        assert "got_gates" in " ".join(c.key for c in chart_elements(at)), name
        at.run()                                           # and on the next rerun too
        assert_clean(at)


# ---------------------------------------------------------------------------- 2. markdown via links


def _url_keys(at) -> set:
    """Keys of the page's keyed widgets (the URL-bound ones and a few session-only ones)."""
    keys = set()
    for root in (at.main, at.sidebar):
        for n in walk_elements(root):
            k = getattr(n, "key", None)
            if isinstance(k, str) and not k.startswith("$$"):
                keys.add(k)
    return keys


PAGES = [p for p in discover_pages()]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_markdown_in_every_url_parameter_does_not_render(page):
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    at.switch_page(page.file)
    at.run()
    keys = _url_keys(at) | {"follow"}
    for payload in PAYLOADS:
        at.query_params = {k: ([payload, "1"] if k == "follow" else payload) for k in keys}
        at.switch_page(page.file)
        at.run()
        assert_clean(at)
        assert_inert(at)


def test_follow_link_from_the_issue_shows_no_link():
    at = open_page(GATES, {"follow": "[a](http://x.co)"})
    assert_clean(at)
    notes = " ".join(w.value for w in at.warning)
    assert "follow" in notes and "ignored unit" in notes
    assert not any(rendered(b, "x.co") for b in bodies(at))


# ---------------------------------------------------------------------------- 3. upload messages


def test_upload_fields_with_markdown_do_not_render_and_are_cut():
    w, meta = shipped()
    files = []
    for k, payload in enumerate(PAYLOADS):
        m = json.loads(json.dumps(meta))
        m["train"]["task"] = payload                     # quoted by TrainConfig's message
        files += [(f"p{k}.safetensors", w, OCT), (f"p{k}.json", json.dumps(m).encode(), "application/json")]
    big = json.loads(json.dumps(meta))
    room = limits.MAX_META_BYTES - len(json.dumps(meta).encode()) - 1000
    big["model"]["arch"] = "**A**" * (room // 5)         # just under the metadata size limit
    files += [("big.safetensors", w, OCT), ("big.json", json.dumps(big).encode(), "application/json")]
    names = [("[n](http://evil.example)**PWNED**.json", b"{}", "application/json")]
    at = open_page(GATES, {"models": "uploaded"})
    at.file_uploader(key="got_files").set_value(files + names).run()
    assert_clean(at)
    errors = [plain(e.value) for e in at.error]
    assert len(errors) >= len(PAYLOADS) + 2
    assert all(len(e) < 1000 for e in errors), max(map(len, errors))
    assert any(e.startswith("big: rejected") and "model.arch" in e for e in errors)
    assert_inert(at)


def test_uploaded_model_is_measured_not_taken_at_its_word():
    w, meta = shipped()
    from safetensors.torch import load, save
    state = load(w)
    state["readout.weight"] = -state["readout.weight"]     # flips every prediction
    state["readout.bias"] = -state["readout.bias"]
    flipped = save(state)
    at = open_page(GATES, {"models": "uploaded"})
    at.file_uploader(key="got_files").set_value(
        [("flip.safetensors", flipped, OCT), ("flip.json", json.dumps(meta).encode(), "application/json")]).run()
    assert_clean(at)
    model, m = checkpoint.load_checkpoint_bytes(flipped, json.dumps(meta).encode())
    want = evaluate(model, checkpoint.train_config(m), n=uploads.UPLOAD_TEST_N, seed=uploads.UPLOAD_TEST_SEED)
    assert want["test_accuracy"] < 0.2                   # the file claims the shipped figure
    caption = plain(" ".join(c.value for c in at.caption))
    assert f"test accuracy measured here {100 * want['test_accuracy']:.1f}% on {uploads.UPLOAD_TEST_N} fresh" \
        in caption
    assert f"the file claims {100 * meta['metrics']['test_accuracy']:.1f}%" in caption


# ---------------------------------------------------------------------------- 6. one upload limit


def test_one_upload_limit_everywhere():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == limits.MAX_UPLOAD_MB
    assert limits.MAX_CHECKPOINT_BYTES == limits.MAX_UPLOAD_MB * 2 ** 20
    at = open_page(GATES, {"models": "uploaded"})
    up = at.get("file_uploader")[0]
    assert up.proto.max_upload_size_mb == limits.MAX_UPLOAD_MB
    # a .json whose .safetensors the server refused (HTTP 413) arrives alone: the message says why
    _, problems = uploads.load_uploads([("m.json", b"{}")])
    assert f"at most {limits.MAX_UPLOAD_MB} MB" in problems[0] and "missing" not in problems[0]


# ---------------------------------------------------------------------------- 7. small ones


def test_more_than_eight_units_to_follow_get_a_note():
    at = open_page(GATES, {"follow": [str(u) for u in range(10)]})
    assert_clean(at)
    notes = " ".join(w.value for w in at.warning)
    assert "10 units were listed" in notes and f"at most {insp.MAX_FOLLOW}" in notes
    assert at.multiselect(key="follow").value == list(range(insp.MAX_FOLLOW))


def test_error_boxes_offer_no_outside_links():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorLinks"] is False
    assert config["client"]["showErrorDetails"] == "none"
