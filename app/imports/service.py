"""Importing a timeline file: parse as a stream, validate every row, store all or none.

An upload, an admin upload for several tenants and a pull sync all end here, so a
file means the same thing however it arrived. The file is read as a stream, hashed
on the way; every bad row is reported at once and nothing is stored; the caller
commits (or rolls back, for a dry run, or on any problem).

Two ways to store, one result. A tenant's upload stores its windows as they stream in
(`direct`), inside a savepoint; when that way cannot decide (two windows of one
incident contradict each other, and the problem must name both rows), the savepoint
is rolled back and the file read again the staged way. The admin upload for several
tenants, and a stream that cannot be read twice, take the staged way at once: every
validated window is parked in a scratch file (`staging`), then stored a batch of
whole incidents at a time.
"""

import hashlib
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlmodel import Session, col, select

from app.audit import service as audit
from app.audit.service import Change
from app.errors import Loc, NotFound, ProblemError, ProblemItem, invalid
from app.imports.direct import DirectStore, Undecided
from app.imports.formats import ImportedRow, ImportOptions, Skipped, parse
from app.imports.schemas import ImportFormat, ImportResult, SkippedItem
from app.imports.staging import Staging
from app.ledger.events import windows_changed
from app.models import ImportRecord, Tenant
from app.outages.incidents import StoreResult, store_window_batches
from app.outages.service import services_of
from app.outages.validation import Problems, WindowValidator
from app.schemas import iso
from app.sla.periods import from_micros

# Takes one row's fields as the parser read them.
AddRow = Callable[[Loc, dict[str, object]], None]


class _HashingStream(io.RawIOBase):
    """The upload as a raw stream, hashing each chunk read through it."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        self.digest.update(data)
        return len(data)


class HashingReader(io.BufferedReader):
    """A binary stream that hashes what is read through it. Buffered, so that a parser
    reading line by line costs one C call a line, and the hash is fed 64 KiB at a time."""

    def __init__(self, stream: BinaryIO) -> None:
        self._hashing = _HashingStream(stream)
        super().__init__(self._hashing, buffer_size=1 << 16)

    def hexdigest(self) -> str:
        """The hash of the whole file: what the parser left unread is read here."""
        while self.read(1 << 16):
            pass
        return self._hashing.digest.hexdigest()


@dataclass(frozen=True, slots=True)
class Upload:
    format: ImportFormat
    filename: str | None
    stream: BinaryIO
    service_map: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class _Parsed:
    """What reading an upload found: its hash, what it skipped, the tenants it names."""

    sha256: str
    skipped: list[SkippedItem]
    tenants: dict[str, Tenant]


def import_for_tenant(
    session: Session, tenant: Tenant, upload: Upload, dry_run: bool, change: Change
) -> ImportResult:
    """One tenant's upload: streamed into storage, or staged (see the module docstring)."""
    if upload.stream.seekable():
        try:
            with session.begin_nested():
                return _import_direct(session, tenant, upload, dry_run, change)
        except Undecided:
            upload.stream.seek(0)
    return _import_staged(session, tenant, upload, dry_run, change)


def _import_direct(
    session: Session, tenant: Tenant, upload: Upload, dry_run: bool, change: Change
) -> ImportResult:
    """The windows stored as they stream in; re-sent incidents staged (see `direct`)."""
    record = _new_record(session, tenant.id, upload, change)
    assert record.id is not None
    with Staging() as resent:
        problems = Problems()
        store = DirectStore(session, tenant.id, upload.format, record.id, change.at_micros, resent)
        validator = WindowValidator(
            tenant, services_of(session, tenant.id), problems, keep=store.add
        )
        parsed = _parse(upload, validator.add_fields, problems, False)
        store.flush()
        problems.extend(resent.overlap_problems())
        problems.raise_any()
        if not store.rows and not parsed.skipped:
            raise _no_windows()
        record.sha256, record.rows = parsed.sha256, store.rows
        record.skipped = _skipped(parsed)
        stored = store_window_batches(
            session, tenant.id, upload.format, resent.batches(tenant.id), change, record.id
        )
    stored.created += store.created
    stored.duplicates += store.duplicates
    span = store.span() if store.rows else None
    return _recorded(session, record, stored, tenant, span, change, dry_run)


