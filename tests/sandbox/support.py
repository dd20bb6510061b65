"""Helpers for the sandbox tests: parse rendered HTML and check that nothing executable got in."""

from __future__ import annotations

from html.parser import HTMLParser

SAFE_SCHEMES = ("http://", "https://", "mailto:", "/", "data:image/")


class Tags(HTMLParser):
    """Every start tag with its attributes, and the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    parser.close()
    return parser


def text(html: str) -> str:
    return "".join(parse(html).text)


def assert_inert(html: str) -> None:
    """No script, no event handler attribute, no javascript: URL, no inline style."""
    for tag, attrs in parse(html).tags:
        assert tag not in ("script", "iframe", "object", "embed", "style"), (tag, html)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, html)
            assert name != "style", (tag, html)
            if name in ("href", "src"):
                assert value and value.startswith(SAFE_SCHEMES), (tag, name, value)
