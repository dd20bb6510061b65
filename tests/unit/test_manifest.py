"""manifest.yml is a valid Slack app manifest (Slack's published schema) and declares exactly what the code
uses: the /kam command, the message shortcut, the events, interactivity, and the bot scopes of the Web
API methods the bot calls."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from bot.ids import Shortcut

ROOT = Path(__file__).resolve().parents[2]
# Slack's published manifest schema (slackapi/manifest-schema, MIT: tests/data/LICENSE-manifest-schema)
SCHEMA = ROOT / "tests" / "data" / "manifest.schema.1.0.0.json"
CALL = re.compile(r"\.(chat|conversations|users|views|reactions|team|auth|files|pins|usergroups)_(\w+)\(")
REGISTERED = re.compile(r"app\.(command|shortcut|event)\((?:\"([^\"]+)\"|Shortcut\.(\w+))")

# The bot token scope each Web API method needs (docs.slack.dev, "Required scopes"); None: no scope.
SCOPES: dict[str, set[str] | None] = {
    "chat.postMessage": {"chat:write"},
    "chat.postEphemeral": {"chat:write"},
    "chat.update": {"chat:write"},
    "chat.delete": {"chat:write"},
    "chat.getPermalink": None,
    "conversations.open": {"im:write"},
    # the digest publisher looks for an earlier post in public and private channels (not IMs / MPIMs)
    "conversations.history": {"channels:history", "groups:history"},
    "conversations.replies": {"channels:history", "groups:history"},
    "files.uploadV2": {"files:write"},  # slack_sdk: files.getUploadURLExternal + completeUploadExternal
    "users.info": {"users:read", "users:read.email"},  # the email is read from the profile
    "views.open": None,
    "views.push": None,
    "views.update": None,
    "views.publish": None,
    "auth.test": None,
}


@pytest.fixture(scope="module")
def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def _sources() -> str:
    files = [p for p in (ROOT / "bot").rglob("*.py") if "sandbox" not in p.parts]
    return "\n".join(p.read_text() for p in files)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def called_methods() -> set[str]:
    return {f"{group}.{camel(name)}" for group, name in CALL.findall(_sources())}


def test_manifest_validates_against_slacks_schema(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(manifest)


def test_the_schema_catches_a_broken_manifest(manifest: dict[str, Any]) -> None:
    schema = json.loads(SCHEMA.read_text())
    broken = {**manifest, "display_information": {"description": "no name"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft7Validator(schema).validate(broken)


def test_the_slash_command_shortcut_and_events_are_the_ones_registered(manifest: dict[str, Any]) -> None:
    registered = REGISTERED.findall(_sources())
    commands = {name for kind, name, _ in registered if kind == "command"}
    events = {name for kind, name, _ in registered if kind == "event"}
    shortcuts = {Shortcut[member].value for kind, _, member in registered if kind == "shortcut"}
    features = manifest["features"]
    assert {c["command"] for c in features["slash_commands"]} == commands == {"/kam"}
    assert {(s["callback_id"], s["type"]) for s in features["shortcuts"]} == {
        (callback, "message") for callback in shortcuts
    }
    assert Shortcut.TASK_FROM_MESSAGE.value in shortcuts
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events == {"app_home_opened"}
    assert features["app_home"]["home_tab_enabled"] is True


def test_interactivity_is_on(manifest: dict[str, Any]) -> None:
    assert manifest["settings"]["interactivity"]["is_enabled"] is True


def test_the_scopes_are_exactly_those_of_the_methods_called(manifest: dict[str, Any]) -> None:
    methods = called_methods()
    unknown = methods - set(SCOPES)
    assert not unknown, f"add the scopes of {unknown} to SCOPES (and the manifest)"
    needed = {"commands"}  # the slash command and the message shortcut
    for method in methods | {"chat.postMessage"}:  # the outbox sends by method name
        needed |= SCOPES[method] or set()
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert {"views.open", "chat.postEphemeral", "conversations.open", "users.info"} <= methods