def _import_staged(
    session: Session, tenant: Tenant, upload: Upload, dry_run: bool, change: Change
) -> ImportResult:
    with Staging() as staging:
        problems = Problems()
        validator = WindowValidator(
            tenant,
            services_of(session, tenant.id),
            problems,
            keep=lambda loc, window: staging.add(tenant.id, loc, window),
        )
        parsed = _parse(upload, validator.add_fields, problems, False)
        parsed.tenants = {tenant.id: tenant}
        (result,) = _store(session, upload, parsed, staging, problems, dry_run, change)
    return result


def import_for_tenants(
    session: Session, upload: Upload, dry_run: bool, change: Change
) -> tuple[str, list[SkippedItem], list[ImportResult]]:
    """The admin upload: every row names its tenant; all tenants' rows or none are stored."""
    tenants: dict[str, Tenant] = {}
    validators: dict[str, WindowValidator] = {}
    problems = Problems()
    with Staging() as staging:

        def validator_for(tenant_id: str, loc: Loc) -> WindowValidator | ProblemItem:
            """The validator for a row's tenant, or why the row's tenant is not one."""
            if tenant_id not in validators:
                tenant = session.get(Tenant, tenant_id)
                if tenant is None:
                    return ProblemItem(
                        loc=[*loc, "tenant_id"], msg=f"tenant '{tenant_id}' does not exist"
                    )
                tenants[tenant_id] = tenant
                validators[tenant_id] = WindowValidator(
                    tenant,
                    services_of(session, tenant_id),
                    problems,
                    keep=lambda loc, window: staging.add(tenant_id, loc, window),
                )
            return validators[tenant_id]

        def add_row(loc: Loc, fields: dict[str, object]) -> None:
            rest = dict(fields)
            found = validator_for(str(rest.pop("tenant_id", "")), loc)
            if isinstance(found, ProblemItem):
                problems.append(found)
            else:
                found.add_fields(loc, rest)

        parsed = _parse(upload, add_row, problems, True)
        # Locked together in id order, so two uploads naming the same tenants in another
        # order queue instead of deadlocking (SQLite's BEGIN IMMEDIATE already queues them).
        session.exec(
            select(Tenant.id)
            .where(col(Tenant.id).in_(sorted(tenants)))
            .order_by(col(Tenant.id))
            .with_for_update()
        ).all()
        parsed.tenants = tenants
        results = _store(session, upload, parsed, staging, problems, dry_run, change)
    return parsed.sha256, parsed.skipped, results


def _parse(upload: Upload, add_row: AddRow, problems: Problems, allow_tenant_id: bool) -> _Parsed:
    reader = HashingReader(upload.stream)
    options = ImportOptions(service_map=upload.service_map, allow_tenant_id=allow_tenant_id)
    skipped: list[SkippedItem] = []
    for event in parse(upload.format, reader, options):
        # Rows first: nearly every event is one.
        if isinstance(event, ImportedRow):
            add_row(event.loc, event.fields)
        elif isinstance(event, Skipped):
            skipped.append(SkippedItem(ref=event.ref, reason=event.reason))
        else:
            problems.append(ProblemItem(loc=event.loc, msg=event.msg))
    return _Parsed(reader.hexdigest(), skipped, {})


