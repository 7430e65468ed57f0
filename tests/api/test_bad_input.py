"""A corpus of bad input over HTTP: one table, every case refused the same way.

Each case sends one request the app must refuse, and checks that:

- the answer is application/problem+json with the expected status (422 but for a few
  401 and 404), never a 5xx;
- a 422 names the field in `errors[].loc` and its msg quotes the value, where there is
  one (a 401 or 404 quotes it in `detail`);
- nothing stored changed: every row of every table, read through SQLAlchemy before and
  after, is the same (but when a key was last used, which any read moves);
- the answer is exactly the one recorded in `bad_input_answers.json`, so that SQLite and
  PostgreSQL (`SLA_TEST_DATABASE_URL`, as `.ci/run` sets it) are held to the same
  answers. After a deliberate change of wording, record them again with
  `SLA_RECORD_BAD_INPUT=1 pytest tests/api/test_bad_input.py` and review the diff.

The cases share one world (tenants, services, outage 1, a tenant key) built once for
the module: since no case may change anything, each case's before/after comparison is
also a check that the next case starts from the same world.

There is no request body limit in the app yet (another branch adds one), so there are
no 413 cases here.
"""

import base64
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, inspect, text

from app.config import Settings
from app.main import create_app
from tests.api.scenario import (
    assert_problem,
    create_tenant,
    make_key,
    quotes,
    store_outages,
    subscribe,
    window,
)
from tests.conftest import ADMIN_KEY, fresh_database_url

ANSWERS = Path(__file__).with_name("bad_input_answers.json")
RECORDING = os.environ.get("SLA_RECORD_BAD_INPUT") == "1"

Loc = list[str | int]


class _Absent:
    def __repr__(self) -> str:
        return "ABSENT"


ABSENT: Any = _Absent()


@dataclass(frozen=True)
class Case:
    """One request and what its refusal must say.

    `loc` is the errors[].loc the problem must name (None for a 401 or 404, which have
    no errors list); `value` is what the message there (or the detail) must quote, or
    ABSENT where the input has no value worth quoting (a body that is not JSON).
    A header value may name a world secret as `{acme_key}`.
    """

    id: str
    method: str
    path: str
    loc: Loc | None
    value: Any = ABSENT
    json: Any = ABSENT
    content: bytes | None = None
    params: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 422
    files: dict[str, tuple[str, bytes]] | None = None
    form: dict[str, str] | None = None


# Valid bodies; each case spoils one field (test_the_valid_bodies_are_valid proves them).
TENANT: dict[str, Any] = {"id": "newco", "name": "New Co", "timezone": "UTC", "currency": "USD"}
POLICY: dict[str, Any] = {
    "id": "custom",
    "name": "Custom",
    "target_percent": "99.9",
    "tiers": [{"below_percent": "99.9", "credit_percent": "10"}],
}
SUBSCRIPTION: dict[str, Any] = {"policy_id": "microsoft-365", "monthly_fee": "10.00"}
YEN_SUBSCRIPTION: dict[str, Any] = {**SUBSCRIPTION, "monthly_fee": "10"}
ROW: dict[str, Any] = {
    "service_id": "mail",
    "start": "2026-11-20T10:00:00Z",
    "end": "2026-11-20T11:00:00Z",
}
OUTAGES = "/v1/tenants/acme/outages"
OUTAGE_1 = f"{OUTAGES}/1"
NEW_SERVICE = "/v1/tenants/acme/services/newsvc"


def _row(**changes: Any) -> dict[str, Any]:
    return {"outages": [{**ROW, **changes}]}


def _with(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**body, **changes}


def _raw(body: dict[str, Any], placeholder: str, raw: str) -> bytes:
    """`body` as JSON text with the string "PLACEHOLDER" replaced by raw JSON text."""
    return json.dumps(body).replace(f'"{placeholder}"', raw).encode()


# Timezones a tenant may not have: tzdata directories, files that are not zones,
# paths, the wrong case, nothing, too long.
NOT_ZONES = [
    "America",
    "Etc",
    "US",
    "Europe",
    "localtime",
    "posixrules",
    "Factory",
    "right/UTC",
    "posix/UTC",
    "posix/Europe/Berlin",
    "../etc/passwd",
    "/UTC",
    "utc",
    "europe/berlin",
    "Europe/Berlin ",
    "",
    "A" * 65,
]
ZONE_CASES = [
    Case(
        f"timezone-{name[:20] or 'empty'}",
        "POST",
        "/v1/tenants",
        ["body", "timezone"],
        name,
        json=_with(TENANT, timezone=name),
    )
    for name in NOT_ZONES
]

# Timestamps that are not RFC 3339, or offsets outside ±23:59.
NOT_TIMESTAMPS = [
    ("offset-plus-24", "2026-11-10T14:00:00+24:00"),
    ("offset-minus-24", "2026-11-10T14:00:00-24:00"),
    ("offset-minute-60", "2026-11-10T14:00:00+23:60"),
    ("iso-week", "2026-W45-2T14:00:00Z"),
    ("ordinal", "2026-314T14:00:00Z"),
    ("basic", "20261110T140000Z"),
    ("offset-no-colon", "2026-11-10T14:00:00+0530"),
    ("hour-only", "2026-11-10T14Z"),
    ("date-only", "2026-11-10"),
    ("arabic-indic-digits", "٢٠٢٦-١١-١٠T14:00:00Z"),
    ("fullwidth-digits", "２０２６-１１-１０T１４:００:００Z"),
    ("trailing-space", "2026-11-10T14:00:00Z "),
    ("nul-inside", "2026-11-10T14:00\x00:00Z"),
]
TIMESTAMP_CASES = [
    case
    for index, (name, stamp) in enumerate(NOT_TIMESTAMPS)
    for case in (
        Case(
            f"outage-start-{name}",
            "POST",
            OUTAGES,
            ["body", "outages", 0, "start"],
            stamp,
            json=_row(start=stamp),
        ),
        Case(
            f"patch-{('start', 'end')[index % 2]}-{name}",
            "PATCH",
            OUTAGE_1,
            ["body", ("start", "end")[index % 2]],
            stamp,
            json={("start", "end")[index % 2]: stamp},
        ),
        Case(
            f"outages-query-{('from', 'to')[index % 2]}-{name}",
            "GET",
            OUTAGES,
            ["query", ("from", "to")[index % 2]],
            stamp,
            params={("from", "to")[index % 2]: stamp},
        ),
        Case(
            f"audit-query-{('to', 'from')[index % 2]}-{name}",
            "GET",
            "/v1/audit",
            ["query", ("to", "from")[index % 2]],
            stamp,
            params={("to", "from")[index % 2]: stamp},
        ),
    )
]
TIMESTAMP_CASES.append(
    Case(
        "outage-end-offset-plus-24",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "end"],
        "2026-11-20T11:00:00+24:00",
        json=_row(end="2026-11-20T11:00:00+24:00"),
    )
)

