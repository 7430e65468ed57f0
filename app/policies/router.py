from typing import Annotated

from fastapi import APIRouter, Path, status

from app.audit.service import Change, record
from app.deps import Caller, IdempotentCreate, Now, PolicyCreator, ReadSession, WriteSession
from app.errors import Conflict, InvalidInput, NotFound, ProblemItem, problem_responses
from app.pagination import Cursor, Limit, decode_text_cursor, encode_cursor
from app.policies.schemas import PolicyCreate, PolicyPage, PolicyPublic
from app.policies.service import (
    find_policy,
    policies_page,
    policy_from_create,
    policy_public,
    policy_to_row,
)
from app.sla.periods import to_micros
from app.sla.policies import policy_errors

router = APIRouter(prefix="/v1/policies", tags=["policies"])

PolicyId = Annotated[str, Path(max_length=64)]


# 422: the request guard refuses a control character in any path or query string.
@router.get("", responses=problem_responses(401, 422))
def list_policies(
    _caller: Caller, session: ReadSession, limit: Limit = 100, cursor: Cursor = None
) -> PolicyPage:
    """The built-in policies, then the custom ones by id."""
    after = None if cursor is None else decode_text_cursor(cursor)
    found, more = policies_page(session, after, limit)
    next_cursor = encode_cursor(found[-1].id) if more else None
    return PolicyPage(items=[policy_public(policy) for policy in found], next_cursor=next_cursor)


@router.get("/{policy_id}", responses=problem_responses(401, 404, 422))
def get_policy(policy_id: PolicyId, _caller: Caller, session: ReadSession) -> PolicyPublic:
    """One policy, built-in or custom."""
    policy = find_policy(session, policy_id)
    if policy is None:
        raise NotFound(f"policy '{policy_id}' does not exist")
    return policy_public(policy)


@router.post(
    "", status_code=status.HTTP_201_CREATED, responses=problem_responses(401, 403, 409, 422)
)
def create_policy(
    body: PolicyCreate,
    caller: PolicyCreator,
    write: IdempotentCreate,
    session: WriteSession,
    now: Now,
) -> PolicyPublic:
    """Create a custom policy; built-in ids and existing ids are taken (409)."""
    policy = policy_from_create(body)
    errors = policy_errors(policy)
    if errors:
        raise InvalidInput([ProblemItem(loc=["body", *loc], msg=msg) for loc, msg in errors])
    if find_policy(session, policy.id) is not None:
        raise Conflict(f"policy '{policy.id}' already exists and cannot be overwritten")
    session.add(policy_to_row(policy, to_micros(now)))
    answer = policy_public(policy)
    record(
        session,
        Change(caller.key_id, to_micros(now)),
        entity="policy",
        entity_id=policy.id,
        action="create",
        before=None,
        after=answer.model_dump(),
    )
    write.commit(session, status.HTTP_201_CREATED, answer, to_micros(now))
    return answer
