"""The cheap first look for raw HTML that may hide its text, before any tag is read.

Every note's body is looked at once when the vault is read (a body of hidden text alone
shows nothing) and again when it is rendered, so this test is paid ten thousand times
by a large vault; the tags themselves are read only by
:mod:`notepress.markdown.hiddenhtml` when it answers yes.
"""

from __future__ import annotations

__all__ = ["may_hide"]


def may_hide(text: str) -> bool:
    """Whether ``text`` holds anything that could hide raw HTML: ``False`` means it surely
    hides nothing.

    HTML reads names and CSS reads properties without regard to ASCII case, which is what
    ``bytes.lower`` folds; it and a few substring tests are many times faster than
    ``str.lower`` over text that is not ASCII, or one case-blind pattern with alternatives,
    which a regular expression can only try at every position.
    """
    lowered = text.encode("utf-8", "surrogatepass").lower()
    # The words that may hide an element; a character reference (&#) may spell any of them,
    # and so may a CSS escape (a backslash) in a style.
    return (
        b"hidden" in lowered
        or b"display" in lowered
        or b"visibility" in lowered
        or b"opacity" in lowered
        or b"font-size" in lowered
        or b"&#" in lowered
        or b"<dialog" in lowered
        or (b"\\" in lowered and b"style" in lowered)
    )
