"""Import bodies: what an upload or a sync stored, and what it skipped."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag

from app.schemas import DateTimeText, Page, Strict, example

ImportFormat = Literal["csv", "json", "graph", "statuspage", "pagerduty"]


class SkippedItem(BaseModel):
    ref: str = Field(description="Where in the file, e.g. `line 7` or `graph issue EX123`")
    reason: str


class ImportResult(BaseModel):
    model_config = example(
        {
            "id": 1,
            "tenant_id": "contoso",
            "format": "csv",
            "filename": "timeline.csv",
            "sha256": "9f2c" + "0" * 60,
            "rows": 1,
            "created": 1,
            "updated": 0,
            "removed": 0,
            "duplicates": 0,
            "skipped": [],
            "dry_run": False,
            "created_at": "2026-11-27T09:00:00+00:00",
            "actor_key_id": "bootstrap",
        }
    )

    id: int | None = Field(description="The import record; null for a dry run")
    tenant_id: str
    format: ImportFormat
    filename: str | None
    sha256: str = Field(description="SHA-256 of the file's bytes, in hex")
    rows: int = Field(description="Windows the file held")
    created: int
    updated: int
    removed: int
    duplicates: int
    skipped: list[SkippedItem]
    dry_run: bool
    created_at: DateTimeText | None = Field(description="When it was imported; null for a dry run")
    actor_key_id: str


class ImportPage(Page[ImportResult]):
    pass


class PortfolioImportResult(BaseModel):
    """An upload for several tenants: one import record per tenant it touched."""

    format: ImportFormat
    filename: str | None
    sha256: str
    dry_run: bool
    skipped: list[SkippedItem]
    imports: list[ImportResult] = Field(description="One per tenant, by tenant id")


class StatuspageSync(Strict):
    model_config = example({"source": "statuspage", "url": "https://status.example.com"})

    source: Literal["statuspage"]
    url: str = Field(
        # Kept as the import record's filename, at most 255 characters.
        max_length=255,
        pattern=r"^https?://[^\s]+$",
        description="The status page, e.g. https://status.example.com",
        examples=["https://status.example.com"],
    )
    service_map: dict[str, str] = Field(default_factory=dict, max_length=500)
    dry_run: bool = False


class GraphSync(Strict):
    source: Literal["graph"]
    service_map: dict[str, str] = Field(default_factory=dict, max_length=500)
    dry_run: bool = False


# Told apart by `source`, so a bad body gets the errors of its own kind only.
def _sync_source(body: Any) -> str | None:
    # A callable discriminator: the models' own checks (which run on every field, the
    # tag included) stay as they are, and a bad body gets the errors of one kind only.
    if isinstance(body, dict):
        source = body.get("source")
        return source if isinstance(source, str) else None
    return getattr(body, "source", None)


SyncRequest = Annotated[
    Annotated[StatuspageSync, Tag("statuspage")] | Annotated[GraphSync, Tag("graph")],
    Discriminator(
        _sync_source,
        custom_error_type="unknown_source",
        custom_error_message="'source' must be 'statuspage' or 'graph'",
    ),
]
