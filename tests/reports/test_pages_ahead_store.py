"""The store of pages read ahead: one reader per page, a page taken once, bodies bounded
in bytes, and a request that comes while its page is being read waits for it."""

import threading
import time

from app.reports.ahead import PageKey, PagesAhead, ReadAhead


def _key(after: str) -> PageKey:
    return PageKey("2026-11", (after, "exchange-online"), 1)


def _page(size: int) -> ReadAhead:
    return ReadAhead(b"x" * size, (("t", "exchange-online", 1),), 0, 10)


def test_a_page_is_read_by_one_reader_and_taken_once() -> None:
    pages = PagesAhead(1000)
    assert pages.begin(_key("a")) is True
    # Being read, then kept: nobody reads it again.
    assert pages.begin(_key("a")) is False
    pages.finish(_key("a"), _page(10))
    assert pages.begin(_key("a")) is False

    assert pages.take(_key("a")) == _page(10)
    assert pages.take(_key("a")) is None
    assert pages.begin(_key("a")) is True


def test_nothing_worth_keeping_frees_the_page_for_another_reader() -> None:
    pages = PagesAhead(1000)
    pages.begin(_key("a"))
    pages.finish(_key("a"), None)

    assert pages.take(_key("a")) is None
    assert pages.begin(_key("a")) is True


def test_bodies_are_bounded_in_bytes_the_oldest_out_first() -> None:
    pages = PagesAhead(100)
    for after in ("a", "b", "c"):
        pages.begin(_key(after))
        pages.finish(_key(after), _page(40))
    # 3 × 40 bytes > 100: a, read first, is out; b and c (80 bytes) are kept.
    assert [pages.take(_key(after)) is not None for after in ("a", "b", "c")] == [
        False,
        True,
        True,
    ]

    # A page larger than the whole store is not kept at all.
    pages.begin(_key("d"))
    pages.finish(_key("d"), _page(101))
    assert pages.take(_key("d")) is None


def test_zero_bytes_reads_nothing_ahead() -> None:
    assert PagesAhead(0).begin(_key("a")) is False


def test_a_request_waits_for_the_page_being_read() -> None:
    pages = PagesAhead(1000)
    pages.begin(_key("a"))

    def read() -> None:
        time.sleep(0.2)
        pages.finish(_key("a"), _page(10))

    reader = threading.Thread(target=read)
    reader.start()
    began = time.monotonic()
    taken = pages.take(_key("a"))
    reader.join()

    assert taken == _page(10)
    assert time.monotonic() - began >= 0.2


def test_a_request_waits_no_longer_than_it_is_told() -> None:
    pages = PagesAhead(1000)
    pages.begin(_key("a"))

    assert pages.take(_key("a"), wait_seconds=0.05) is None
    # The reading ends later; its page is kept for the next request.
    pages.finish(_key("a"), _page(10))
    assert pages.take(_key("a")) == _page(10)