# Control characters (C0, DEL, C1) in every kind of text the API takes.
CONTROLS = ["\x00", "\x01", "\x1b", "\x7f", "\x85"]


def _control_case(index: int, char: str) -> Case:
    code = f"u{ord(char):04x}"
    escaped = quote(char)
    places: list[Case] = [
        Case(
            f"tenant-name-{code}",
            "POST",
            "/v1/tenants",
            ["body", "name"],
            f"New{char}Co",
            json=_with(TENANT, name=f"New{char}Co"),
        ),
        Case(
            f"policy-name-{code}",
            "POST",
            "/v1/policies",
            ["body", "name"],
            f"Custom{char}",
            json=_with(POLICY, name=f"Custom{char}"),
        ),
        Case(
            f"policy-source-{code}",
            "POST",
            "/v1/policies",
            ["body", "source"],
            f"SLA{char}",
            json=_with(POLICY, source=f"SLA{char}"),
        ),
        Case(
            f"policy-claim-window-{code}",
            "POST",
            "/v1/policies",
            ["body", "claim_window"],
            f"P1M{char}",
            json=_with(POLICY, claim_window=f"P1M{char}"),
        ),
        Case(
            f"subscription-policy-id-{code}",
            "PUT",
            NEW_SERVICE,
            ["body", "policy_id"],
            f"microsoft-365{char}",
            json=_with(SUBSCRIPTION, policy_id=f"microsoft-365{char}"),
        ),
        Case(
            f"outage-service-id-{code}",
            "POST",
            OUTAGES,
            ["body", "outages", 0, "service_id"],
            f"mail{char}",
            json=_row(service_id=f"mail{char}"),
        ),
        Case(
            f"outage-external-id-{code}",
            "POST",
            OUTAGES,
            ["body", "outages", 0, "external_id"],
            f"INC{char}2",
            json=_row(external_id=f"INC{char}2"),
        ),
        Case(
            f"outage-title-{code}",
            "POST",
            OUTAGES,
            ["body", "outages", 0, "title"],
            f"Down{char}",
            json=_row(title=f"Down{char}"),
        ),
        Case(
            f"patch-title-{code}",
            "PATCH",
            OUTAGE_1,
            ["body", "title"],
            f"Down{char}",
            json={"title": f"Down{char}"},
        ),
        Case(
            f"path-tenant-id-{code}",
            "GET",
            f"/v1/tenants/ac{escaped}me",
            ["path"],
            f"/v1/tenants/ac{char}me",
        ),
        Case(
            f"path-service-id-{code}",
            "PUT",
            f"/v1/tenants/acme/services/ma{escaped}il",
            ["path"],
            f"/v1/tenants/acme/services/ma{char}il",
            json=SUBSCRIPTION,
        ),
        Case(
            f"path-outage-id-{code}",
            "PATCH",
            f"{OUTAGE_1}{escaped}",
            ["path"],
            f"{OUTAGE_1}{char}",
            json={"title": "x"},
        ),
        Case(
            f"query-service-id-{code}",
            "GET",
            OUTAGES,
            ["query", "service_id"],
            f"mail{char}",
            params={"service_id": f"mail{char}"},
        ),
        Case(
            f"query-cursor-{code}",
            "GET",
            "/v1/tenants",
            ["query", "cursor"],
            f"WyJhIl0{char}",
            params={"cursor": f"WyJhIl0{char}"},
        ),
        Case(
            f"query-tenant-id-{code}",
            "GET",
            ("/v1/audit", "/v1/api-keys")[index % 2],
            ["query", "tenant_id"],
            f"acme{char}",
            params={"tenant_id": f"acme{char}"},
        ),
    ]
    return places[index]


# Each place gets two of the five characters, and each character six places.
CONTROL_CASES = [
    _control_case(place, CONTROLS[(2 * place + turn) % len(CONTROLS)])
    for place in range(15)
    for turn in range(2)
]

NOT_CLAIM_WINDOWS = [
    ("interval-start-duration", "2026-01-01/P1M"),
    ("interval-duration-end", "P1M/2026-02-01"),
    ("repeating", "R5/P1D"),
    ("zero-days", "P0D"),
    ("zero-seconds", "PT0S"),
    ("negative", "-P1M"),
    ("bare-p", "P"),
    ("bare-pt", "PT"),
    ("fraction", "P1.5M"),
    ("fraction-comma", "P0,5D"),
    ("fraction-hours", "PT0.5H"),
    ("lower-case", "p1m"),
    ("lower-case-unit", "P1m"),
    ("arabic-indic-digit", "P١M"),
    ("fullwidth-digit", "P１M"),
    ("eleven-years", "P11Y"),
    ("ten-years-and-a-day", "P3654D"),
    ("ten-digit-days", "P9999999999D"),
    ("leading-space", " P1M"),
]
CLAIM_WINDOW_CASES = [
    Case(
        f"claim-window-{name}",
        "POST",
        "/v1/policies",
        ["body", "claim_window"],
        text_,
        json=_with(POLICY, claim_window=text_),
    )
    for name, text_ in NOT_CLAIM_WINDOWS
]

