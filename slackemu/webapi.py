"""The Web API served at ``/api/<method>``: importing this module registers every method."""

from __future__ import annotations

from . import api_chat, api_conversations, api_files, api_views
from .apicore import HANDLERS, ApiError, call_api

__all__ = ["HANDLERS", "ApiError", "api_chat", "api_conversations", "api_files", "api_views", "call_api"]
