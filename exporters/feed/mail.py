"""Feed HTML that reads right with no stylesheet: in an e-mail, in any feed reader.

An RSS-to-email service pastes an item's HTML into a message, and a feed reader shows it
under its own styles or none; neither knows the site's CSS, and many drop elements and
attributes they do not know.  So the feed writes what a note means with what survives:

* a callout is a ``<blockquote>`` (indented everywhere) whose title is bold and led by its
  type as an emoji and a small label (an information sign and "Note"), with a coloured left border inline;
* a highlight keeps its ``<mark>`` and carries its yellow background on an inner ``<span>``,
  for readers whose sanitiser drops ``<mark>`` but keeps ``span`` and ``background-color``;
* a task item shows its ☐/☑ glyph instead of a bullet (``list-style-type: none`` inline);
* footnotes are set off by a rule; their ids carry the note's id and their links are
  fragments inside the item (:class:`FeedLinks`), so two items of one feed or one mail
  digest never share an id and a footnote link never leaves the message.

The lowering works on the renderer's own tree (:mod:`notepress.markdown.tree`), after
sanitising: everything it adds is written here, never taken from the note.
"""

from __future__ import annotations

from dataclasses import dataclass

from notepress.markdown import UrlLinks
from notepress.markdown.tree import Element, html_tree, inner_html, new_element
from notepress.model import Note

__all__ = ["CALLOUT_LOOKS", "FeedLinks", "lower_for_mail"]

#: Emoji and colours (border, background) per callout type, as Obsidian groups them.
#: Colours are lowercase hex: some feed sanitisers accept no other spelling.
_NOTE = ("\u2139\ufe0f", "#2f6db5", "#eef4fb")
CALLOUT_LOOKS: dict[str, tuple[str, str, str]] = {
    "note": _NOTE,
    "info": _NOTE,
    "todo": ("\u2611\ufe0f", "#2f6db5", "#eef4fb"),
    "abstract": ("\U0001f4cb", "#0f7c8c", "#eaf6f7"),
    "summary": ("\U0001f4cb", "#0f7c8c", "#eaf6f7"),
    "tldr": ("\U0001f4cb", "#0f7c8c", "#eaf6f7"),
    "tip": ("\U0001f4a1", "#1f8a70", "#ecf7f3"),
    "hint": ("\U0001f4a1", "#1f8a70", "#ecf7f3"),
    "important": ("\U0001f4a1", "#1f8a70", "#ecf7f3"),
    "success": ("\u2705", "#3a8a2e", "#eef7ec"),
    "check": ("\u2705", "#3a8a2e", "#eef7ec"),
    "done": ("\u2705", "#3a8a2e", "#eef7ec"),
    "question": ("\u2753", "#b7791f", "#fbf5ea"),
    "help": ("\u2753", "#b7791f", "#fbf5ea"),
    "faq": ("\u2753", "#b7791f", "#fbf5ea"),
    "warning": ("\u26a0\ufe0f", "#c05621", "#fcf1ea"),
    "caution": ("\u26a0\ufe0f", "#c05621", "#fcf1ea"),
    "attention": ("\u26a0\ufe0f", "#c05621", "#fcf1ea"),
    "failure": ("\u274c", "#b3261e", "#fbeceb"),
    "fail": ("\u274c", "#b3261e", "#fbeceb"),
    "missing": ("\u274c", "#b3261e", "#fbeceb"),
    "danger": ("\u26a1", "#b3261e", "#fbeceb"),
    "error": ("\u26a1", "#b3261e", "#fbeceb"),
    "bug": ("\U0001f41e", "#b3261e", "#fbeceb"),
    "example": ("\U0001f4dd", "#6b46c1", "#f3effb"),
    "quote": ("\U0001f4ac", "#777777", "#f4f4f4"),
    "cite": ("\U0001f4ac", "#777777", "#f4f4f4"),
}
_HIGHLIGHT = "background-color: #fff3a3; color: #1a1a1a;"


@dataclass
class FeedLinks(UrlLinks):
    """Absolute URLs for notes and assets; the item's own ids prefixed, its footnotes local.

    Every id of an item starts with ``n<note_id>-``, so the items of one feed (or of one
    mail digest, which pastes several items into one message) never share an id; a footnote
    call and its way back are ``#`` fragments inside the item, not the website's page.
    Its renderings are lowered for mail (:func:`lower_for_mail`) as they are made.
    """

    def element_id(self, note: Note, local_id: str) -> str:
        return f"n{note.note_id}" + (f"-{local_id}" if local_id else "")

    def anchor_href(self, note: Note, local_id: str) -> str:
        return "#" + self.element_id(note, local_id)

    def finish_html(self, html: str) -> str:
        return lower_for_mail(html)


def lower_for_mail(html: str) -> str:
    """The item's sanitised HTML with callouts, highlights, tasks and footnotes made plain."""
    if not html.strip():
        return html
    root = html_tree(html)
    for element in list(root.iter()):
        if not isinstance(element.tag, str):
            continue
        classes = element.get("class", "").split()
        if element.tag == "div" and "callout" in classes:
            _callout(element)
        elif element.tag == "mark":
            _highlight(element)
        elif element.tag == "li" and "task-list-item" in classes:
            element.set("style", "list-style-type: none;")
        elif element.tag == "section" and "footnotes" in classes:
            _footnotes(element)
    return inner_html(root)


def _callout(element: Element) -> None:
    kind = element.get("data-callout", "note")
    emoji, border, background = CALLOUT_LOOKS.get(kind, _NOTE)
    element.tag = "blockquote"
    element.set(
        "style",
        f"margin: 1em 0; padding: 0.4em 0.8em; border-left: 4px solid {border}; "
        f"background-color: {background};",
    )
    title = next(
        (
            child
            for child in element
            if child.tag == "p" and "callout-title" in child.get("class", "").split()
        ),
        None,
    )
    if title is None:
        return
    label = kind.replace("-", " ").capitalize()
    strong = new_element("strong")
    strong.text = title.text
    strong.extend(list(title))
    title.text = None
    if "".join(strong.itertext()).strip() == label:
        strong.text = f"{emoji} {strong.text or ''}"
        title.append(strong)
        return
    small = new_element("small")
    small.text = f"{emoji} {label}:"
    small.tail = " "
    title.append(small)
    title.append(strong)


def _highlight(element: Element) -> None:
    span = new_element("span", {"style": _HIGHLIGHT})
    span.text = element.text
    span.extend(list(element))
    element.text = None
    element.append(span)


def _footnotes(element: Element) -> None:
    rule = new_element("hr")
    rule.tail = element.text
    element.text = None
    element.insert(0, rule)
