"""The events as the OpenAPI document's `webhooks` section: what a receiver gets.

Nothing here is served; the functions exist so that FastAPI describes each event's
request (body schema and signature headers), and clients can be generated for them.
"""

from typing import Annotated

from fastapi import FastAPI, Header

from app.webhooks.events import (
    AdjustmentAppearedEvent,
    ClaimChangedEvent,
    ClaimDeadlineNearEvent,
    MonthClosedEvent,
)

WebhookIdHeader = Annotated[
    str,
    Header(
        alias="webhook-id",
        description="The event's id; the same on every retry, so repeats can be dropped",
    ),
]
WebhookTimestampHeader = Annotated[
    str, Header(alias="webhook-timestamp", description="Unix seconds when the attempt was signed")
]
WebhookSignatureHeader = Annotated[
    str,
    Header(
        alias="webhook-signature",
        description="`v1,` and the base64 HMAC-SHA256 of `{webhook-id}.{webhook-timestamp}."
        "{body}` under the webhook's secret (Standard Webhooks)",
    ),
]
RESPONSES: dict[int | str, dict[str, str]] = {
    "2XX": {"description": "Received; any 2xx ends the deliveries of this event"},
    "default": {
        "description": "Not received: 408, 425, 429 and 5xx are retried with backoff; "
        "other answers are final"
    },
}


def declare_webhooks(app: FastAPI) -> None:
    hooks = app.webhooks

    @hooks.post("month.closed", operation_id="month_closed", tags=["events"], responses=RESPONSES)
    def month_closed(
        body: MonthClosedEvent,
        webhook_id: WebhookIdHeader,
        webhook_timestamp: WebhookTimestampHeader,
        webhook_signature: WebhookSignatureHeader,
    ) -> None:
        """A month was closed; its lines' figures are final."""

    @hooks.post(
        "adjustment.appeared",
        operation_id="adjustment_appeared",
        tags=["events"],
        responses=RESPONSES,
    )
    def adjustment_appeared(
        body: AdjustmentAppearedEvent,
        webhook_id: WebhookIdHeader,
        webhook_timestamp: WebhookTimestampHeader,
        webhook_signature: WebhookSignatureHeader,
    ) -> None:
        """A closed month's line now computes differently: the recomputed figures."""

    @hooks.post("claim.changed", operation_id="claim_changed", tags=["events"], responses=RESPONSES)
    def claim_changed(
        body: ClaimChangedEvent,
        webhook_id: WebhookIdHeader,
        webhook_timestamp: WebhookTimestampHeader,
        webhook_signature: WebhookSignatureHeader,
    ) -> None:
        """A claim was created or moved."""

    @hooks.post(
        "claim.deadline_near",
        operation_id="claim_deadline_near",
        tags=["events"],
        responses=RESPONSES,
    )
    def claim_deadline_near(
        body: ClaimDeadlineNearEvent,
        webhook_id: WebhookIdHeader,
        webhook_timestamp: WebhookTimestampHeader,
        webhook_signature: WebhookSignatureHeader,
    ) -> None:
        """A line with a credit and no filed claim is 7 days or less from its deadline."""
