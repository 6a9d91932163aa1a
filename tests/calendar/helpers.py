"""A small HTML reader for the calendar tests (the standard library's parser, no extra
dependency): enough to find elements by tag, class and attribute and read their text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class Node:
    def __init__(self, tag: str, attrs: dict[str, str | None], parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    @property
    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()

    def get(self, name: str, default=None):
        return self.attrs.get(name, default)

    def has(self, name: str) -> bool:
        """Whether a (boolean) attribute such as ``checked`` is present."""
        return name in self.attrs

    @property
    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else child.text)
        return re.sub(r"\s+", " ", "".join(parts)).strip()

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, cls: str | None = None, **attrs) -> list[Node]:
        found = []
        for node in self.iter():
            if tag and node.tag != tag:
                continue
            if cls and cls not in node.classes:
                continue
            if any(node.attrs.get(k.rstrip("_").replace("_", "-")) != v for k, v in attrs.items()):
                continue
            found.append(node)
        return found

    def find(self, tag: str | None = None, cls: str | None = None, **attrs) -> Node | None:
        found = self.find_all(tag, cls, **attrs)
        return found[0] if found else None

    def __repr__(self) -> str:
        return f"<{self.tag} {self.attrs}>"


class TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, dict(attrs), self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    if isinstance(html, bytes):
        html = html.decode()
    builder = TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


def agenda_titles(html) -> list[str]:
    """Titles of the dated list, in order (not the on-demand section or best matches)."""
    doc = parse(html)
    agenda = doc.find("section", cls="agenda")
    return [a.find("a").text.removeprefix("Cancelled: ") for a in agenda.find_all("article")]


def on_demand_titles(html) -> list[str]:
    section = parse(html).find("section", cls="on-demand")
    if section is None:
        return []
    return [a.find("a").text for a in section.find_all("article")]


def day_headings(html) -> list[str]:
    agenda = parse(html).find("section", cls="agenda")
    return [h.text for h in agenda.find_all("h3", cls="day-heading")]
