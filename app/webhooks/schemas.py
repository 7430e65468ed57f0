"""Webhook bodies: the signing secret appears in exactly one answer, the one that creates it."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.schemas import DateTimeText, Page, Strict, Text, example
from app.webhooks.events import EventType


class WebhookCreate(Strict):
    model_config = example(
        {
            "url": "https://finance.example.com/hooks/sla",
            "events": ["month.closed", "claim.changed"],
        }
    )

    url: Annotated[
        Text,
        Field(
            min_length=1,
            max_length=2000,
            description="Where to POST the events: `https` to a public address (unless the "
            "server is configured to allow `http` and private addresses)",
            examples=["https://finance.example.com/hooks/sla"],
        ),
    ]
    events: list[EventType] = Field(
        min_length=1, max_length=4, description="The event types to send; each at most once"
    )


class WebhookPublic(BaseModel):
    id: str
    url: str
    events: list[EventType]
    created_at: DateTimeText
    created_by: str


class WebhookCreated(BaseModel):
    model_config = example(
        {
            "id": "wh_5b2e",
            "url": "https://finance.example.com/hooks/sla",
            "events": ["month.closed", "claim.changed"],
            "created_at": "2026-11-27T09:00:00+00:00",
            "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )

    id: str
    url: str
    events: list[EventType]
    created_at: DateTimeText
    secret: str = Field(
        description="The Standard Webhooks signing secret (`whsec_` and base64); shown this "
        "once. The server keeps it to sign every delivery."
    )


class WebhookPage(Page[WebhookPublic]):
    pass


DeliveryStatus = Literal["pending", "delivered", "failed", "retrying"]


class DeliveryPublic(BaseModel):
    """One attempt to deliver one event."""

    id: int
    event_id: str = Field(description="Also the `webhook-id` header the attempt sends")
    event_type: EventType
    attempt: int = Field(description="1 for the first attempt, 2 for the first retry, …")
    status: DeliveryStatus = Field(
        description="`pending`: not made yet; `delivered`: answered 2xx; `retrying`: failed, "
        "another attempt follows; `failed`: failed, none follows"
    )
    response_code: int | None = Field(description="The receiver's HTTP status, if it answered")
    error: str | None = Field(description="Why the attempt failed")
    scheduled_at: DateTimeText = Field(description="When the attempt is, or was, due")
    attempted_at: DateTimeText | None = Field(description="When it was made; null while pending")


class DeliveryPage(Page[DeliveryPublic]):
    pass
