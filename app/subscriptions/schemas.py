"""Subscription bodies: a tenant's service under a policy."""

from pydantic import BaseModel, Field

from app.schemas import DecimalText, Strict, Text


class SubscriptionPut(Strict):
    policy_id: Text = Field(max_length=64)
    monthly_fee: DecimalText
    users: int | None = Field(default=None, ge=1, le=100_000_000, description="Seats")


class SubscriptionPublic(BaseModel):
    tenant_id: str
    service_id: str
    policy_id: str
    monthly_fee: str
    users: int | None
    created_at: str
    updated_at: str
