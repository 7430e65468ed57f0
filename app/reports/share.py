"""Share links over HTTP: make one (with a key), open one (without).

Who may make a link: any key that may read the report, so admin and finance keys for
every tenant and a tenant key for its own. A link shows exactly what its maker could
already read, and each one made is in the audit trail (entity `report_link`).
"""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Request, Response, status
from pydantic import BaseModel, Field, field_validator
from sqlmodel import Session

from app.audit.service import Change, record
from app.auth.principal import Action
from app.deps import Caller, Now, ReadSession, WriteSession, tenant_for
from app.errors import invalid, problem_responses
from app.metrics import timed_report_build
from app.models import Tenant
from app.reports.build import tenant_report
from app.reports.links import (
    DEFAULT_LIFETIME,
    LONGEST_LIFETIME,
    LinkNotFound,
    LinkSigner,
    ReportLink,
    parse_lifetime,
)
from app.reports.pages import page_response
from app.schemas import DateTimeText, MonthInput, Strict, Text, example
from app.sla.periods import MonthError, parse_month, to_micros

router = APIRouter(tags=["reports"])

LinkMonth = Annotated[MonthInput, Path(description="Calendar month YYYY-MM", examples=["2026-11"])]
Token = Annotated[str, Path(max_length=1000, description="The token of a share link")]
# Loaded in the write session: the audit row goes in with the tenant it names.
LinkingTenant = Annotated[Tenant, Depends(tenant_for(Action.READ))]


class LinkCreate(Strict):
    model_config = example({"format": "pdf", "expires_in": "P7D"})

    format: Literal["html", "pdf"] = Field(description="What the link opens: the page or its PDF")
    expires_in: Text = Field(
        default=DEFAULT_LIFETIME,
        max_length=32,
        description=f"ISO 8601 duration in weeks, days, hours, minutes or seconds; at most "
        f"{LONGEST_LIFETIME}",
        examples=["P7D", "PT12H", "P30D"],
    )

    @field_validator("expires_in")
    @classmethod
    def _lifetime(cls, value: str) -> str:
        parse_lifetime(value)  # a ValueError says what is wrong with it
        return value


class LinkCreated(BaseModel):
    url: str = Field(description="Opens the report in a browser, without a key, until expires_at")
    expires_at: DateTimeText


def _signer(request: Request) -> LinkSigner:
    signer: LinkSigner = request.app.state.link_signer
    return signer


Signer = Annotated[LinkSigner, Depends(_signer)]


def _link_url(request: Request, token: str) -> str:
    public_url = request.app.state.settings.public_url
    path = request.app.url_path_for("get_shared_report", token=token)
    if public_url:
        return f"{public_url.rstrip('/')}{path}"
    return str(request.url_for("get_shared_report", token=token))


@router.post(
    "/v1/tenants/{tenant_id}/reports/{month}/links",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(401, 404, 422),
)
def create_report_link(
    tenant: LinkingTenant,
    month: LinkMonth,
    body: LinkCreate,
    caller: Caller,
    session: WriteSession,
    now: Now,
    signer: Signer,
    request: Request,
) -> LinkCreated:
    """A signed, expiring, read-only URL for this report (default 7 days, at most 90) that
    opens in a browser without a key; for any key that may read the report."""
    try:
        parse_month(month)
    except MonthError as error:
        raise invalid(["path", "month"], str(error)) from error
    link = ReportLink.lasting(tenant.id, month, body.format, now, parse_lifetime(body.expires_in))
    expires_at = link.expires_at.isoformat()
    record(
        session,
        Change(caller.key_id, to_micros(now)),
        entity="report_link",
        entity_id=f"{tenant.id}/{month}",
        action="create",
        before=None,
        after={"month": month, "format": body.format, "expires_at": expires_at},
        tenant_id=tenant.id,
    )
    session.commit()
    return LinkCreated(url=_link_url(request, signer.token(link)), expires_at=expires_at)


_SHARED_PROBLEMS = problem_responses(404, 410, 422)
_SHARED_PROBLEMS[404] = {
    **_SHARED_PROBLEMS[404],
    "description": "No report is shared under this token: an altered or unknown link",
}
_PAGE_CONTENT: dict[str, dict[str, object]] = {
    "text/html": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


@router.get(
    "/v1/shared/reports/{token}",
    responses={
        200: {
            "description": "The report as the link was made for: a page (`text/html`) or "
            "its PDF (`application/pdf`)",
            "content": _PAGE_CONTENT,
        },
        **_SHARED_PROBLEMS,
    },
    response_class=Response,
)
def get_shared_report(token: Token, session: ReadSession, now: Now, signer: Signer) -> Response:
    """A shared report, opened without a key: `404` unless the token is exactly one this
    server signed, `410` once it has expired."""
    link = signer.read(token, now)
    tenant = _tenant(session, link)
    with timed_report_build("tenant"):
        report = tenant_report(session, tenant, link.month, now)
    response = page_response(session, tenant, report, now, link.format)
    # Read-only and personal: not to be kept by shared caches, indexed, or passed on
    # in a Referer header.
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _tenant(session: Session, link: ReportLink) -> Tenant:
    tenant = session.get(Tenant, link.tenant_id)
    if tenant is None:
        raise LinkNotFound("no report is shared under this link")
    return tenant
