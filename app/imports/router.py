import json
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Path, Request, Response, UploadFile, status
from pydantic import BeforeValidator, TypeAdapter, ValidationError

from app.audit.service import Change
from app.auth.principal import Action
from app.db import write_session
from app.deps import (
    Caller,
    ImportingTenant,
    Now,
    PortfolioImporter,
    ReadSession,
    VisibleTenant,
    WriteSession,
    tenant_for,
)
from app.errors import (
    Forbidden,
    InvalidInput,
    Loc,
    ProblemError,
    invalid,
    problem_responses,
    validation_problems,
)
from app.imports.formats.common import lone_surrogate
from app.imports.schemas import (
    ImportFormat,
    ImportPage,
    ImportResult,
    PortfolioImportResult,
    SyncRequest,
)
from app.imports.service import (
    Upload,
    import_for_tenant,
    import_for_tenants,
    import_result,
    imports_page,
    stored_import,
)
from app.imports.sources import RetryPolicy, SourceError
from app.imports.sync import fetch_for_sync
from app.models import Tenant
from app.pagination import Cursor, Limit, RowId, decode_cursor, encode_cursor
from app.schemas import MAX_ROW_ID, Text, plain_digits
from app.sla.periods import to_micros

router = APIRouter(tags=["imports"])

ImportId = Annotated[int, Path(ge=1, le=MAX_ROW_ID), BeforeValidator(plain_digits("an import"))]

_IMPORTED: dict[int | str, dict[str, Any]] = {
    201: {"model": ImportResult, "description": "Imported"},
    200: {"model": ImportResult, "description": "A dry run: what would be stored"},
}
# An upload is `format: binary` too (beside OpenAPI 3.1's contentMediaType): generated
# clients that know only that form (openapi-python-client) otherwise send it as text.
BINARY: dict[str, Any] = {"json_schema_extra": {"format": "binary"}}
FormatField = Annotated[ImportFormat, Form(description="The file's format")]
DryRun = Annotated[bool, Form(description="Check and count, store nothing")]
ServiceMap = Annotated[
    str | None,
    Form(
        max_length=20_000,
        description='JSON object: provider service name → service id, e.g. {"Exchange": "mail"}',
    ),
]


def _service_map(text: str | None) -> dict[str, str]:
    if text is None or text == "":
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        mapping = None
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
    ):
        raise invalid(
            ["body", "service_map"],
            f"'{text[:200]}' is not a JSON object of provider name to service id",
        )
    surrogate = lone_surrogate(mapping, ["body", "service_map"])
    if surrogate is not None:
        raise invalid(surrogate.loc, surrogate.msg)
    return mapping


# The import record keeps the name in 255 characters; PostgreSQL refuses a longer one,
# and NUL, where SQLite would store either.
MAX_FILENAME = 255
_TEXT: TypeAdapter[str] = TypeAdapter(Text)


def _filename(file: UploadFile) -> str | None:
    name = file.filename
    if name is None:
        return None
    loc: Loc = ["body", "file", "filename"]
    if len(name) > MAX_FILENAME:
        raise invalid(
            loc,
            f"the file name '{name[:100]}…' is {len(name)} characters long; "
            f"at most {MAX_FILENAME} are kept",
        )
    try:
        return _TEXT.validate_python(name)
    except ValidationError as error:
        raise InvalidInput(validation_problems(error.errors(), prefix=loc)) from error


def _upload(file: UploadFile, format: ImportFormat, service_map: str | None) -> Upload:
    return Upload(format, _filename(file), file.file, _service_map(service_map))


@router.post(
    "/v1/tenants/{tenant_id}/imports",
    status_code=status.HTTP_201_CREATED,
    responses={**_IMPORTED, **problem_responses(401, 403, 404, 413, 422)},
)
def import_timeline(
    tenant: ImportingTenant,
    caller: Caller,
    session: WriteSession,
    now: Now,
    response: Response,
    file: Annotated[UploadFile, File(description="The timeline file", **BINARY)],
    format: FormatField,
    dry_run: DryRun = False,
    service_map: ServiceMap = None,
) -> ImportResult:
    """Import an incident timeline file: all rows or none; a dry run stores nothing (200)."""
    upload = _upload(file, format, service_map)
    change = Change(caller.key_id, to_micros(now))
    result = import_for_tenant(session, tenant, upload, dry_run, change)
    _finish(session, response, dry_run)
    return result


