"""Photos uploaded from phones and what each is evidence for.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 13:05:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.CheckConstraint("width > 0 AND height > 0", name=op.f("ck_photo_positive_size")),
        sa.ForeignKeyConstraint(["store_id"], ["store.id"], name=op.f("fk_photo_store_id_store")),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"], ["staff.id"], name=op.f("fk_photo_uploaded_by_id_staff")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
    )
    op.create_index("uq_photo_uploader_sha256", "photo", ["uploaded_by_id", "sha256"], unique=True)
    op.create_table(
        "photo_attachment",
        sa.Column("photo_id", sa.Uuid(), nullable=False),
        sa.Column(
            "subject",
            sa.Enum(
                "SHIFT",
                "COMPLAINT",
                "PROMOTION",
                name="photo_subject",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.BigInteger(), nullable=False),
        sa.Column("store_id", sa.Integer(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("attached_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "attached_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["attached_by_id"], ["staff.id"], name=op.f("fk_photo_attachment_attached_by_id_staff")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photo.id"], name=op.f("fk_photo_attachment_photo_id_photo")
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["store.id"], name=op.f("fk_photo_attachment_store_id_store")
        ),
        sa.PrimaryKeyConstraint(
            "photo_id", "subject", "subject_id", name=op.f("pk_photo_attachment")
        ),
    )
    op.create_index("ix_photo_attachment_subject", "photo_attachment", ["subject", "subject_id"])
    op.create_index("ix_photo_attachment_store_id", "photo_attachment", ["store_id", "attached_at"])


def downgrade() -> None:
    op.drop_index("ix_photo_attachment_store_id", table_name="photo_attachment")
    op.drop_index("ix_photo_attachment_subject", table_name="photo_attachment")
    op.drop_table("photo_attachment")
    op.drop_index("uq_photo_uploader_sha256", table_name="photo")
    op.drop_table("photo")