def _store(
    session: Session,
    upload: Upload,
    parsed: _Parsed,
    staging: Staging,
    problems: Problems,
    dry_run: bool,
    change: Change,
) -> list[ImportResult]:
    problems.extend(staging.overlap_problems())
    problems.raise_any()
    named = staging.tenants()
    if not named and not parsed.skipped:
        raise _no_windows()
    # Everything skipped: the record still belongs to the tenant it was sent for.
    tenant_ids = sorted(named) if named else sorted(parsed.tenants)
    results = []
    for tenant_id in tenant_ids:
        record = _new_record(session, tenant_id, upload, change)
        record.sha256, record.rows = parsed.sha256, staging.count(tenant_id)
        record.skipped = _skipped(parsed)
        stored = store_window_batches(
            session, tenant_id, upload.format, staging.batches(tenant_id), change, record.id
        )
        span = staging.span(tenant_id) if record.rows else None
        tenant = parsed.tenants[tenant_id]
        results.append(_recorded(session, record, stored, tenant, span, change, dry_run))
    return results


def _no_windows() -> ProblemError:
    return invalid(["file"], "the file holds no outage windows")


def _skipped(parsed: _Parsed) -> list[dict[str, str]]:
    return [item.model_dump() for item in parsed.skipped]


def _new_record(session: Session, tenant_id: str, upload: Upload, change: Change) -> ImportRecord:
    """The tenant's import record, with an id; its hash and counts are filled in later."""
    record = ImportRecord(
        tenant_id=tenant_id,
        format=upload.format,
        filename=upload.filename,
        sha256="",
        rows=0,
        created=0,
        updated=0,
        removed=0,
        duplicates=0,
        skipped=[],
        actor_key_id=change.actor_key_id,
        created_micros=change.at_micros,
    )
    session.add(record)
    session.flush()
    return record


def _recorded(
    session: Session,
    record: ImportRecord,
    stored: StoreResult,
    tenant: Tenant,
    span: tuple[int, int | None] | None,
    change: Change,
    dry_run: bool,
) -> ImportResult:
    """The record with what storing its windows did, audited; `span` covers its windows."""
    record.created, record.updated = stored.created, stored.updated
    record.removed, record.duplicates = stored.removed, stored.duplicates
    session.add(record)
    # One audit row for the import, with its counts: the windows it created carry its
    # id (a row per window would cost more than storing them); updated and removed
    # windows have their own rows, before and after.
    audit.record(
        session,
        change,
        entity="import",
        entity_id=str(record.id),
        action="create",
        before=None,
        after=import_result(record).model_dump(mode="json"),
        tenant_id=record.tenant_id,
    )
    if span is not None:
        now = from_micros(change.at_micros)
        windows_changed(session, tenant, [span, *stored.displaced], now)
    return import_result(record, dry_run)


def import_result(record: ImportRecord, dry_run: bool = False) -> ImportResult:
    return ImportResult(
        id=None if dry_run else record.id,
        tenant_id=record.tenant_id,
        format=record.format,
        filename=record.filename,
        sha256=record.sha256,
        rows=record.rows,
        created=record.created,
        updated=record.updated,
        removed=record.removed,
        duplicates=record.duplicates,
        skipped=[SkippedItem.model_validate(item) for item in record.skipped],
        dry_run=dry_run,
        created_at=None if dry_run else iso(record.created_micros),
        actor_key_id=record.actor_key_id,
    )


def imports_page(
    session: Session, tenant_id: str, after_id: int | None, limit: int
) -> tuple[list[ImportRecord], bool]:
    query = select(ImportRecord).where(ImportRecord.tenant_id == tenant_id)
    if after_id is not None:
        query = query.where(col(ImportRecord.id) < after_id)
    rows = list(session.exec(query.order_by(col(ImportRecord.id).desc()).limit(limit + 1)))
    return rows[:limit], len(rows) > limit


def stored_import(session: Session, tenant_id: str, import_id: int) -> ImportRecord:
    record = session.get(ImportRecord, import_id)
    if record is None or record.tenant_id != tenant_id:
        raise NotFound(f"import {import_id} does not exist for tenant '{tenant_id}'")
    return record
