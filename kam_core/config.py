"""Settings read from the environment and `.env` (pydantic-settings).

An invalid value stops the program with one line naming the variable and what is wrong (exit code 2).
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
SANDBOX_TEAM_ID = "T0KAMDEMO"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    kam_database_url: str = Field(default="sqlite:///kam.db")
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    kam_port: int = Field(default=3000, ge=1, le=65535)
    kam_host: str = "0.0.0.0"
    kam_log_level: LogLevel = "INFO"
    kam_digest_catchup_hours: float = Field(default=3.0, gt=0, le=48)
    kam_digest_stale_claim_minutes: float = Field(default=15.0, gt=0)
    kam_tick_seconds: float = Field(default=30.0, ge=1, le=3600)
    kam_scheduler: bool = True
    kam_workspace: str = SANDBOX_TEAM_ID

    @field_validator("kam_log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("kam_database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("slack_bot_token", "slack_app_token", "slack_signing_secret", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must be a bot token starting with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must be an app-level token starting with xapp-")
        return value


def describe_error(error: ValidationError) -> str:
    """One line naming the first bad variable and what is wrong with it."""
    first = error.errors()[0]
    name = str(first["loc"][0]).upper() if first["loc"] else "settings"
    message = first["msg"].removeprefix("Value error, ")
    return f"invalid setting {name}: {message} (got {first.get('input')!r})"


def load_settings() -> Settings:
    """Read the settings; on a bad value print one line and exit with code 2."""
    try:
        return Settings()
    except ValidationError as error:
        print(f"kam: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None


@lru_cache(maxsize=1)
def cached_settings() -> Settings:
    return load_settings()
