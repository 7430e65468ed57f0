"""The CSV parser streams: a ~50 MB file parses in a few MB of traced memory.

The file is generated lazily by a raw stream that makes each line when it is read,
so the test itself holds no more than one line of it; rows are counted and dropped.
"""

import io
import tracemalloc

from app.imports.formats import ImportedRow, ImportOptions, RowError, parse

HEADER = b"service_id;start;end;impact;external_id;title\n"
TARGET_BYTES = 50 * 1024 * 1024
PEAK_LIMIT = 4 * 1024 * 1024


# A long free-text title keeps the row count (and the test's time under tracemalloc,
# which slows every allocation) down while the bytes streamed stay at 50 MB.
NOTE = "Users could not reach their mailboxes; the cause was a certificate rollover. " * 4


def title(number: int) -> str:
    return f"Incident {number}; {NOTE}"


def line(number: int) -> bytes:
    minute = number % 60
    return (
        f"service-{number % 97};2026-11-10T14:{minute:02d}:00Z;2026-11-10T15:{minute:02d}:00Z;"
        f'0.5;INC-{number};"{title(number)}"\n'
    ).encode()


class GeneratedCsv(io.RawIOBase):
    """A semicolon CSV of about `size` bytes, made one line at a time as it is read."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.produced = 0
        self.rows = 0
        self._pending = HEADER

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: "memoryview | bytearray") -> int:  # type: ignore[override]
        """Fills the buffer with the pending line, then with new lines, as far as it goes."""
        filled = 0
        while filled < len(buffer):
            if not self._pending:
                if self.produced >= self.size:
                    break
                self.rows += 1
                self._pending = line(self.rows)
            count = min(len(buffer) - filled, len(self._pending))
            buffer[filled : filled + count] = self._pending[:count]
            self._pending = self._pending[count:]
            self.produced += count
            filled += count
        return filled


def test_a_50_mb_csv_parses_in_flat_memory() -> None:
    raw = GeneratedCsv(TARGET_BYTES)
    stream = io.BufferedReader(raw)
    count = 0
    last: ImportedRow | None = None
    tracemalloc.start()
    try:
        for event in parse("csv", stream, ImportOptions()):
            assert not isinstance(event, RowError), event
            assert isinstance(event, ImportedRow)
            count += 1
            last = event
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert raw.produced >= TARGET_BYTES
    assert count == raw.rows
    # The last row is on line rows + 1 (the header is line 1), read right.
    assert last == ImportedRow(
        ["file", "line", raw.rows + 1],
        {
            "service_id": f"service-{raw.rows % 97}",
            "start": f"2026-11-10T14:{raw.rows % 60:02d}:00Z",
            "end": f"2026-11-10T15:{raw.rows % 60:02d}:00Z",
            "impact": "0.5",
            "external_id": f"INC-{raw.rows}",
            "title": title(raw.rows),
        },
    )
    assert peak < PEAK_LIMIT, f"peak traced memory {peak / 1e6:.1f} MB"


def test_the_generator_makes_what_it_says() -> None:
    raw = GeneratedCsv(200)
    data = io.BufferedReader(raw).read()
    assert data.startswith(HEADER + line(1))
    assert len(data) == raw.produced >= 200


def test_the_limit_would_catch_a_parser_that_reads_the_file_whole() -> None:
    """A control: holding 8 MB of the same stream shows up in the traced peak."""
    stream = io.BufferedReader(GeneratedCsv(8 * 1024 * 1024))
    tracemalloc.start()
    try:
        whole = stream.read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(whole) >= 8 * 1024 * 1024
    assert peak > PEAK_LIMIT
