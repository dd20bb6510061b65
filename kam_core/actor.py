"""The acting member and where the action came from."""

from __future__ import annotations

from dataclasses import dataclass

from kam_core.enums import Role, Source
from kam_core.models import Member


@dataclass(frozen=True)
class Actor:
    member: Member
    source: Source = Source.COMMAND

    @property
    def workspace_id(self) -> int:
        return self.member.workspace_id

    @property
    def id(self) -> int:
        return self.member.id

    @property
    def role(self) -> Role:
        return self.member.role

    @property
    def is_admin(self) -> bool:
        return self.member.role is Role.ADMIN

    def via(self, source: Source) -> Actor:
        return Actor(self.member, source)
