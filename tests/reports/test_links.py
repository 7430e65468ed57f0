"""Share-link tokens and lifetimes: what a link grants, and what is refused."""

from datetime import UTC, datetime, timedelta
from hashlib import sha256

import pytest
from itsdangerous import URLSafeSerializer

from app.reports.links import (
    LinkExpired,
    LinkNotFound,
    LinkSigner,
    ReportLink,
    parse_lifetime,
)

NOW = datetime(2026, 12, 5, 12, 0, 0, 250_000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P7D", timedelta(days=7)),
        ("PT12H", timedelta(hours=12)),
        ("P1W", timedelta(weeks=1)),
        ("P2DT6H", timedelta(days=2, hours=6)),
        ("PT90M", timedelta(minutes=90)),
        ("PT30S", timedelta(seconds=30)),
        ("P90D", timedelta(days=90)),
        ("PT2160H", timedelta(days=90)),  # 90 × 24
        ("P12W6D", timedelta(days=90)),  # 84 + 6
        ("P007D", timedelta(days=7)),
    ],
)
def test_lifetimes_read(text: str, expected: timedelta) -> None:
    assert parse_lifetime(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("P91D", "'P91D' is longer than P90D"),
        ("PT2161H", "'PT2161H' is longer than P90D"),
        ("P13W", "'P13W' is longer than P90D"),  # 91 days
        ("P99999999999999999999D", "is longer than P90D"),
        ("P1M", "'P1M' counts years or months"),
        ("P1Y", "'P1Y' counts years or months"),
        ("P1MT1H", "counts years or months"),
        ("P0D", "'P0D' must be longer than zero"),
        ("PT0S", "must be longer than zero"),
        ("", "is not an ISO 8601 duration"),
        ("P", "is not an ISO 8601 duration"),
        ("7D", "is not an ISO 8601 duration"),
        ("p7d", "is not an ISO 8601 duration"),
        ("P7DT", "is not an ISO 8601 duration"),
        ("P1.5D", "is not an ISO 8601 duration"),
        ("-P1D", "is not an ISO 8601 duration"),
        ("P1D ", "is not an ISO 8601 duration"),
        ("P١D", "is not an ISO 8601 duration"),  # an Arabic-Indic one
        ("2026-01-01/P1D", "is not an ISO 8601 duration"),
    ],
)
def test_lifetimes_refused(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        parse_lifetime(text)


def test_a_link_expires_on_the_whole_second_after_its_lifetime() -> None:
    link = ReportLink.lasting("contoso", "2026-11", "pdf", NOW, timedelta(days=7))
    assert link.expires_at == datetime(2026, 12, 12, 12, tzinfo=UTC)


SIGNER = LinkSigner("test-secret")
LINK = ReportLink("contoso", "2026-11", "html", datetime(2026, 12, 12, 12, tzinfo=UTC))


def test_a_token_reads_back_as_its_link() -> None:
    token = SIGNER.token(LINK)
    assert SIGNER.read(token, NOW) == LINK
    # URL-safe: it goes into a path segment as it is.
    assert all(character.isalnum() or character in "-_." for character in token)


def test_every_single_character_changed_is_no_link() -> None:
    token = SIGNER.token(LINK)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    for position, character in enumerate(token):
        for replacement in (alphabet[(alphabet.index(character) + 1) % len(alphabet)], "A", "."):
            if replacement == character:
                continue
            altered = token[:position] + replacement + token[position + 1 :]
            with pytest.raises(LinkNotFound):
                SIGNER.read(altered, NOW)


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b", "WyJhIl0.", ".", "x" * 1000, "WyJjb250b3NvIl0.c2lnbmF0dXJl"]
)
def test_strings_that_are_no_token(token: str) -> None:
    with pytest.raises(LinkNotFound):
        SIGNER.read(token, NOW)


def test_a_token_from_another_secret_is_no_link() -> None:
    with pytest.raises(LinkNotFound):
        LinkSigner("another-secret").read(SIGNER.token(LINK), NOW)


def test_a_signed_payload_of_another_shape_is_no_link() -> None:
    # What only someone holding the secret could make: correctly signed, wrongly shaped.
    serializer = URLSafeSerializer(
        "test-secret", salt="sla-ledger.report-link.v1", signer_kwargs={"digest_method": sha256}
    )
    for payload in (
        {"tenant": "contoso"},
        ["contoso", "2026-11", "csv", 1_800_000_000],
        ["contoso", "2026-11", "html", "1800000000"],
        ["contoso", "2026-11", "html"],
        ["contoso", "2026-11", "html", 10**30],
    ):
        with pytest.raises(LinkNotFound):
            SIGNER.read(serializer.dumps(payload), NOW)


def test_a_link_is_gone_from_its_expiry_on() -> None:
    token = SIGNER.token(LINK)
    assert SIGNER.read(token, LINK.expires_at - timedelta(microseconds=1)) == LINK
    with pytest.raises(LinkExpired, match="expired at 2026-12-12T12:00:00"):
        SIGNER.read(token, LINK.expires_at)
