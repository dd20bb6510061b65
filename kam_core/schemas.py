"""Pydantic v2 inputs of the services. Field names are the names the Slack modals use as block ids,
so a validation error lands under the right field."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from typing import Annotated, Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kam_core.enums import (
    DigestKind,
    Level,
    MeasureUnit,
    Priority,
    Rating,
    Role,
    ScopeType,
    Visibility,
)
from kam_core.errors import InvalidInput
from kam_core.format import day


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


Name = Annotated[str, AfterValidator(_not_blank), Field(max_length=200)]
Title = Annotated[str, AfterValidator(_not_blank), Field(max_length=300)]
Text = Annotated[str | None, Field(default=None, max_length=3000)]
Weight = Annotated[float, Field(gt=0, le=100)]
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


def _user_id(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip()
    match = re.match(r"^<@([UW][A-Z0-9]+)(\|[^>]*)?>$", value)
    if match:
        value = match.group(1)
    if not USER_ID.match(value):
        raise ValueError(f"“{value}” is not a Slack user (pick someone, or type @name)")
    return value


UserId = Annotated[str | None, AfterValidator(_user_id)]
UserIds = list[Annotated[str, AfterValidator(_user_id)]]


class Input(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True, extra="forbid")

    @field_validator("*", mode="before")
    @classmethod
    def _empty_to_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "" else value


M = TypeVar("M", bound=BaseModel)

MESSAGES = {
    "missing": "is required",
    "date_from_datetime_parsing": "must be a date like 2027-01-31",
    "date_parsing": "must be a date like 2027-01-31",
    "date_type": "must be a date like 2027-01-31",
    "float_parsing": "must be a number",
    "decimal_parsing": "must be a number",
    "greater_than": "must be greater than {gt}",
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "string_too_long": "must be at most {max_length} characters",
    "enum": "must be one of {expected}",
    "extra_forbidden": "is not a field here",
    "string_type": "must not be empty",
}


def friendly(error: ValidationError) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in error.errors():
        ctx = item.get("ctx") or {}
        raised = ctx.get("error")
        field = str(item["loc"][0]) if item["loc"] else "input"
        if isinstance(raised, InvalidInputError):
            field = raised.field
        if field in out:
            continue
        template = MESSAGES.get(item["type"])
        if item["type"] == "value_error":
            message = str(ctx.get("error", item["msg"]))
        elif template:
            try:
                message = template.format(**ctx)
            except (KeyError, IndexError):
                message = item["msg"]
        else:
            message = item["msg"]
        out[field] = message.removeprefix("Value error, ")
    return out


def parse(model: type[M], data: dict[str, Any] | None = None, **kwargs: Any) -> M:
    """Validate input, turning pydantic's errors into one InvalidInput keyed by field."""
    try:
        return model.model_validate({**(data or {}), **kwargs})
    except ValidationError as error:
        raise InvalidInput(friendly(error)) from None