# Decimals that are not plain ASCII decimal strings, in every decimal field.
TIER = POLICY["tiers"][0]
DECIMAL_CASES = [
    Case(
        "fee-arabic-indic",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "١٢",
        json=_with(SUBSCRIPTION, monthly_fee="١٢"),
    ),
    Case(
        "fee-exponent",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "1e2",
        json=_with(SUBSCRIPTION, monthly_fee="1e2"),
    ),
    Case(
        "fee-plus-sign",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "+1",
        json=_with(SUBSCRIPTION, monthly_fee="+1"),
    ),
    Case(
        "fee-leading-space",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        " 1",
        json=_with(SUBSCRIPTION, monthly_fee=" 1"),
    ),
    Case(
        "fee-json-number",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        12.5,
        json=_with(SUBSCRIPTION, monthly_fee=12.5),
    ),
    Case(
        "target-fullwidth",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        "１",
        json=_with(POLICY, target_percent="１"),
    ),
    Case(
        "target-nan",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        "NaN",
        json=_with(POLICY, target_percent="NaN"),
    ),
    Case(
        "target-bare-fraction",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        ".5",
        json=_with(POLICY, target_percent=".5"),
    ),
    Case(
        "target-json-number",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        99,
        json=_with(POLICY, target_percent=99),
    ),
    Case(
        "impact-infinity",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        "Infinity",
        json=_row(impact="Infinity"),
    ),
    Case(
        "impact-trailing-point",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        "1.",
        json=_row(impact="1."),
    ),
    Case(
        "impact-trailing-space",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        "0.5 ",
        json=_row(impact="0.5 "),
    ),
    Case(
        "impact-json-number",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        0.5,
        json=_row(impact=0.5),
    ),
    Case(
        "patch-impact-fullwidth-fraction",
        "PATCH",
        OUTAGE_1,
        ["body", "impact"],
        "０.５",
        json={"impact": "０.５"},
    ),
    Case(
        "tier-credit-underscore",
        "POST",
        "/v1/policies",
        ["body", "tiers", 0, "credit_percent"],
        "1_0",
        json=_with(POLICY, tiers=[_with(TIER, credit_percent="1_0")]),
    ),
    Case(
        "min-downtime-minus-infinity",
        "POST",
        "/v1/policies",
        ["body", "min_downtime_minutes"],
        "-Infinity",
        json=_with(POLICY, min_downtime_minutes="-Infinity"),
    ),
    Case(
        "target-nineteen-digits",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        "1" * 19,
        json=_with(POLICY, target_percent="1" * 19),
    ),
]

# JSON types as declared, nothing coerced; integers within their bounds.
STRICT_TYPE_CASES = [
    Case(
        "users-affected-true",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        True,
        json=_row(service_id="seats", users_affected=True),
    ),
    Case(
        "users-affected-string",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        "5",
        json=_row(service_id="seats", users_affected="5"),
    ),
    Case(
        "users-affected-float",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        5.0,
        json=_row(service_id="seats", users_affected=5.0),
    ),
    Case(
        "users-affected-zero",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        0,
        json=_row(service_id="seats", users_affected=0),
    ),
    Case(
        "users-affected-negative",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        -1,
        json=_row(service_id="seats", users_affected=-1),
    ),
    Case(
        "users-affected-without-seats",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        5,
        json=_row(users_affected=5),
    ),
    Case(
        "exclude-maintenance-string",
        "POST",
        "/v1/policies",
        ["body", "exclude_maintenance"],
        "true",
        json=_with(POLICY, exclude_maintenance="true"),
    ),
    Case(
        "exclude-maintenance-one",
        "POST",
        "/v1/policies",
        ["body", "exclude_maintenance"],
        1,
        json=_with(POLICY, exclude_maintenance=1),
    ),
    Case(
        "kind-capitalised",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "kind"],
        "Outage",
        json=_row(kind="Outage"),
    ),
    Case(
        "patch-kind-upper-case",
        "PATCH",
        OUTAGE_1,
        ["body", "kind"],
        "MAINTENANCE",
        json={"kind": "MAINTENANCE"},
    ),
    Case(
        "subscription-users-string",
        "PUT",
        NEW_SERVICE,
        ["body", "users"],
        "100",
        json=_with(SUBSCRIPTION, users="100"),
    ),
    Case(
        "api-key-role-capitalised",
        "POST",
        "/v1/api-keys",
        ["body", "role"],
        "Admin",
        json={"role": "Admin"},
    ),
    Case(
        "measurement-timezone-zone-name",
        "POST",
        "/v1/policies",
        ["body", "measurement_timezone"],
        "Europe/Berlin",
        json=_with(POLICY, measurement_timezone="Europe/Berlin"),
    ),
]

# Money: never negative, and no more decimals than the currency's minor unit.
FEE_CASES = [
    Case(
        "fee-negative",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "-1",
        json=_with(SUBSCRIPTION, monthly_fee="-1"),
    ),
    Case(
        "fee-negative-cent",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "-0.01",
        json=_with(SUBSCRIPTION, monthly_fee="-0.01"),
    ),
    Case(
        "fee-usd-three-places",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        "1.001",
        json=_with(SUBSCRIPTION, monthly_fee="1.001"),
    ),
    Case(
        "fee-jpy-fraction",
        "PUT",
        "/v1/tenants/yen/services/newsvc",
        ["body", "monthly_fee"],
        "1.5",
        json=_with(SUBSCRIPTION, monthly_fee="1.5"),
    ),
    Case(
        "fee-jpy-zero-point-zero",
        "PUT",
        "/v1/tenants/yen/services/newsvc",
        ["body", "monthly_fee"],
        "100.0",
        json=_with(SUBSCRIPTION, monthly_fee="100.0"),
    ),
]


def _b64(text_: str) -> str:
    return base64.urlsafe_b64encode(text_.encode()).decode()


