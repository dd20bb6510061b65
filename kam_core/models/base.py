"""Declarative base, column types and mixins shared by every table."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import JSON, Date, DateTime, Dialect, ForeignKey, Integer, MetaData, Numeric, String
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from kam_core.enums import Labeled, MeasureUnit

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC in Python on every backend. Naive datetimes are refused when written."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; KAM stores timezone-aware UTC only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def code(enum_cls: type[Labeled]) -> SAEnum:
    """A status/kind column stored as its stable string code."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {
        datetime: UTCDateTime(),
        date: Date(),
        Decimal: Numeric(20, 4),
        dict[str, Any]: JSON(),
        str: String(255),
    }


class WorkspaceScoped:
    """Every table carries the workspace it belongs to; every query filters on it."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


class Referenced(WorkspaceScoped):
    """A record with a short per-workspace reference such as `TSK-78`."""

    PREFIX: ClassVar[str]
    LABEL: ClassVar[str]
    number: Mapped[int] = mapped_column(Integer)

    @property
    def ref(self) -> str:
        return f"{self.PREFIX}-{self.number}"


class Versioned:
    """Optimistic locking: an UPDATE only wins against the version it read."""

    version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.version}


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class HasMeasure:
    """A measurable target on an objective or a business objective."""

    measure_unit: Mapped[MeasureUnit | None] = mapped_column(code(MeasureUnit), default=None)
    measure_label: Mapped[str | None] = mapped_column(String(120), default=None)
    measure_currency: Mapped[str | None] = mapped_column(String(3), default=None)
    measure_target: Mapped[Decimal | None] = mapped_column(default=None)
    measure_current: Mapped[Decimal | None] = mapped_column(default=None)
    measure_updated_at: Mapped[datetime | None] = mapped_column(default=None)