@router.post(
    "/v1/imports",
    status_code=status.HTTP_201_CREATED,
    responses={
        201: {"model": PortfolioImportResult, "description": "Imported"},
        200: {"model": PortfolioImportResult, "description": "A dry run"},
        **problem_responses(401, 403, 413, 422),
    },
)
def import_portfolio_timeline(
    caller: PortfolioImporter,
    session: WriteSession,
    now: Now,
    response: Response,
    file: Annotated[
        UploadFile, File(description="A timeline whose rows name their tenant_id", **BINARY)
    ],
    format: FormatField,
    dry_run: DryRun = False,
    service_map: ServiceMap = None,
) -> PortfolioImportResult:
    """Import one file for several tenants (admin): every row names its tenant_id."""
    upload = _upload(file, format, service_map)
    change = Change(caller.key_id, to_micros(now))
    sha256, skipped, results = import_for_tenants(session, upload, dry_run, change)
    _finish(session, response, dry_run)
    return PortfolioImportResult(
        format=format,
        filename=file.filename,
        sha256=sha256,
        dry_run=dry_run,
        skipped=skipped,
        imports=results,
    )


def _finish(session: WriteSession, response: Response, dry_run: bool) -> None:
    if dry_run:
        session.rollback()
        response.status_code = status.HTTP_200_OK
    else:
        session.commit()


class UpstreamFailed(ProblemError):
    status, title, slug = 502, "Upstream failed", "upstream-failed"


def _syncing_tenant(tenant: VisibleTenant, caller: Caller) -> Tenant:
    """Seen first (404), permitted second (403), as ImportingTenant, but loaded in the read
    session: the write transaction, and with it the lock, starts only once the provider
    has answered. A fetch may take a minute of timeouts and retries, and on SQLite the
    lock is the whole database's."""
    if not caller.may(Action.IMPORT):
        raise Forbidden(f"a {caller.role} key may not {Action.IMPORT}")
    return tenant


@router.post(
    "/v1/tenants/{tenant_id}/sync",
    status_code=status.HTTP_201_CREATED,
    responses={**_IMPORTED, **problem_responses(401, 403, 404, 422, 502, 503, 504)},
)
def sync_timeline(
    body: SyncRequest,
    request: Request,
    tenant: Annotated[Tenant, Depends(_syncing_tenant)],
    caller: Caller,
    now: Now,
    response: Response,
) -> ImportResult:
    """Pull the tenant's timeline from Statuspage or Microsoft Graph and import it."""
    settings = request.app.state.settings
    policy = RetryPolicy(
        timeout_seconds=settings.sync_timeout_seconds,
        attempts=settings.sync_attempts,
        backoff_seconds=settings.sync_backoff_seconds,
    )
    token = None if settings.graph_token is None else settings.graph_token.get_secret_value()
    try:
        upload = fetch_for_sync(
            request.app.state.http, body, policy, token, settings.sync_allow_private
        )
    except SourceError as error:
        failed = UpstreamFailed(str(error))
        failed.status = error.status if error.status in (502, 503, 504) else 502
        if error.retry_after is not None:
            failed.headers = {"Retry-After": str(int(error.retry_after + 0.999))}
        raise failed from error
    change = Change(caller.key_id, to_micros(now))
    with contextmanager(write_session)(request.app.state.engine) as session:
        importing = tenant_for(Action.IMPORT)(tenant.id, caller, session)
        result = import_for_tenant(session, importing, upload, body.dry_run, change)
        _finish(session, response, body.dry_run)
    return result


@router.get("/v1/tenants/{tenant_id}/imports", responses=problem_responses(401, 404, 422))
def list_imports(
    tenant: VisibleTenant, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> ImportPage:
    """The tenant's imports, newest first."""
    after = None if cursor is None else int(decode_cursor(cursor, RowId)[0])
    rows, more = imports_page(session, tenant.id, after, limit)
    next_cursor = encode_cursor(rows[-1].id) if more and rows[-1].id is not None else None
    return ImportPage(items=[import_result(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/v1/tenants/{tenant_id}/imports/{import_id}", responses=problem_responses(401, 404, 422)
)
def get_import(tenant: VisibleTenant, import_id: ImportId, session: ReadSession) -> ImportResult:
    """One import: its file, hash, counts and skipped entries."""
    return import_result(stored_import(session, tenant.id, import_id))