# Every paginated list and the kinds its cursor holds: text, a 64-bit int, a row id.
LISTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("tenants", "/v1/tenants", ("str",)),
    ("outages", OUTAGES, ("int", "id")),
    ("api-keys", "/v1/api-keys", ("str",)),
    ("audit", "/v1/audit", ("id",)),
    ("portfolio", "/v1/reports/2026-11", ("str", "str")),
    ("imports", "/v1/tenants/acme/imports", ("id",)),
    ("history", f"{OUTAGE_1}/history", ("id",)),
]


def _cursors(kinds: tuple[str, ...]) -> list[tuple[str, str]]:
    """Crafted cursors, each wrong in one way for a list sorted by `kinds`."""
    arity = len(kinds)

    def made(*parts: str) -> str:
        return _b64("[" + ", ".join(parts) + "]")

    found = [
        ("not-base64", "!!!"),
        ("bad-padding", "abc"),
        ("base64-of-text", _b64("hello")),
        ("json-null", _b64("null")),
        ("json-object", _b64('{"a": 1}')),
        ("wrong-arity", made(*(['"a"' if kind == "str" else "1" for kind in kinds] * 2))),
        ("booleans", made(*(["true"] * arity))),
        ("nested-lists", made(*(["[1]"] * arity))),
    ]
    if "id" in kinds:
        # A row id is a 32-bit serial: PostgreSQL answered 500 comparing a larger one.
        found += [
            ("id-past-32-bits", made(*["2147483648" if kind == "id" else "1" for kind in kinds])),
            ("id-zero", made(*["0" if kind == "id" else "1" for kind in kinds])),
        ]
    if "str" not in kinds:
        found += [
            ("float-1e400", made(*(["1e400"] * arity))),
            ("int-2-pow-63", made(*(["9223372036854775808"] * arity))),
            ("int-below-int64", made(*(["-9223372036854775809"] * arity))),
            ("digit-strings", made(*(['"1"'] * arity))),
            ("floats", made(*(["1.0"] * arity))),
        ]
    else:
        found += [
            ("ints", made(*(["1"] * arity))),
            ("nul-in-string", made(*(['"a\\u0000"'] * arity))),
            ("lone-surrogate", made(*(['"\\ud800"'] * arity))),
        ]
    return found


CURSOR_CASES = [
    Case(
        f"cursor-{name}-{kind}", "GET", path, ["query", "cursor"], cursor, params={"cursor": cursor}
    )
    for name, path, kinds in LISTS
    for kind, cursor in _cursors(kinds)
]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


IDEMPOTENT = {"Idempotency-Key": "deep-body-1"}
DEEP_CASES = [
    Case(
        "deep-950-in-a-field",
        "POST",
        "/v1/tenants",
        ["body", "name"],
        content=_raw(_with(TENANT, name="DEEP"), "DEEP", _nested(950)),
    ),
    Case(
        "deep-950-in-an-unknown-field",
        "POST",
        "/v1/tenants",
        ["body", "extra"],
        content=_raw(_with(TENANT, extra="DEEP"), "DEEP", _nested(950)),
    ),
    Case(
        "deep-950-with-idempotency-key",
        "POST",
        "/v1/tenants",
        ["body", "name"],
        content=_raw(_with(TENANT, name="DEEP"), "DEEP", _nested(950)),
        headers=IDEMPOTENT,
    ),
    Case(
        "deep-950-unknown-field-with-idempotency-key",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "extra"],
        content=_raw(_row(extra="DEEP"), "DEEP", _nested(950)),
        headers=IDEMPOTENT,
    ),
    Case(
        "deep-950-object-in-policy-source",
        "POST",
        "/v1/policies",
        ["body", "source"],
        content=_raw(_with(POLICY, source="DEEP"), "DEEP", '{"a": ' * 950 + "1" + "}" * 950),
    ),
    Case("deep-950-whole-body", "POST", "/v1/tenants", ["body"], content=_nested(950).encode()),
    Case(
        "deep-5000-in-a-field",
        "POST",
        "/v1/tenants",
        ["body"],
        content=_raw(_with(TENANT, name="DEEP"), "DEEP", _nested(5000)),
    ),
    Case(
        "deep-5000-in-an-unknown-field",
        "POST",
        "/v1/tenants",
        ["body"],
        content=_raw(_with(TENANT, extra="DEEP"), "DEEP", _nested(5000)),
    ),
    Case(
        "deep-5000-with-idempotency-key",
        "POST",
        "/v1/tenants",
        ["body"],
        content=_raw(_with(TENANT, name="DEEP"), "DEEP", _nested(5000)),
        headers=IDEMPOTENT,
    ),
    Case(
        "deep-5000-patch",
        "PATCH",
        OUTAGE_1,
        ["body"],
        content=_raw({"title": "DEEP"}, "DEEP", _nested(5000)),
    ),
]

# Outage ids with padding, signs, other digits, out of range: outage 1 stays as it is.
NOT_OUTAGE_IDS = [
    ("leading-space", "%201", " 1"),
    ("trailing-space", "1%20", "1 "),
    ("plus-sign", "+1", "+1"),
    ("leading-zero", "01", "01"),
    ("decimal", "1.0", "1.0"),
    ("hex", "0x1", "0x1"),
    ("fullwidth", "%EF%BC%91", "１"),
    ("eleven-digits", "99999999999", "99999999999"),
    ("past-32-bits", "2147483648", "2147483648"),
    ("negative", "-1", "-1"),
    ("zero", "0", "0"),
]
OUTAGE_ID_CASES = [
    case
    for name, raw, shown in NOT_OUTAGE_IDS
    for case in (
        Case(
            f"patch-outage-id-{name}",
            "PATCH",
            f"{OUTAGES}/{raw}",
            ["path", "outage_id"],
            shown,
            json={"title": "Changed"},
        ),
        Case(
            f"delete-outage-id-{name}", "DELETE", f"{OUTAGES}/{raw}", ["path", "outage_id"], shown
        ),
        Case(
            f"history-outage-id-{name}",
            "GET",
            f"{OUTAGES}/{raw}/history",
            ["path", "outage_id"],
            shown,
        ),
    )
] + [
    Case(
        f"import-id-{name}", "GET", f"/v1/tenants/acme/imports/{raw}", ["path", "import_id"], shown
    )
    for name, raw, shown in [
        ("plus-sign", "+1", "+1"),
        ("underscore", "1_0", "1_0"),
        ("leading-zero", "01", "01"),
        ("past-64-bits", "9223372036854775808", "9223372036854775808"),
        ("twenty-digits", "99999999999999999999", "99999999999999999999"),
    ]
]

