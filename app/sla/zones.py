"""Timezone names a tenant may choose: real IANA zones, nothing the filesystem adds."""

import functools
import zoneinfo

import pendulum
from pendulum.tz.exceptions import InvalidTimezone

# The longest IANA name today is 32 characters (America/Argentina/ComodRivadavia).
MAX_ZONE_NAME = 64
# Files that sit among the zones in a tzdata directory but are not zones anyone lives
# in: `Factory` is a placeholder, `localtime` is whatever this machine is set to,
# `posixrules` is a default for POSIX TZ strings; `posix/` and `right/` are copies of
# the whole database (`right/` counting leap seconds, which the timeline does not).
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_NOT_ZONE_DIRECTORIES = ("posix/", "right/")


class ZoneError(ValueError):
    """A name that is not an IANA timezone; the message quotes it."""


@functools.cache
def zone_names() -> frozenset[str]:
    """Every IANA zone name this machine knows, from zoneinfo (system tzdata and the
    `tzdata` package), read once: the directory walk costs milliseconds per call."""
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in _NOT_ZONES and not name.startswith(_NOT_ZONE_DIRECTORIES)
    )


def check_zone_name(name: str) -> str:
    """`name` itself if it is an IANA zone such as `Europe/Berlin` that pendulum loads.

    Refused: directories (`America`, `Etc`), `Factory`, `localtime`, `posixrules`, the
    `posix/` and `right/` copies, and before any lookup, empty names, names longer than
    64 characters, `..`, a leading `/`, control characters and non-ASCII characters, so
    that no name reaches the filesystem as a path. Case matters: `europe/berlin` is not a
    zone, even on a filesystem that would open it.
    """
    if not name:
        raise ZoneError("'' is not an IANA timezone such as America/New_York")
    if len(name) > MAX_ZONE_NAME:
        raise ZoneError(f"'{name}' is longer than {MAX_ZONE_NAME} characters")
    if not name.isascii() or not name.isprintable():
        raise ZoneError(f"'{name}' contains a control or non-ASCII character")
    if ".." in name or name.startswith("/"):
        raise ZoneError(f"'{name}' is a path, not an IANA timezone")
    if name not in zone_names():
        raise ZoneError(f"'{name}' is not an IANA timezone such as America/New_York")
    try:
        pendulum.timezone(name)
    # OSError too: pendulum hands a directory name to open() (IsADirectoryError).
    except (InvalidTimezone, ValueError, OSError) as error:
        raise ZoneError(f"'{name}' is an IANA timezone that cannot be loaded here") from error
    return name
