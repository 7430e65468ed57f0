"""check_zone_name: real IANA zones only; tzdata's directories, its non-zone files and
anything shaped like a path or carrying control or non-ASCII characters are refused.
"""

import re

import pendulum
import pytest

from app.sla.zones import MAX_ZONE_NAME, ZoneError, check_zone_name, zone_names


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("UTC", id="utc"),
        pytest.param("Europe/Berlin", id="two-parts"),
        pytest.param("America/New_York", id="underscore"),
        pytest.param("America/Argentina/ComodRivadavia", id="three-parts-longest-32"),
        pytest.param("America/Port-au-Prince", id="hyphens"),
        pytest.param("Australia/Lord_Howe", id="half-hour-dst"),
        pytest.param("America/Havana", id="midnight-dst"),
        # Etc/GMT+5 is five hours BEHIND UTC (POSIX sign), but it is a real zone name
        pytest.param("Etc/GMT+5", id="etc-gmt-plus"),
        pytest.param("Etc/UTC", id="etc-utc"),
        # backward-compatible links are still IANA names
        pytest.param("US/Eastern", id="link-us-eastern"),
        pytest.param("GMT", id="gmt"),
        pytest.param("EST5EDT", id="posix-style-zone"),
    ],
)
def test_zone_names_accepted(name: str) -> None:
    assert check_zone_name(name) == name
    pendulum.timezone(name)


@pytest.mark.parametrize(
    ("name", "why"),
    [
        # tzdata directories, which pendulum tries to open as files
        pytest.param("America", "is not an IANA timezone", id="dir-america"),
        pytest.param("Etc", "is not an IANA timezone", id="dir-etc"),
        pytest.param("US", "is not an IANA timezone", id="dir-us"),
        pytest.param("Europe", "is not an IANA timezone", id="dir-europe"),
        pytest.param("America/Argentina", "is not an IANA timezone", id="dir-nested"),
        pytest.param("Europe/", "is not an IANA timezone", id="dir-trailing-slash"),
        # files among the zones that are not zones
        pytest.param("localtime", "is not an IANA timezone", id="localtime"),
        pytest.param("posixrules", "is not an IANA timezone", id="posixrules"),
        pytest.param("Factory", "is not an IANA timezone", id="factory"),
        pytest.param("zone.tab", "is not an IANA timezone", id="zone-tab"),
        pytest.param("tzdata.zi", "is not an IANA timezone", id="tzdata-zi"),
        pytest.param("leapseconds", "is not an IANA timezone", id="leapseconds"),
        # the posix/ and right/ copies of the database
        pytest.param("right/UTC", "is not an IANA timezone", id="right"),
        pytest.param("posix/Europe/Berlin", "is not an IANA timezone", id="posix"),
        # paths
        pytest.param("../etc/passwd", "is a path", id="dot-dot"),
        pytest.param("Europe/../Europe/Berlin", "is a path", id="dot-dot-inside"),
        pytest.param("/usr/share/zoneinfo/UTC", "is a path", id="absolute"),
        pytest.param("/UTC", "is a path", id="leading-slash"),
        pytest.param("./UTC", "is not an IANA timezone", id="dot-slash"),
        # not the exact spelling
        pytest.param("europe/berlin", "is not an IANA timezone", id="lower-case"),
        pytest.param("UTC ", "is not an IANA timezone", id="trailing-space"),
        pytest.param("Europe/Berlin/", "is not an IANA timezone", id="trailing-slash"),
        pytest.param("Mars/Olympus_Mons", "is not an IANA timezone", id="made-up"),
        pytest.param("EST+5", "is not an IANA timezone", id="posix-tz-string"),
        pytest.param("+05:30", "is not an IANA timezone", id="offset"),
        # characters no zone name has
        pytest.param("Europe/Berlin\x00", "contains a control or non-ASCII character", id="nul"),
        pytest.param("UTC\n", "contains a control or non-ASCII character", id="newline"),
        pytest.param("Europe/\tBerlin", "contains a control or non-ASCII character", id="tab"),
        pytest.param("Europe/Zürich", "contains a control or non-ASCII character", id="non-ascii"),
        pytest.param(
            "UTC\u200b", "contains a control or non-ASCII character", id="zero-width-space"
        ),
        # lengths
        pytest.param("A" * 65, "is longer than 64 characters", id="65-characters"),
    ],
)
def test_zone_names_refused(name: str, why: str) -> None:
    with pytest.raises(ZoneError, match=re.escape(f"'{name}' {why}")):
        check_zone_name(name)


def test_empty_name_refused() -> None:
    with pytest.raises(ZoneError, match="'' is not an IANA timezone"):
        check_zone_name("")


def test_zone_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="'Nowhere'"):
        check_zone_name("Nowhere")


def test_every_listed_name_is_loadable_and_short() -> None:
    """The accepted set is what pendulum loads, all within the length limit, and none of it
    comes from the filesystem's extras."""
    names = zone_names()
    assert "Europe/Berlin" in names
    assert len(names) > 400  # tzdata has about 600 names, links included
    for name in names:
        assert len(name) <= MAX_ZONE_NAME
        assert not name.startswith(("posix/", "right/"))
        assert name not in ("Factory", "localtime", "posixrules")
        pendulum.timezone(name)


def test_the_set_is_read_once() -> None:
    assert zone_names() is zone_names()
