"""Subscription bodies: a tenant's service under a policy, with its terms over time."""

from pydantic import BaseModel, Field

from app.schemas import (
    DateTimeText,
    DecimalText,
    MonthInput,
    MonthString,
    Page,
    Strict,
    Text,
    example,
)


class SubscriptionPut(Strict):
    model_config = example({"policy_id": "microsoft-365", "monthly_fee": "1200.00"})

    policy_id: Text = Field(max_length=64)
    monthly_fee: DecimalText
    users: int | None = Field(default=None, ge=1, le=100_000_000, description="Seats")
    effective_from: MonthInput | None = Field(
        default=None,
        max_length=7,
        description="`YYYY-MM`: the first month these terms hold, until the next later "
        "terms. Default: every month for a service's first terms, otherwise the "
        "current month (UTC)",
        examples=["2027-01"],
    )


class TermsPublic(BaseModel):
    effective_from: MonthString | None = Field(
        description="`YYYY-MM`, the first month in force; null: every month before too"
    )
    effective_to: MonthString | None = Field(
        description="`YYYY-MM`, the last month in force; null: no later terms or end"
    )
    policy_id: str
    monthly_fee: str
    users: int | None


class SubscriptionPublic(BaseModel):
    model_config = example(
        {
            "tenant_id": "contoso",
            "service_id": "exchange-online",
            "policy_id": "microsoft-365",
            "monthly_fee": "1200.00",
            "users": None,
            "created_at": "2026-11-27T09:00:00+00:00",
            "updated_at": "2026-11-27T09:00:00+00:00",
            "in_force": True,
            "terms": [
                {
                    "effective_from": None,
                    "effective_to": None,
                    "policy_id": "microsoft-365",
                    "monthly_fee": "1200.00",
                    "users": None,
                }
            ],
        }
    )

    tenant_id: str
    service_id: str
    policy_id: str = Field(
        description="Of the terms in force this month (UTC); if none, of the next terms, "
        "or else of the last ones"
    )
    monthly_fee: str
    users: int | None
    created_at: DateTimeText
    updated_at: DateTimeText = Field(description="When the terms last changed")
    in_force: bool = Field(description="Whether the service has terms in force this month")
    terms: list[TermsPublic] = Field(description="Oldest first; months between them lapsed")


class SubscriptionPage(Page[SubscriptionPublic]):
    pass
