"""API key bodies: the token appears in exactly one answer, the one that creates it."""

from pydantic import BaseModel, Field

from app.auth.principal import Role
from app.schemas import DateTimeText, Page, Slug, Strict


class ApiKeyCreate(Strict):
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
    id: str
    key: str = Field(description="The secret; shown this once, stored only as a hash")
    role: Role
    tenant_id: str | None
    created_at: DateTimeText


class ApiKeyPage(Page[ApiKeyPublic]):
    pass
