"""The freeze's fast paths (pre-formatted COPY text, shared member lines, two-sort ranking) store what the
plain row dicts say: every name survives COPY's escaping and the rows match `compute` field for field."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from pkarena.models import Member
from pkarena.services import ledger
from pkarena.services.monthly import freeze, snapshots

OCT = "2026-10"
EARLY_OCTOBER = datetime(2026, 10, 2, 2, 0, tzinfo=UTC)
LATE_NOVEMBER = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)
AWKWARD_NAMES = ["tab\there", "back\\slash \\N", "new\nline\r", 'quote"张三', "\\t literal"]


def test_frozen_rows_equal_the_computed_rows_even_for_names_copy_must_escape(session, clock, world):
    clock.set(EARLY_OCTOBER)
    company = world.org("甲公司")
    branch = world.org("甲一支部", company)
    people = [world.member(branch, f"m{i}") for i in range(12)]
    for person, name in zip(people, AWKWARD_NAMES, strict=False):
        session.execute(update(Member).where(Member.id == person.id).values(display_name=name))
    session.commit()
    for index, person in enumerate(people[:8]):  # ties (index % 3) and members with nothing
        ledger.award(session, clock, member_id=person.id, source="manual", source_ref=f"r{index}",
                     outcome={"points": 1 + index % 3}, category="思想学习", note="测试")
    clock.set(LATE_NOVEMBER)
    expected = {(scope.kind, scope.scope_id): scope.rows for scope in freeze.compute(session, clock, OCT)}
    session.rollback()
    frozen = freeze.freeze_month(session, clock, OCT)
    stored = {(view.scope_kind, view.scope_id): view for view in snapshots.all_for_month(session, OCT)}
    assert {key: view.rows for key, view in stored.items()} == expected
    assert {row["name"] for row in stored[("members_all", 0)].rows} >= set(AWKWARD_NAMES)
    assert {(f.scope_kind, f.scope_id): f.checksum for f in frozen} == {k: v.checksum for k, v in stored.items()}
    assert freeze.check_month(session, OCT, clock) == []
