"""Tenant bodies."""

from pydantic import BaseModel, Field

from app.schemas import CurrencyCode, DateTimeText, Page, Slug, Strict, Text, Timezone, example


class TenantCreate(Strict):
    model_config = example(
        {"id": "contoso", "name": "Contoso Ltd", "timezone": "America/New_York", "currency": "USD"}
    )

    id: Slug
    name: Text = Field(min_length=1, max_length=200)
    timezone: Timezone = "UTC"
    currency: CurrencyCode = "USD"


class TenantPublic(BaseModel):
    model_config = example(
        {
            "id": "contoso",
            "name": "Contoso Ltd",
            "timezone": "America/New_York",
            "currency": "USD",
            "created_at": "2026-11-27T09:00:00+00:00",
        }
    )

    id: str
    name: str
    timezone: str
    currency: str
    created_at: DateTimeText


class TenantPage(Page[TenantPublic]):
    pass