NOT_MONTHS = [
    ("month-13", "2026-13"),
    ("month-00", "2026-00"),
    ("year-0000", "0000-01"),
    ("one-digit-month", "2026-1"),
    ("fullwidth", "２０２６-１１"),
    ("arabic-indic", "٢٠٢٦-١١"),
    ("a-date", "2026-11-01"),
    ("before-1970", "1969-12"),
]
MONTH_CASES = [
    case
    for name, month in NOT_MONTHS
    for case in (
        Case(
            f"tenant-report-{name}",
            "GET",
            f"/v1/tenants/acme/reports/{quote(month)}",
            ["path", "month"],
            month,
        ),
        Case(
            f"portfolio-report-{name}",
            "GET",
            f"/v1/reports/{quote(month)}",
            ["path", "month"],
            month,
        ),
    )
]

BODY_CASES = [
    Case("body-not-json", "POST", "/v1/tenants", ["body"], content=b"hello"),
    Case("body-not-utf8", "POST", "/v1/tenants", ["body"], content=b"\xff\xfe"),
    Case(
        "body-latin1-in-a-string",
        "POST",
        "/v1/tenants",
        ["body"],
        content=b'{"id": "newco", "name": "Caf\xe9"}',
    ),
    Case("body-empty", "POST", "/v1/tenants", ["body"], content=b""),
    Case("body-json-null", "POST", "/v1/tenants", ["body"], content=b"null"),
    Case("body-array-for-object", "POST", "/v1/tenants", ["body"], json=[TENANT]),
    Case("body-array-for-patch", "PATCH", OUTAGE_1, ["body"], json=[{"title": "x"}]),
    Case(
        "body-trailing-garbage",
        "POST",
        "/v1/tenants",
        ["body"],
        content=json.dumps(TENANT).encode() + b" x",
    ),
    Case(
        "body-nan-literal",
        "POST",
        "/v1/tenants",
        ["body", "name"],
        content=_raw(_with(TENANT, name="NAN"), "NAN", "NaN"),
    ),
    Case(
        "body-text-plain",
        "POST",
        "/v1/tenants",
        ["body"],
        content=json.dumps(TENANT).encode(),
        headers={"Content-Type": "text/plain"},
    ),
    # Python's JSON keeps the last of duplicate keys: the last one is judged.
    Case(
        "body-duplicate-key-last-bad",
        "POST",
        "/v1/tenants",
        ["body", "id"],
        "New Co",
        content=b'{"id": "newco", "name": "New Co", "id": "New Co"}',
    ),
    Case(
        "body-unknown-field",
        "POST",
        "/v1/tenants",
        ["body", "colour"],
        "mauve",
        json=_with(TENANT, colour="mauve"),
    ),
    Case(
        "body-unknown-field-in-row",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "colour"],
        "mauve",
        json=_row(colour="mauve"),
    ),
    Case(
        "title-600-characters",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "title"],
        "t" * 600,
        json=_row(title="t" * 600),
    ),
    Case(
        "patch-title-600-characters",
        "PATCH",
        OUTAGE_1,
        ["body", "title"],
        "t" * 600,
        json={"title": "t" * 600},
    ),
    Case(
        "tenant-name-201-characters",
        "POST",
        "/v1/tenants",
        ["body", "name"],
        "n" * 201,
        json=_with(TENANT, name="n" * 201),
    ),
    Case("outages-empty-list", "POST", OUTAGES, ["body", "outages"], json={"outages": []}),
    Case("patch-empty", "PATCH", OUTAGE_1, ["body"], json={}),
    Case("patch-null-start", "PATCH", OUTAGE_1, ["body", "start"], None, json={"start": None}),
]

# Idempotency-Key: printable ASCII, 1 to 255 characters; refused before anything is stored.
IDEMPOTENCY_CASES = [
    Case(
        f"idempotency-key-{name}",
        "POST",
        path,
        ["header", "Idempotency-Key"],
        key,
        json=body,
        headers={"Idempotency-Key": key},
    )
    for name, key, path, body in [
        ("u0001", "a\x01b", "/v1/tenants", TENANT),
        ("u001b", "a\x1bb", "/v1/tenants", TENANT),
        ("u007f", "a\x7fb", OUTAGES, _row()),
        ("tab", "a\tb", "/v1/policies", POLICY),
        ("space", "a b", "/v1/tenants", TENANT),
        ("256-characters", "k" * 256, OUTAGES, _row()),
        ("empty", "", "/v1/tenants", TENANT),
    ]
]

