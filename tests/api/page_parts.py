"""Reading the report page's HTML in tests: its bars, sparkline months and text."""

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    # The text of the element's <title> child (SVG shapes), or of the element itself.
    title: str = ""
    text: list[str] = field(default_factory=list)

    @property
    def classes(self) -> list[str]:
        return self.attrs.get("class", "").split()


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.open: list[Element] = []
        self.in_title = False
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.elements.append(element)
        if tag == "title":
            self.in_title = True
        else:
            self.open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self.in_title = False
            return
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index].tag == tag:
                del self.open[index:]
                break

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.in_title and self.open:
            self.open[-1].title += data
        for element in self.open:
            element.text.append(data)


def elements(html: str) -> list[Element]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.elements


def bars(html: str, kind: str | None = None) -> list[Element]:
    """The timeline's bars (`rect.bar`), of one kind if given, in page order."""
    found = [e for e in elements(html) if e.tag == "rect" and "bar" in e.classes]
    return [e for e in found if kind is None or e.attrs["data-kind"] == kind]


def placed(html: str, kind: str) -> list[tuple[str, str, str, str]]:
    """(x, width, data-start, data-end) of each bar of that kind."""
    return [
        (b.attrs["x"], b.attrs["width"], b.attrs["data-start"], b.attrs["data-end"])
        for b in bars(html, kind)
    ]


def months(html: str) -> list[Element]:
    """The sparkline's month bars, in page order."""
    return [e for e in elements(html) if e.tag == "rect" and "month" in e.classes]


def visible_text(html: str) -> str:
    collector = _Collector()
    collector.feed(html)
    return " ".join(" ".join(collector.text).split())
