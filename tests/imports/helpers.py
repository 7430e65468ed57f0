"""Running a parser over a sample file or a few bytes."""

import io
from pathlib import Path

from app.imports.formats import Event, ImportOptions, parse

SAMPLES = Path(__file__).parent / "samples"
DEFAULT = ImportOptions()


def events(format: str, source: str | bytes, options: ImportOptions = DEFAULT) -> list[Event]:
    """Every event of a sample (by file name) or of the given bytes."""
    data = source if isinstance(source, bytes) else (SAMPLES / source).read_bytes()
    return list(parse(format, io.BytesIO(data), options))
