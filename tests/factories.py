"""Factories for orgs and members (like CTFd's gen_* helpers), shared by fixtures and tests."""

from __future__ import annotations


class World:
    """Factories for orgs and members on one session (like CTFd's gen_* helpers)."""

    PASSWORD = "correct-horse-9"

    def __init__(self, session, clock) -> None:
        self.session, self.clock = session, clock
        self.count = 0

    def org(self, name: str | None = None, parent=None):
        """Create and commit an org."""
        from pkarena.services import orgs

        self.count += 1
        org = orgs.create_org(self.session, self.clock, name or f"组织{self.count}", parent)
        self.session.commit()
        return org

    def member(self, org, username: str | None = None, *, role: str = "member", scope=None,
               status: str = "active", is_bot: bool = False, phone: str | None = None):
        """Create and commit a member (organizers default to managing their own org)."""
        from pkarena.services import members

        self.count += 1
        member = members.create_member(
            self.session, self.clock, username=username or f"user{self.count}", display_name=f"成员{self.count}",
            org=org, password=self.PASSWORD, role=role, status=status, is_bot=is_bot, phone=phone,
            scope_org=scope or (org if role == "organizer" else None))
        self.session.commit()
        return member
