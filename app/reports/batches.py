"""The portfolio's lines read a batch at a time: the lines in force in a month, by
keyset after a (tenant, service) line, and each batch's windows, policies, closed
months and claims read with one query each, then every line computed as the tenant
report computes it (`app.reports.build`).

A batch costs the same handful of queries whether it holds 10 lines or 500, and
whether there are 10 tenants or 10,000; memory holds one batch at a time.
"""

import functools
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import groupby
from operator import itemgetter
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    String,
    Subquery,
    bindparam,
    exists,
    func,
    or_,
    tuple_,
)
from sqlalchemy import select as select_columns
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from app.audit.service import newest_event_id
from app.models import (
    Claim,
    ClosedMonth,
    CustomPolicy,
    Outage,
    SubscriptionTerm,
    Tenant,
    TenantRow,
)
from app.policies.service import policy_from_row
from app.reports.build import (
    WINDOW_FIELD_COLUMNS,
    ClosedLines,
    LineInput,
    LineRules,
    LineTenant,
    Plain,
    line_fields,
    line_rules,
    plain_portfolio_line,
)
from app.sla.money import minor_units
from app.sla.policies import BUILTIN_POLICIES, Policy
from app.sla.terms import Terms
from app.subscriptions.service import change_of_columns

# A query, and a row read, of any columns.
AnySelect = Select[*tuple[Any, ...]]
AnyRow = Row[*tuple[Any, ...]]


@functools.cache
def in_force_query(*, paged: bool, with_revision: bool) -> AnySelect:
    """The next `:size` lines with terms in force in `:month` (after the line
    (`:after_tenant`, `:after_service`) when `paged`), in (tenant, service) order: their
    terms' columns, then their tenant's (`line_keys` reads them), then, `with_revision`,
    their tenant's revision (newest audit id). Built once per shape, its values bound
    at each execution (`in_force_batches`): building it costs more than running it."""
    page = _lines_in_force(paged=paged)
    tenant_id = cast(ColumnElement[str], page.c.tenant_id)
    columns = [*page.c, col(Tenant.name), col(Tenant.timezone), col(Tenant.currency)]
    if with_revision:
        columns.append(_revision(tenant_id))
    return (
        select_columns(*columns)
        .join_from(page, Tenant, col(Tenant.id) == tenant_id)
        .order_by(tenant_id, page.c.service_id)
    )


@functools.cache
def line_revisions_query() -> AnySelect:
    """`in_force_query(paged=True, with_revision=True)` with only the line and its
    tenant's revision: what a page read ahead is checked against, in half the time."""
    page = _lines_in_force(paged=True)
    tenant_id = cast(ColumnElement[str], page.c.tenant_id)
    return select_columns(tenant_id, page.c.service_id, _revision(tenant_id)).order_by(
        tenant_id, page.c.service_id
    )


def line_revisions(
    session: Session, month: str, after: tuple[str, str], size: int
) -> list[tuple[str, str, int]]:
    """The next `size` lines in force in `month` after the line `after`, each with its
    tenant's revision."""
    values = {"month": month, "size": size, "after_tenant": after[0], "after_service": after[1]}
    rows = session.connection().execute(line_revisions_query(), values).all()
    return [(tenant_id, service_id, revision) for tenant_id, service_id, revision in rows]


def _revision(tenant_id: ColumnElement[str]) -> ColumnElement[int]:
    """The tenant's revision as a line is stored with it: 0 for a tenant never changed
    through the API (no audit row)."""
    return func.coalesce(newest_event_id(tenant_id), 0)


