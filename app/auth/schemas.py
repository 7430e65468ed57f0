"""API key bodies: the token appears in exactly one answer, the one that creates it."""

from pydantic import BaseModel, Field

from app.auth.principal import Role
from app.schemas import DateTimeText, Page, Slug, Strict, example


class ApiKeyCreate(Strict):
    model_config = example({"role": "tenant", "tenant_id": "contoso"})

    role: Role
    tenant_id: Slug | None = Field(
        default=None, description="Required for the tenant role; not allowed for the others"
    )


class ApiKeyPublic(BaseModel):
    id: str
    role: Role
    tenant_id: str | None
    created_at: DateTimeText
    created_by: str
    last_used_at: DateTimeText | None
    revoked_at: DateTimeText | None


class ApiKeyCreated(BaseModel):
    model_config = example(
        {
            "id": "key_3f9a1c",
            "key": "sla_live_example-secret-shown-once",
            "role": "tenant",
            "tenant_id": "contoso",
            "created_at": "2026-11-27T09:00:00+00:00",
        }
    )

    id: str
    key: str = Field(description="The secret; shown this once, stored only as a hash")
    role: Role
    tenant_id: str | None
    created_at: DateTimeText


class ApiKeyPage(Page[ApiKeyPublic]):
    pass
