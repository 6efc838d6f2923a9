"""Factories for orgs, members and questions (like CTFd's gen_* helpers), shared by fixtures and tests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Person:
    """A member of `World.two_companies`: the key of their org ("a1", "b"…), username, role and scope."""

    org: str
    username: str
    role: str = "member"
    scope: str | None = None  # the key of the org an organizer manages (their own org when None)
    phone: str | None = None


HOST_A1 = Person("a1", "host-a1", role="organizer")
HOST_A = Person("a1", "host-a", role="organizer", scope="a")  # sits in branch A1, manages all of company A
HOST_B1 = Person("b1", "host-b1", role="organizer")
ADMIN = Person("a", "boss", role="admin")


class World:
    """Factories for orgs, members and questions on one session (like CTFd's gen_* helpers)."""

    PASSWORD = "correct-horse-9"
    # (type, options, key) of the default question: single choice, "B" is right.
    SINGLE_B = ("single", ["甲", "乙", "丙"], "B")

    def __init__(self, session, clock) -> None:
        self.session, self.clock = session, clock
        self.count = 0
        self.question_count = 0  # apart from `count`, so questions never change member names

    def org(self, name: str | None = None, parent=None):
        """Create and commit an org."""
        from pkarena.services.people import orgs

        self.count += 1
        org = orgs.create_org(self.session, self.clock, name or f"组织{self.count}", parent)
        self.session.commit()
        return org

    def member(self, org, username: str | None = None, *, role: str = "member", scope=None,
               status: str = "active", is_bot: bool = False, phone: str | None = None):
        """Create and commit a member (organizers default to managing their own org)."""
        from pkarena.services.people import members

        self.count += 1
        member = members.create_member(
            self.session, self.clock, username=username or f"user{self.count}", display_name=f"成员{self.count}",
            org=org, password=self.PASSWORD, role=role, status=status, is_bot=is_bot, phone=phone,
            scope_org=scope or (org if role == "organizer" else None))
        self.session.commit()
        return member

    def two_companies(self, *, company_a: str = "华瑞公司", branches_a: Sequence[str] = ("一支部", "二支部"),
                      company_b: str | None = "星联公司", branches_b: Sequence[str] = ("运维支部",),
                      company_c: str | None = None, people: Mapping[str, Person] | None = None) -> dict[str, Any]:
        """The organizer pages' world: company A with branches, company B with branches, maybe a company C.

        Returns the orgs under "a", "a1", "a2"…, "b", "b1"…, "c", then each of `people` under its key,
        created in that order (so ids and default display names never depend on the caller's test).
        """
        tree: dict[str, Any] = {}
        for key, name, branches in (("a", company_a, branches_a), ("b", company_b, branches_b)):
            if name is None:
                continue
            tree[key] = self.org(name)
            for number, branch in enumerate(branches, start=1):
                tree[f"{key}{number}"] = self.org(branch, tree[key])
        if company_c is not None:
            tree["c"] = self.org(company_c)
        for key, person in (people or {}).items():
            tree[key] = self.member(tree[person.org], person.username, role=person.role, phone=person.phone,
                                    scope=tree[person.scope] if person.scope else None)
        return tree

    def questions(self, count: int, *, kinds: Sequence[tuple[str, list, object]] = (SINGLE_B,),
                  explanation: str = "解析") -> list[int]:
        """Create and commit `count` active questions cycling through `kinds`; returns their version ids."""
        from question_bank.models import Question, QuestionVersion

        ids = []
        for i in range(count):
            qtype, options, key = kinds[i % len(kinds)]
            self.question_count += 1
            content_hash = f"q{self.question_count}"
            question = Question(status="active", content_hash=content_hash, created_at=self.clock.now())
            version = QuestionVersion(question=question, version=1, type=qtype, stem=f"第{i}题", options=list(options),
                                      answer=key, explanation=f"{explanation}{i}", difficulty=2, tags=[],
                                      content_hash=content_hash, created_at=self.clock.now())
            question.current_version = version
            self.session.add(question)
            self.session.flush()
            ids.append(version.id)
        self.session.commit()
        return ids
