"""ledger: terms over time, closed months, claims

A subscription's policy, fee and seats move to `subscription_term`, one row per month
from which they hold. Existing subscriptions become terms in force for every month
(`1970-01`), so every report reads as it did before.

Revision ID: a52419b11ba7
Revises: 4d9182edf69f
Create Date: 2026-11-27 08:25:42.160749
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "a52419b11ba7"
down_revision: str | None = "4d9182edf69f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("credit_amount", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claim_deadline", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column(
            "measurement_timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False
        ),
        sa.Column(
            "provider_reference", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True
        ),
        sa.Column("credited_amount", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("created_micros", sa.BigInteger(), nullable=False),
        sa.Column("updated_micros", sa.BigInteger(), nullable=False),
        sa.Column("filed_micros", sa.BigInteger(), nullable=True),
        sa.Column("decided_micros", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_claim_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim")),
    )
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.create_index("ix_claim_line", ["tenant_id", "month", "service_id"], unique=False)
        batch_op.create_index("ix_claim_month", ["month", "id"], unique=False)

    op.create_table(
        "closed_month",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("report_json", sa.Text(), nullable=False),
        sa.Column("closed_micros", sa.BigInteger(), nullable=False),
        sa.Column("closed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["tenant_id"], ["tenant.id"], name=op.f("fk_closed_month_tenant_id_tenant")
        ),
        sa.PrimaryKeyConstraint("tenant_id", "month", name=op.f("pk_closed_month")),
    )
    with op.batch_alter_table("closed_month", schema=None) as batch_op:
        batch_op.create_index("ix_closed_month_month", ["month", "tenant_id"], unique=False)

    op.create_table(
        "subscription_term",
        sa.Column("tenant_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("service_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("effective_from", sqlmodel.sql.sqltypes.AutoString(length=7), nullable=False),
        sa.Column("policy_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("monthly_fee", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("users", sa.Integer(), nullable=True),
        sa.Column("created_micros", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "service_id", "effective_from", name=op.f("pk_subscription_term")
        ),
    )
    # Today's terms were the only terms there were: in force for every month.
    op.execute(
        "INSERT INTO subscription_term "
        "(tenant_id, service_id, effective_from, policy_id, monthly_fee, users, created_micros) "
        "SELECT tenant_id, service_id, '1970-01', policy_id, monthly_fee, users, updated_micros "
        "FROM subscription"
    )
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.drop_column("users")
        batch_op.drop_column("monthly_fee")
        batch_op.drop_column("policy_id")
    # Only now: SQLite rebuilds `subscription` above, and with foreign keys on it cannot
    # drop a table another one refers to.
    with op.batch_alter_table("subscription_term", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_subscription_term_tenant_id_subscription"),
            "subscription",
            ["tenant_id", "service_id"],
            ["tenant_id", "service_id"],
        )


def downgrade() -> None:
    # One row of terms per subscription again: the latest terms it has (or had).
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy_id", sa.VARCHAR(length=64), nullable=True))
        batch_op.add_column(sa.Column("monthly_fee", sa.VARCHAR(), nullable=True))
        batch_op.add_column(sa.Column("users", sa.INTEGER(), nullable=True))
    latest = (
        "SELECT {column} FROM subscription_term t WHERE t.tenant_id = subscription.tenant_id "
        "AND t.service_id = subscription.service_id AND t.policy_id IS NOT NULL "
        "ORDER BY t.effective_from DESC LIMIT 1"
    )
    op.execute(
        "UPDATE subscription SET "
        + ", ".join(
            f"{column} = ({latest.format(column=column)})"
            for column in ("policy_id", "monthly_fee", "users")
        )
    )
    # Before `subscription` is rebuilt (SQLite), since this table refers to it.
    op.drop_table("subscription_term")
    with op.batch_alter_table("subscription", schema=None) as batch_op:
        batch_op.alter_column("policy_id", existing_type=sa.VARCHAR(length=64), nullable=False)
        batch_op.alter_column("monthly_fee", existing_type=sa.VARCHAR(), nullable=False)
    with op.batch_alter_table("closed_month", schema=None) as batch_op:
        batch_op.drop_index("ix_closed_month_month")

    op.drop_table("closed_month")
    with op.batch_alter_table("claim", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_month")
        batch_op.drop_index("ix_claim_line")

    op.drop_table("claim")
