"""User-supplied text on the page: the one place that makes it inert before Streamlit renders it.

Streamlit renders st.markdown / st.caption / st.info / st.warning / st.error bodies as GitHub
markdown with LaTeX ($…$, $$…$$), colour and icon directives (:blue[…], :material/…:) and
autolinked URLs. A URL parameter, an uploaded file's name or metadata, or a typed sentence that
reached one of them unescaped could show a link, fetch an image from another host (a tracking
pixel in a forwarded link), or fill the screen. Everything a user can supply goes through
`inert` (plain sentences) or `code` (a value shown literally, as inline code); lstm_core writes
plain text and never escapes.

    inert(text, limit=300) -> str   control characters -> spaces, cut to `limit` characters
                                    (with "…"), every character in ACTIVE backslash-escaped
                                    (CommonMark: a backslash before punctuation is that literal
                                    character, so no link, image, emphasis, math or directive forms)
    code(text, limit=40) -> str     the value as an inline code span (cut, backticks replaced),
                                    "(empty)" for an empty value
"""
from __future__ import annotations

import re
import unicodedata

# every character that starts or ends a markdown, GFM, math, directive or HTML form (quotes,
# commas, '/', '@', '%' ... are inert on their own and stay unescaped, so sentences read normally)
ACTIVE = "\\`*_{}[]()#+-.!|~<>$:&="
_ACTIVE = re.compile("([" + re.escape(ACTIVE) + "])")


def _visible(text, limit: int) -> str:
    """No control characters (newlines, tabs, bidi overrides...: a space instead), at most
    `limit` characters."""
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in str(text))
    return text if len(text) <= limit else text[:limit] + "…"


def inert(text, limit: int = 300) -> str:
    """`text` made safe to place in any Streamlit markdown body: shown exactly as written (cut)."""
    return _ACTIVE.sub(r"\\\1", _visible(text, limit))


def code(text, limit: int = 40) -> str:
    """`text` shown literally as inline code (inside a code span nothing is interpreted)."""
    shown = _visible(text, limit).replace("`", "'")
    return f"`{shown}`" if shown else "(empty)"