# Half a UTF-16 pair, escaped in JSON: not Unicode text (these answered 500).
SURROGATE = '"\\ud800"'
SURROGATE_PLACES: list[tuple[str, str, str, Loc, dict[str, Any]]] = [
    ("tenant-name", "POST", "/v1/tenants", ["body", "name"], _with(TENANT, name="HALF")),
    (
        "tenant-currency",
        "POST",
        "/v1/tenants",
        ["body", "currency"],
        _with(TENANT, currency="HALF"),
    ),
    ("policy-source", "POST", "/v1/policies", ["body", "source"], _with(POLICY, source="HALF")),
    (
        "policy-target",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        _with(POLICY, target_percent="HALF"),
    ),
    (
        "tier-credit-days",
        "POST",
        "/v1/policies",
        ["body", "tiers", 0, "credit_days"],
        _with(POLICY, tiers=[{"below_percent": "99.9", "credit_days": "HALF"}]),
    ),
    (
        "fee",
        "PUT",
        NEW_SERVICE,
        ["body", "monthly_fee"],
        _with(SUBSCRIPTION, monthly_fee="HALF"),
    ),
    ("outage-title", "POST", OUTAGES, ["body", "outages", 0, "title"], _row(title="HALF")),
    (
        "outage-external-id",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "external_id"],
        _row(external_id="HALF"),
    ),
    ("outage-start", "POST", OUTAGES, ["body", "outages", 0, "start"], _row(start="HALF")),
    ("outage-impact", "POST", OUTAGES, ["body", "outages", 0, "impact"], _row(impact="HALF")),
    ("patch-title", "PATCH", OUTAGE_1, ["body", "title"], {"title": "HALF"}),
    ("patch-end", "PATCH", OUTAGE_1, ["body", "end"], {"end": "HALF"}),
    (
        "api-key-tenant-id",
        "POST",
        "/v1/api-keys",
        ["body", "tenant_id"],
        {"role": "tenant", "tenant_id": "HALF"},
    ),
]
SURROGATE_CASES = [
    Case(
        f"lone-surrogate-{name}", method, path, loc, "\ud800", content=_raw(body, "HALF", SURROGATE)
    )
    for name, method, path, loc, body in SURROGATE_PLACES
]

# Uploads: the file and the form fields are input like any body.
IMPORTS = "/v1/tenants/acme/imports"
GOOD_FILE = json.dumps(_row()).encode()
HALF_TITLE = _raw(_row(title="HALF"), "HALF", SURROGATE)
IMPORT_CASES = [
    Case(
        "import-file-lone-surrogate",
        "POST",
        IMPORTS,
        ["file", "outages", 0, "title"],
        "\ud800",
        files={"file": ("o.json", HALF_TITLE)},
        form={"format": "json"},
    ),
    Case(
        "import-portfolio-lone-surrogate-tenant",
        "POST",
        "/v1/imports",
        ["file", "outages", 0, "tenant_id"],
        "\ud800",
        files={"file": ("o.json", _raw(_row(tenant_id="HALF"), "HALF", SURROGATE))},
        form={"format": "json"},
    ),
    Case(
        "import-service-map-lone-surrogate",
        "POST",
        IMPORTS,
        ["body", "service_map", "Mail"],
        "\ud800",
        files={"file": ("o.json", GOOD_FILE)},
        form={"format": "json", "service_map": '{"Mail": "\\ud800"}'},
    ),
    Case(
        "import-service-map-not-json",
        "POST",
        IMPORTS,
        ["body", "service_map"],
        "Mail=mail",
        files={"file": ("o.json", GOOD_FILE)},
        form={"format": "json", "service_map": "Mail=mail"},
    ),
    Case(
        "import-file-not-utf8",
        "POST",
        IMPORTS,
        ["file", "line", 2],
        files={"file": ("o.csv", b"service_id,start,title\nmail,2026-11-20T10:00Z,Caf\xe9\n")},
        form={"format": "csv"},
    ),
    Case(
        "import-format-unknown",
        "POST",
        IMPORTS,
        ["body", "format"],
        "xml",
        files={"file": ("o.json", GOOD_FILE)},
        form={"format": "xml"},
    ),
    Case(
        "import-dry-run-not-a-boolean",
        "POST",
        IMPORTS,
        ["body", "dry_run"],
        "maybe",
        files={"file": ("o.json", GOOD_FILE)},
        form={"format": "json", "dry_run": "maybe"},
    ),
    Case(
        "import-file-deep-json",
        "POST",
        IMPORTS,
        ["file"],
        files={"file": ("o.json", _nested(5000).encode())},
        form={"format": "json"},
    ),
]

# Not 422: no key, or a tenant the caller cannot see or that does not exist.
NO_KEY = {"X-API-Key": ""}
ACCESS_CASES = [
    Case(
        "no-key-with-a-bad-body",
        "POST",
        "/v1/tenants",
        None,
        json={"id": "BAD"},
        headers=NO_KEY,
        status=401,
    ),
    Case(
        "no-key-with-a-padded-outage-id",
        "PATCH",
        f"{OUTAGES}/+1",
        None,
        json={"title": "x"},
        headers=NO_KEY,
        status=401,
    ),
    Case(
        "key-with-a-control-character",
        "GET",
        "/v1/tenants",
        None,
        headers={"X-API-Key": "key\x01"},
        status=401,
    ),
    Case(
        "bearer-unknown",
        "GET",
        "/v1/tenants",
        None,
        headers={"X-API-Key": "", "Authorization": "Bearer unknown"},
        status=401,
    ),
    Case("tenant-id-upper-case", "GET", "/v1/tenants/ACME", None, "ACME", status=404),
    Case("tenant-id-dot-dot", "GET", "/v1/tenants/%2e%2e", None, "..", status=404),
    Case(
        "outage-id-largest",
        "PATCH",
        f"{OUTAGES}/2147483647",
        None,
        2147483647,
        json={"title": "x"},
        status=404,
    ),
    Case("outage-of-another-tenant", "DELETE", "/v1/tenants/yen/outages/1", None, 1, status=404),
    Case(
        "tenant-key-on-another-tenant",
        "POST",
        "/v1/tenants/yen/outages",
        None,
        "yen",
        json=_row(),
        headers={"X-API-Key": "{acme_key}"},
        status=404,
    ),
    Case("api-key-unknown", "DELETE", "/v1/api-keys/nosuchkey", None, "nosuchkey", status=404),
]