def _lines_in_force(*, paged: bool) -> Subquery:
    """The subquery of the lines `in_force_query` reads, with their terms' columns."""
    month = bindparam("month", type_=String)
    term = SubscriptionTerm
    later = aliased(SubscriptionTerm)
    # The terms in force are the latest change on or before the month: none later is.
    superseded = exists().where(
        col(later.tenant_id) == col(term.tenant_id),
        col(later.service_id) == col(term.service_id),
        col(later.effective_from) > col(term.effective_from),
        col(later.effective_from) <= month,
    )
    lines = select_columns(
        col(term.tenant_id),
        col(term.service_id),
        col(term.effective_from),
        col(term.policy_id),
        col(term.monthly_fee),
        col(term.users),
    ).where(col(term.effective_from) <= month, col(term.policy_id).is_not(None))
    if not paged:
        lines = lines.where(~superseded)
    else:
        after_tenant = bindparam("after_tenant", type_=String)
        after_service = bindparam("after_service", type_=String)
        # A row value, which both databases seek to in the primary key's index (spelt
        # with OR, PostgreSQL guessed a tenth of the lines after it and sorted them all);
        # and the same bound on the later terms, implied, so that PostgreSQL's merge of
        # the two starts there too rather than at the first tenant.
        lines = lines.where(
            tuple_(col(term.tenant_id), col(term.service_id)) > tuple_(after_tenant, after_service),
            ~superseded.where(col(later.tenant_id) >= after_tenant),
        )
    # Limited here, and only then joined with anything: joined with the tenants before
    # the limit, PostgreSQL read every line after `after` and sorted them, for each page.
    return (
        lines.order_by(col(term.tenant_id), col(term.service_id))
        .limit(bindparam("size", type_=Integer))
        .subquery()
    )


# How many columns of an `in_force_query` row `line_keys` reads; a query may add more.
IN_FORCE_COLUMNS = 9


def line_keys(rows: Iterable[Sequence[Any]]) -> Iterator["LineKey"]:
    """The lines of rows read by `in_force_query`; consecutive lines of one tenant share
    its row."""
    tenant: TenantRow | None = None
    for row in rows:
        tenant_id, service_id, effective_from, policy_id, fee, users, *columns = row[
            :IN_FORCE_COLUMNS
        ]
        if tenant is None or tenant.id != tenant_id:
            tenant = TenantRow(tenant_id, *columns)
        terms = change_of_columns(effective_from, policy_id, fee, users).terms
        assert terms is not None
        yield tenant, service_id, terms


def in_force_batches(
    session: Session,
    month: str,
    after: tuple[str, str] | None,
    size: int,
    *,
    with_revision: bool = False,
) -> Iterator[Sequence[AnyRow]]:
    """The rows of `in_force_query` after `after`, `size` at a time, batch after batch
    by keyset, so memory stays flat."""
    while True:
        values: dict[str, Any] = {"month": month, "size": size}
        if after is not None:
            values.update(after_tenant=after[0], after_service=after[1])
        query = in_force_query(paged=after is not None, with_revision=with_revision)
        rows = session.connection().execute(query, values).all()
        if rows:
            yield rows
        if len(rows) < size:
            return
        after = (rows[-1][0], rows[-1][1])


# The portfolio: every line of a month, a batch of lines at a time, each batch read with
# the same five queries (lines, windows, policies, closes, claims) whatever its size.

LineKey = tuple[LineTenant, str, Terms]
# A portfolio page reads its lines as one batch; the CSV reads batches of this size.
PORTFOLIO_BATCH = 500


class OutageRow(NamedTuple):
    """A stored window as the portfolio reads it: the columns, not an ORM object (which
    costs more to build than the line's arithmetic), in `_PORTFOLIO_WINDOW_COLUMNS`'
    order, so a row read becomes one without being taken apart."""

    tenant_id: str
    service_id: str
    id: int | None
    kind: str
    start_micros: int
    end_micros: int | None
    impact: str | None
    users_affected: int | None
    external_id: str | None
    title: str | None


_PORTFOLIO_WINDOW_COLUMNS = (
    col(Outage.tenant_id),
    col(Outage.service_id),
    col(Outage.id),
    *WINDOW_FIELD_COLUMNS,
)


