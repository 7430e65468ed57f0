"""Who is calling, what each role may do, and which tenants a caller may see.

The tenant scope is one SQL condition, applied inside every query that reads
tenants or their data, so pages never come back short and no filter runs after
`LIMIT`. Visibility is decided before permission: a tenant the key may not see
answers 404 whatever the method, exactly as one that does not exist.
"""

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import ColumnElement, false, true

Role = Literal["admin", "finance", "tenant"]
ROLES: tuple[Role, ...] = ("admin", "finance", "tenant")


def as_role(text: str) -> Role:
    """A role as stored; the column only ever holds one of `ROLES`."""
    for role in ROLES:
        if role == text:
            return role
    raise ValueError(f"'{text}' is not a role")


# The key id under which the `SLA_ADMIN_KEY` key acts and is audited.
BOOTSTRAP_KEY_ID = "bootstrap"


class Action(StrEnum):
    """What a request does, as the role table below grants it."""

    READ = "read"
    READ_PORTFOLIO = "read the portfolio"
    READ_AUDIT = "read the audit trail"
    CREATE_TENANTS = "create tenants"
    MANAGE_POLICIES = "create policies"
    MANAGE_SUBSCRIPTIONS = "change subscriptions"
    WRITE_OUTAGES = "write outages"
    IMPORT = "import timelines"
    IMPORT_PORTFOLIO = "import timelines for several tenants"
    MANAGE_KEYS = "manage API keys"
    MANAGE_WEBHOOKS = "manage webhooks"
    CLOSE_MONTHS = "close months"
    REOPEN_MONTHS = "reopen closed months"
    MOVE_CLAIMS = "move claims"


# The one table of who may do what; tenant keys act only within their tenant scope.
GRANTS: dict[Role, frozenset[Action]] = {
    "admin": frozenset(Action),
    "finance": frozenset(
        {Action.READ, Action.READ_PORTFOLIO, Action.CLOSE_MONTHS, Action.MOVE_CLAIMS}
    ),
    "tenant": frozenset({Action.READ, Action.WRITE_OUTAGES, Action.IMPORT}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    """A caller, resolved once per request from its key."""

    key_id: str
    role: Role
    tenant_id: str | None = None

    def may(self, action: Action) -> bool:
        return action in GRANTS[self.role]

    def tenant_scope(self, tenant_column: Any) -> ColumnElement[bool]:
        """The SQL condition on a tenant id column that keeps to what this key may see."""
        if self.role != "tenant":
            return true()
        if self.tenant_id is None:
            return false()
        condition: ColumnElement[bool] = tenant_column == self.tenant_id
        return condition