class InvalidInputError(ValueError):
    """Raised inside a model validator to put the message under a given field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class PeriodMixin(Input):
    period_start: date
    period_end: date

    @model_validator(mode="after")
    def _check_period(self) -> PeriodMixin:
        if self.period_end < self.period_start:
            raise InvalidInputError("period_end", f"must be on or after the start ({day(self.period_start)})")
        return self


class MeasureInput(Input):
    unit: MeasureUnit
    target: Decimal = Field(gt=0)
    current: Decimal | None = Field(default=None, ge=0)
    label: str | None = Field(default=None, max_length=120)
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")


class AccountPlanCreate(PeriodMixin):
    account: Name  # external id or exact name
    name: Name
    owner: UserId = None  # Slack user id; default the actor
    visibility: Visibility = Visibility.WORKSPACE
    vision: Text = None
    priorities: Text = None
    strengths: Text = None
    weaknesses: Text = None
    opportunities: Text = None
    threats: Text = None
    participants: UserIds = Field(default_factory=list)
    products: list[str] = Field(default_factory=list)


class TerritoryPlanCreate(PeriodMixin):
    territory: Name
    name: Name
    owner: UserId = None
    visibility: Visibility = Visibility.WORKSPACE
    vision: Text = None
    participants: UserIds = Field(default_factory=list)


class PlanUpdate(Input):
    name: Name | None = None
    owner: UserId = None
    period_start: date | None = None
    period_end: date | None = None
    visibility: Visibility | None = None
    vision: Text = None
    priorities: Text = None
    strengths: Text = None
    weaknesses: Text = None
    opportunities: Text = None
    threats: Text = None


class GoalCreate(PeriodMixin):
    name: Name
    level: Level
    parent: str | None = None  # BO-n
    territory: str | None = None  # territory name
    owner: UserId = None
    description: Text = None
    measure: MeasureInput | None = None


class ObjectiveCreate(Input):
    plan: Name
    name: Name
    description: Text = None
    owner: UserId = None
    start_date: date | None = None
    due_date: date | None = None
    priority: Priority = Priority.MEDIUM
    weight: Weight = 1.0
    contributes_to: str | None = None  # BO-n
    measure: MeasureInput | None = None
    template: str | None = None  # objective template name or id

    @model_validator(mode="after")
    def _check_dates(self) -> ObjectiveCreate:
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise InvalidInputError("due_date", f"must be on or after the start ({day(self.start_date)})")
        return self


class TacticCreate(Input):
    objective: Name
    name: Name | None = None  # from the template when omitted
    description: Text = None
    owner: UserId = None
    sprint: str | None = None
    weight: Weight = 1.0
    start_date: date | None = None
    due_date: date | None = None
    template: str | None = None

    @model_validator(mode="after")
    def _check(self) -> TacticCreate:
        if not self.name and not self.template:
            raise InvalidInputError("name", "must not be empty (or pick a template)")
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise InvalidInputError("due_date", f"must be on or after the start ({day(self.start_date)})")
        return self


class TaskCreate(Input):
    tactic: Name
    title: Title
    notes: Text = None
    assignee: UserId = None
    due_date: date | None = None
    stakeholder: str | None = None  # ST-n
    source_permalink: str | None = Field(default=None, max_length=500)


class TaskUpdate(Input):
    title: Title | None = None
    notes: Text = None
    due_date: date | None = None
    stakeholder: str | None = None


class SprintCreate(Input):
    name: Name
    start_date: date
    end_date: date
    goal: Text = None
    owner: UserId = None

    @model_validator(mode="after")
    def _check(self) -> SprintCreate:
        if self.end_date < self.start_date:
            raise InvalidInputError("end_date", f"must be on or after the start ({day(self.start_date)})")
        return self


class StakeholderCreate(Input):
    plan: Name
    contact: Name  # external id or name of a contact of the plan's account
    role: str | None = Field(default=None, max_length=120)
    influence: Rating = Rating.MEDIUM
    strength: Rating = Rating.MEDIUM
    covering: UserId = None
    objective: str | None = None


class TemplateItem(Input):
    title: Title
    offset_days: int = Field(default=0, ge=0, le=3650)
    notes: Text = None


class TacticTemplateCreate(Input):
    name: Name
    description: Text = None
    items: list[TemplateItem] = Field(default_factory=list)


class ObjectiveTemplateCreate(Input):
    name: Name
    description: Text = None
    measure_unit: MeasureUnit | None = None
    measure_label: str | None = None
    measure_target: Decimal | None = Field(default=None, gt=0)
    tactics: list[str] = Field(default_factory=list)  # tactic template names


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SubscriptionCreate(Input):
    channel_id: Name
    kind: DigestKind
    scope_type: ScopeType
    scope: Name  # a reference, a territory name or a Slack user id
    local_time: Name
    timezone: Name
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4])

    @field_validator("local_time")
    @classmethod
    def _time(cls, value: str) -> str:
        match = re.match(r"^(\d{1,2}):(\d{2})$", value.strip())
        if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
            raise ValueError("must be a time like 09:00")
        return time(int(match.group(1)), int(match.group(2))).strftime("%H:%M")

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"“{value}” is not an IANA time zone like Europe/Berlin") from None
        return value

    @field_validator("weekdays")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("pick at least one day")
        if any(d < 0 or d > 6 for d in value):
            raise ValueError("days are 0 (Monday) to 6 (Sunday)")
        return sorted(set(value))


class RoleGrant(Input):
    user: UserId
    role: Role