# What is checked against what is stored, and the rest of the query and path checks.
OTHER_CASES = [
    Case("path-tenant-id-65", "GET", f"/v1/tenants/{'a' * 65}", ["path", "tenant_id"], "a" * 65),
    Case(
        "path-service-id-capitals",
        "PUT",
        "/v1/tenants/acme/services/Mail",
        ["path", "service_id"],
        "Mail",
        json=SUBSCRIPTION,
    ),
    Case("path-policy-id-65", "GET", f"/v1/policies/{'p' * 65}", ["path", "policy_id"], "p" * 65),
    Case("path-key-id-capitals", "DELETE", "/v1/api-keys/ABC", ["path", "key_id"], "ABC"),
    Case("limit-zero", "GET", "/v1/tenants", ["query", "limit"], "0", params={"limit": "0"}),
    Case("limit-501", "GET", OUTAGES, ["query", "limit"], "501", params={"limit": "501"}),
    Case("limit-fraction", "GET", "/v1/audit", ["query", "limit"], "1.5", params={"limit": "1.5"}),
    Case(
        "limit-fullwidth", "GET", "/v1/api-keys", ["query", "limit"], "１", params={"limit": "１"}
    ),
    Case(
        "report-format-xml",
        "GET",
        "/v1/tenants/acme/reports/2026-11",
        ["query", "format"],
        "xml",
        params={"format": "xml"},
    ),
    Case(
        "query-service-id-65",
        "GET",
        OUTAGES,
        ["query", "service_id"],
        "s" * 65,
        params={"service_id": "s" * 65},
    ),
    Case(
        "query-entity-33",
        "GET",
        "/v1/audit",
        ["query", "entity"],
        "e" * 33,
        params={"entity": "e" * 33},
    ),
    Case(
        "outage-unknown-service",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "service_id"],
        "nope",
        json=_row(service_id="nope"),
    ),
    Case(
        "outage-end-before-start",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "end"],
        "2026-11-20T09:00:00Z",
        json=_row(end="2026-11-20T09:00:00Z"),
    ),
    Case(
        "outage-impact-zero",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        "0",
        json=_row(impact="0"),
    ),
    Case(
        "outage-impact-above-one",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "impact"],
        "1.01",
        json=_row(impact="1.01"),
    ),
    Case(
        "outage-impact-and-users",
        "POST",
        OUTAGES,
        ["body", "outages", 0, "users_affected"],
        "0.5",
        json=_row(service_id="seats", impact="0.5", users_affected=5),
    ),
    Case(
        "patch-end-before-start",
        "PATCH",
        OUTAGE_1,
        ["body", "end"],
        "2026-11-03T09:00:00Z",
        json={"end": "2026-11-03T09:00:00Z"},
    ),
    Case(
        "subscription-unknown-policy",
        "PUT",
        NEW_SERVICE,
        ["body", "policy_id"],
        "nope",
        json=_with(SUBSCRIPTION, policy_id="nope"),
    ),
    Case(
        "policy-target-above-100",
        "POST",
        "/v1/policies",
        ["body", "target_percent"],
        "100.1",
        json=_with(POLICY, target_percent="100.1"),
    ),
    Case(
        "policy-no-tiers", "POST", "/v1/policies", ["body", "tiers"], json=_with(POLICY, tiers=[])
    ),
    Case(
        "api-key-tenant-without-id",
        "POST",
        "/v1/api-keys",
        ["body", "tenant_id"],
        json={"role": "tenant"},
    ),
    Case(
        "api-key-unknown-tenant",
        "POST",
        "/v1/api-keys",
        ["body", "tenant_id"],
        "nope",
        json={"role": "tenant", "tenant_id": "nope"},
    ),
    Case(
        "tenant-unknown-currency",
        "POST",
        "/v1/tenants",
        ["body", "currency"],
        "XYZ",
        json=_with(TENANT, currency="XYZ"),
    ),
    Case(
        "tenant-currency-without-minor-unit",
        "POST",
        "/v1/tenants",
        ["body", "currency"],
        "XAU",
        json=_with(TENANT, currency="XAU"),
    ),
]

CASES: list[Case] = [
    *ZONE_CASES,
    *TIMESTAMP_CASES,
    *CONTROL_CASES,
    *CLAIM_WINDOW_CASES,
    *DECIMAL_CASES,
    *STRICT_TYPE_CASES,
    *FEE_CASES,
    *CURSOR_CASES,
    *DEEP_CASES,
    *OUTAGE_ID_CASES,
    *MONTH_CASES,
    *BODY_CASES,
    *IDEMPOTENCY_CASES,
    *SURROGATE_CASES,
    *IMPORT_CASES,
    *ACCESS_CASES,
    *OTHER_CASES,
]


@dataclass
class World:
    client: TestClient
    engine: Engine
    secrets: dict[str, str]
    answers: dict[str, Any]
    recorded: dict[str, Any]


def stored_state(engine: Engine) -> list[tuple[str, list[str]]]:
    """Every row of every table, but when a key was last used (a read moves that);
    as tests/api/test_isolation.py's _stored_state, on an engine kept for the module."""
    state = []
    with engine.connect() as connection:
        for name in sorted(inspect(connection).get_table_names()):
            rows = connection.execute(text(f'SELECT * FROM "{name}"')).mappings()
            kept = [
                repr(sorted((k, v) for k, v in row.items() if k != "last_used_micros"))
                for row in rows
            ]
            state.append((name, sorted(kept)))
    return state


def build_world(client: TestClient) -> dict[str, str]:
    """Two tenants (USD in UTC, JPY in Tokyo), services with and without seats, outage 1."""
    create_tenant(client, "acme")
    create_tenant(client, "yen", timezone="Asia/Tokyo", currency="JPY")
    subscribe(client, "acme", "mail", "microsoft-365", "100.00")
    subscribe(client, "acme", "seats", "microsoft-365", "100.00", users=100)
    subscribe(client, "yen", "mail", "microsoft-365", "1000")
    stored = store_outages(
        client,
        "acme",
        window("mail", "2026-11-03T10:00:00Z", "2026-11-03T11:00:00Z", external_id="INC-1"),
    )
    assert stored["outages"][0]["id"] == 1
    _, acme_key = make_key(client, "tenant", "acme")
    return {"acme_key": acme_key}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = fresh_database_url(tmp_path_factory.mktemp("bad-input"))
    app = create_app(Settings(database_url=url, admin_key=ADMIN_KEY))
    engine = create_engine(url)
    answers = json.loads(ANSWERS.read_text()) if ANSWERS.exists() else {}
    with TestClient(app, headers={"X-API-Key": ADMIN_KEY}, raise_server_exceptions=False) as client:
        secrets = build_world(client)
        shared = World(client, engine, secrets, answers, {})
        yield shared
    engine.dispose()
    if RECORDING:
        # Cases not run this time (-k) keep their answer; cases no longer in the table go.
        merged = {**answers, **shared.recorded}
        ordered = {case.id: merged[case.id] for case in CASES if case.id in merged}
        ANSWERS.write_text(json.dumps(ordered, indent=1, ensure_ascii=False) + "\n")


