"""Tenant bodies."""

from pydantic import BaseModel, Field

from app.schemas import CurrencyCode, DateTimeText, Page, Slug, Strict, Text, Timezone


class TenantCreate(Strict):
    id: Slug
    name: Text = Field(min_length=1, max_length=200)
    timezone: Timezone = "UTC"
    currency: CurrencyCode = "USD"


class TenantPublic(BaseModel):
    id: str
    name: str
    timezone: str
    currency: str
    created_at: DateTimeText


class TenantPage(Page[TenantPublic]):
    pass
