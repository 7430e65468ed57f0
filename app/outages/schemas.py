"""Outage window bodies."""

from typing import Literal

from pydantic import BaseModel, Field

from app.schemas import (
    DateTimeText,
    DecimalText,
    Page,
    ServiceIdText,
    Strict,
    Text,
    Timestamp,
    example,
)

# The bounds of an outage's fields; `app.outages.validation.plain_row` checks the same.
MAX_SERVICE_ID = 64
MAX_EXTERNAL_ID = 200
MAX_TITLE = 500
MAX_USERS_AFFECTED = 100_000_000
KINDS = ("outage", "maintenance")


class OutageIn(Strict):
    service_id: ServiceIdText
    start: Timestamp
    end: Timestamp | None = Field(default=None, description="None: still ongoing")
    kind: Literal["outage", "maintenance"] = "outage"
    impact: DecimalText | None = Field(default=None, description="Fraction in (0, 1]; default 1")
    users_affected: int | None = Field(default=None, ge=1, le=MAX_USERS_AFFECTED)
    external_id: Text | None = Field(default=None, min_length=1, max_length=MAX_EXTERNAL_ID)
    title: Text | None = Field(default=None, max_length=MAX_TITLE)


class OutageBatch(Strict):
    model_config = example(
        {
            "outages": [
                {
                    "service_id": "exchange-online",
                    "external_id": "EX123456",
                    "title": "Mailbox access",
                    "start": "2026-11-10T14:00:00Z",
                    "end": "2026-11-10T16:05:30Z",
                },
                {
                    "service_id": "exchange-online",
                    "kind": "maintenance",
                    "start": "2026-11-10T14:30:00Z",
                    "end": "2026-11-10T15:00:00Z",
                },
            ]
        }
    )

    outages: list[OutageIn] = Field(min_length=1, max_length=10_000)


class OutagePatch(Strict):
    """Only the fields given change; `"end": null` reopens a window as ongoing."""

    start: Timestamp | None = None
    end: Timestamp | None = None
    kind: Literal["outage", "maintenance"] | None = None
    impact: DecimalText | None = None
    users_affected: int | None = Field(default=None, ge=1, le=MAX_USERS_AFFECTED)
    title: Text | None = Field(default=None, max_length=MAX_TITLE)


class OutagePublic(BaseModel):
    id: int
    tenant_id: str
    service_id: str
    kind: Literal["outage", "maintenance"]
    start: DateTimeText
    end: DateTimeText | None
    impact: str | None
    users_affected: int | None
    external_id: str | None
    title: str | None
    source: str = Field(description="`api`, or the import format that brought the window")
    import_id: int | None = Field(description="The import that brought the window, if any")
    created_at: DateTimeText
    updated_at: DateTimeText


class OutageBatchResult(BaseModel):
    model_config = example(
        {
            "created": 1,
            "updated": 0,
            "removed": 0,
            "duplicates": 0,
            "outages": [
                {
                    "id": 1,
                    "tenant_id": "contoso",
                    "service_id": "exchange-online",
                    "kind": "outage",
                    "start": "2026-11-10T14:00:00+00:00",
                    "end": "2026-11-10T16:05:30+00:00",
                    "impact": None,
                    "users_affected": None,
                    "external_id": "EX123456",
                    "title": "Mailbox access",
                    "source": "api",
                    "import_id": None,
                    "created_at": "2026-11-27T09:00:00+00:00",
                    "updated_at": "2026-11-27T09:00:00+00:00",
                }
            ],
        }
    )

    created: int
    updated: int
    removed: int = Field(description="Windows of re-sent incidents that the new set no longer has")
    duplicates: int
    outages: list[OutagePublic] = Field(description="One per input row, in input order")


class OutagePage(Page[OutagePublic]):
    pass
