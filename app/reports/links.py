"""Share links: a signed, expiring, read-only URL for one report, opened without a key.

A link's token is `itsdangerous`'s URL-safe signed serialization (HMAC-SHA256 under
`SLA_LINK_SECRET`) of `[tenant_id, month, format, expires_at]`, the expiry in whole
seconds since the epoch. It is signed, not encrypted: whoever holds it can read the
tenant id and month in it, and nothing but that one report. Nothing is stored, so a
link cannot be withdrawn on its own; changing `SLA_LINK_SECRET` withdraws them all.
"""

import hashlib
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, cast

from itsdangerous import BadData, URLSafeSerializer

from app.config import Settings
from app.errors import Gone, NotFound

LinkFormat = Literal["html", "pdf"]
LINK_FORMATS: tuple[LinkFormat, ...] = ("html", "pdf")
DEFAULT_LIFETIME = "P7D"
LONGEST_LIFETIME = "P90D"
MAX_LIFETIME = timedelta(days=90)
# Bumped if the payload ever changes shape, so old tokens fail to verify instead of
# being read the wrong way.
_SALT = "sla-ledger.report-link.v1"

log = logging.getLogger("app")

# [0-9], not \d, which also matches digits of other scripts that int() reads.
_LIFETIME = re.compile(
    r"P(?:(?P<weeks>[0-9]+)W)?(?:(?P<days>[0-9]+)D)?"
    r"(?:T(?:(?P<hours>[0-9]+)H)?(?:(?P<minutes>[0-9]+)M)?(?:(?P<seconds>[0-9]+)S)?)?",
    re.ASCII,
)
# 90 days is 7,776,000 seconds: a part with more digits than that is too long, and is
# not read at all, so no number past what timedelta holds is ever built.
_MAX_DIGITS = 7
_CALENDAR = re.compile(r"P(?:[0-9]+Y)?(?:[0-9]+M)?(?:[0-9]+W)?(?:[0-9]+D)?", re.ASCII)


def parse_lifetime(text: str) -> timedelta:
    """A link's lifetime: an ISO 8601 duration of weeks, days, hours, minutes and seconds
    (`P7D`, `PT12H`, `P1W`, `P2DT6H`), longer than zero and at most `P90D`.

    Years and months are refused rather than guessed at (a month is 28 to 31 days): say
    `P30D`. So are fractions, signs, lower case and a `T` with no time after it.
    """
    match = _LIFETIME.fullmatch(text)
    if match is None or not any(match.groups()) or text.endswith("T"):
        date_part = text.partition("T")[0]
        if _CALENDAR.fullmatch(date_part) and re.search("[YM]", date_part):
            raise ValueError(
                f"'{text}' counts years or months, whose length varies; give days, such as P30D"
            )
        raise ValueError(f"'{text}' is not an ISO 8601 duration such as P7D or PT12H")
    too_long = f"'{text}' is longer than {LONGEST_LIFETIME}, the longest a link may live"
    if any(len((value or "").lstrip("0")) > _MAX_DIGITS for value in match.groups()):
        raise ValueError(too_long)
    parts = {name: int(value or 0) for name, value in match.groupdict().items()}
    lifetime = timedelta(**parts)
    if lifetime <= timedelta(0):
        raise ValueError(f"'{text}' must be longer than zero")
    if lifetime > MAX_LIFETIME:
        raise ValueError(too_long)
    return lifetime


@dataclass(frozen=True, slots=True)
class ReportLink:
    """What a token grants: one tenant's report for one month, in one format, until then."""

    tenant_id: str
    month: str
    format: LinkFormat
    expires_at: datetime

    @classmethod
    def lasting(
        cls, tenant_id: str, month: str, format: LinkFormat, now: datetime, lifetime: timedelta
    ) -> "ReportLink":
        """A link from `now` for `lifetime`, its expiry cut to the whole second."""
        expires = (now + lifetime).astimezone(UTC).replace(microsecond=0)
        return cls(tenant_id, month, format, expires)


class LinkNotFound(NotFound):
    pass


class LinkExpired(Gone):
    pass


class LinkSigner:
    def __init__(self, secret: str) -> None:
        self._serializer = URLSafeSerializer(
            secret, salt=_SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )

    def token(self, link: ReportLink) -> str:
        payload = [link.tenant_id, link.month, link.format, int(link.expires_at.timestamp())]
        return str(self._serializer.dumps(payload))

    def read(self, token: str, now: datetime) -> ReportLink:
        """The link a token stands for: `LinkNotFound` (404) unless it is exactly a token
        this server signed, `LinkExpired` (410) once its time is up."""
        try:
            payload = self._serializer.loads(token)
        except BadData as error:
            raise LinkNotFound("no report is shared under this link") from error
        # Base64 leaves a few bits of the last character unused, so a token can be
        # changed there and still verify: only the exact spelling signed is accepted.
        if self._serializer.dumps(payload) != token:
            raise LinkNotFound("no report is shared under this link")
        link = _link_from(payload)
        if link is None:
            raise LinkNotFound("no report is shared under this link")
        if now >= link.expires_at:
            raise LinkExpired(
                f"this link expired at {link.expires_at.isoformat()}; ask for a new one"
            )
        return link


def _link_from(payload: object) -> ReportLink | None:
    """The payload as signed; anything else (which only a leaked secret could produce)
    is no link."""
    if not isinstance(payload, list) or len(payload) != 4:
        return None
    tenant_id, month, format, expires = payload
    if not (
        isinstance(tenant_id, str)
        and isinstance(month, str)
        and format in LINK_FORMATS
        and isinstance(expires, int)
    ):
        return None
    try:
        expires_at = datetime.fromtimestamp(expires, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return ReportLink(tenant_id, month, cast(LinkFormat, format), expires_at)


def link_signer(settings: Settings) -> LinkSigner:
    """The signer for `SLA_LINK_SECRET`; without one, a random secret for this process,
    and a warning that its links end with it."""
    if settings.link_secret is not None:
        return LinkSigner(settings.link_secret.get_secret_value())
    log.warning(
        "SLA_LINK_SECRET is not set: share links are signed with a random secret made at "
        "start-up and stop working when this process restarts (and are not accepted by "
        "other processes); set SLA_LINK_SECRET to keep them"
    )
    return LinkSigner(secrets.token_urlsafe(32))