def batch_lines(
    session: Session,
    month: str,
    now: datetime,
    keys: Sequence[LineKey],
    policies: dict[str, Policy],
    measures: dict[tuple[str, str], LineRules] | None = None,
    with_incidents: bool = True,
) -> list[Plain]:
    """The lines of `keys` (consecutive in (tenant, service) order): their policies,
    windows, closes and claims each read with one query, then each line computed.
    `policies` caches the policies read so far, `measures` the `line_rules` of each
    policy and zone (a request's lines share a handful)."""
    measures = {} if measures is None else measures
    _read_policies(session, {terms.policy_id for _, _, terms in keys}, policies)
    first, last = keys[0][0].id, keys[-1][0].id
    rules_of: list[LineRules] = []
    for tenant, _, terms in keys:
        policy = policies[terms.policy_id]
        zone = policy.zone_for(tenant.timezone)
        rules = measures.get((policy.id, zone))
        if rules is None:
            rules = measures[(policy.id, zone)] = line_rules(policy, month, zone, now)
        rules_of.append(rules)
    reaches = {rules.within for rules in rules_of}
    windows = _windows_between(
        session,
        first,
        last,
        min(each.after for each in reaches),
        max(each.before for each in reaches),
    )
    closes = _closes_between(session, month, first, last)
    claims = _claims_between(session, month, first, last)
    lines = []
    for (tenant, service_id, terms), rules in zip(keys, rules_of, strict=True):
        policy = policies[terms.policy_id]
        # The windows `windows_near` would read for this line, out of the batch's wider read.
        near = rules.within.among(windows.get((tenant.id, service_id), ()))
        given = LineInput(tenant, service_id, terms, policy, month, now, _minor(tenant.currency))
        live = line_fields(given, rules, rules.rules.period, near, with_incidents=with_incidents)
        claim = claims.get((tenant.id, service_id))
        lines.append(plain_portfolio_line(tenant, month, live, closes.get(tenant.id), claim, now))
    return lines


_minor = functools.lru_cache(maxsize=64)(minor_units)  # an ISO 4217 lookup per line


def _read_policies(session: Session, ids: set[str], known: dict[str, Policy]) -> None:
    """Add the policies of `ids` to `known`: built-in ones from the core, the custom ones
    not yet known with one query."""
    missing = set()
    for policy_id in ids - known.keys():
        builtin = BUILTIN_POLICIES.get(policy_id)
        if builtin is None:
            missing.add(policy_id)
        else:
            known[policy_id] = builtin
    if missing:
        for row in session.exec(select(CustomPolicy).where(col(CustomPolicy.id).in_(missing))):
            known[row.id] = policy_from_row(row)
    # Subscribing checks the policy exists and policies are never deleted.
    assert not missing - known.keys(), missing - known.keys()


def _windows_between(
    session: Session, first_tenant: str, last_tenant: str, start: int, end: int
) -> dict[tuple[str, str], list[OutageRow]]:
    """The windows of the tenants from `first_tenant` to `last_tenant` reaching into
    `[start, end)`, by line, each line's in `windows_near`'s order."""
    query = (
        select_columns(*_PORTFOLIO_WINDOW_COLUMNS)
        .where(
            col(Outage.tenant_id) >= first_tenant,
            col(Outage.tenant_id) <= last_tenant,
            col(Outage.start_micros) < end,
            or_(col(Outage.end_micros).is_(None), col(Outage.end_micros) > start),
        )
        .order_by(
            col(Outage.tenant_id),
            col(Outage.service_id),
            col(Outage.start_micros),
            col(Outage.id),
        )
    )
    # Fetched at once: fetching row by row costs more than the rows' own reading.
    rows = session.connection().execute(query).all()
    return {key: list(map(_outage_row, group)) for key, group in groupby(rows, key=_line_of_row)}


_line_of_row = itemgetter(0, 1)  # (tenant id, service id) of a row read by `_windows_between`
# `OutageRow._make` without its length check, called from C: one per window read.
_outage_row = functools.partial(tuple.__new__, OutageRow)


def _closes_between(
    session: Session, month: str, first_tenant: str, last_tenant: str
) -> dict[str, ClosedLines]:
    query = select(ClosedMonth).where(
        ClosedMonth.month == month,
        col(ClosedMonth.tenant_id) >= first_tenant,
        col(ClosedMonth.tenant_id) <= last_tenant,
    )
    return {row.tenant_id: ClosedLines.of(row) for row in session.exec(query)}


def _claims_between(
    session: Session, month: str, first_tenant: str, last_tenant: str
) -> dict[tuple[str, str], Claim]:
    """Each line's latest claim for the month, of the tenants in the range."""
    query = select(Claim).where(
        Claim.month == month,
        col(Claim.tenant_id) >= first_tenant,
        col(Claim.tenant_id) <= last_tenant,
    )
    return {
        (claim.tenant_id, claim.service_id): claim
        for claim in session.exec(query.order_by(col(Claim.id)))
    }