def _send(client: TestClient, case: Case, secrets: dict[str, str]) -> Any:
    headers = {name: value.format(**secrets) for name, value in case.headers.items()}
    if case.files is not None:
        return client.request(
            case.method, case.path, files=case.files, data=case.form, headers=headers
        )
    if case.content is not None:
        headers.setdefault("Content-Type", "application/json")
        return client.request(
            case.method, case.path, content=case.content, params=case.params, headers=headers
        )
    if case.json is not ABSENT:
        return client.request(
            case.method, case.path, json=case.json, params=case.params, headers=headers
        )
    return client.request(case.method, case.path, params=case.params, headers=headers)


def quoted(msg: str, value: object) -> bool:
    """Whether `msg` quotes `value`: in quotes, as Python or JSON writes it, or (a long
    string) its first characters."""
    if isinstance(value, str):
        forms = [
            f"'{value}'",
            f'"{value}"',
            repr(value),
            json.dumps(value),
            json.dumps(value, ensure_ascii=False),
        ]
        return any(form in msg for form in forms) or (len(value) > 150 and value[:150] in msg)
    return quotes(msg, value) or json.dumps(value) in msg


def test_the_corpus_is_large_and_its_ids_unique() -> None:
    assert len(CASES) >= 120
    assert len({case.id for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_is_refused_naming_the_field_and_changes_nothing(
    world: World, case: Case
) -> None:
    before = stored_state(world.engine)

    response = _send(world.client, case, world.secrets)

    assert response.status_code < 500, response.text
    body = assert_problem(response, case.status)
    if case.loc is None:
        assert "errors" not in body
        if case.value is not ABSENT:
            assert quoted(body["detail"], case.value), body["detail"]
    else:
        messages = [error["msg"] for error in body["errors"] if error["loc"] == case.loc]
        assert messages, f"no error at {case.loc}: {body['errors']}"
        if case.value is not ABSENT:
            assert any(quoted(msg, case.value) for msg in messages), messages
    assert stored_state(world.engine) == before
    answer = {"status": response.status_code, "body": body}
    if RECORDING:
        world.recorded[case.id] = answer
    else:
        assert answer == world.answers.get(case.id), "differs from bad_input_answers.json"


# Beside the table


def test_the_valid_bodies_are_valid(client: TestClient) -> None:
    """The bodies the cases spoil are accepted as they are, so each case fails on its field."""
    build_world(client)
    assert client.post("/v1/tenants", json=TENANT).status_code == 201
    assert client.post("/v1/policies", json=POLICY).status_code == 201
    assert client.put(NEW_SERVICE, json=SUBSCRIPTION).status_code == 201
    assert client.put("/v1/tenants/yen/services/newsvc", json=YEN_SUBSCRIPTION).status_code == 201
    assert client.post(OUTAGES, json=_row()).status_code == 201
    assert client.post(OUTAGES, json=_row(service_id="seats", users_affected=5)).status_code == 201
    assert client.patch(OUTAGE_1, json={"title": "x"}).status_code == 200
    assert (
        client.post("/v1/api-keys", json={"role": "tenant", "tenant_id": "acme"}).status_code == 201
    )


@pytest.mark.parametrize(
    ("tenant", "sent", "stored", "shown"),
    [
        ("acme", "-0", "0", "0.00"),
        ("acme", "-0.00", "0.00", "0.00"),
        ("acme", "-0.0", "0.0", "0.00"),
        ("yen", "-0", "0", "0"),
    ],
)
def test_a_negative_zero_fee_is_stored_and_shown_as_zero(
    client: TestClient, database_url: str, tenant: str, sent: str, stored: str, shown: str
) -> None:
    # -0 is a valid decimal string and no negative fee: it is kept as a plain zero
    # (decimal_from_text drops the sign), never as "-0".
    build_world(client)

    response = client.put(
        f"/v1/tenants/{tenant}/services/free", json={**SUBSCRIPTION, "monthly_fee": sent}
    )

    assert response.status_code == 201, response.text
    assert response.json()["monthly_fee"] == shown
    listed = client.get(f"/v1/tenants/{tenant}/services").json()["items"]
    assert [sub["monthly_fee"] for sub in listed if sub["service_id"] == "free"] == [shown]
    engine = create_engine(database_url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT monthly_fee FROM subscription_term "
                "WHERE tenant_id = :t AND service_id = 'free'"
            ),
            {"t": tenant},
        ).one()
    engine.dispose()
    assert row.monthly_fee == stored


def test_duplicate_keys_in_a_body_the_last_one_counts(client: TestClient) -> None:
    # Python's JSON parser keeps the last of duplicate keys, and so does the API.
    response = client.post(
        "/v1/tenants",
        content=b'{"id": "Not A Slug", "name": "First", "id": "newco", "name": "Last"}',
        headers={"Content-Type": "application/json"},
    )

    assert response.status_code == 201, response.text
    assert (response.json()["id"], response.json()["name"]) == ("newco", "Last")


def test_the_answers_file_has_exactly_the_cases() -> None:
    if RECORDING:
        pytest.skip("recording the answers")
    assert list(json.loads(ANSWERS.read_text())) == [case.id for case in CASES]


def test_answers_are_problem_json() -> None:
    # Guards the recorded file itself: nothing in it is a server error.
    if RECORDING:
        pytest.skip("recording the answers")
    for case_id, answer in json.loads(ANSWERS.read_text()).items():
        assert answer["status"] < 500, case_id
        assert answer["body"]["type"].startswith("urn:sla-ledger:problem:"), case_id
