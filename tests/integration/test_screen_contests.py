"""Contest screens: organizers create them, the payload before and after an award, pushes, the frozen podium."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pkarena.extensions import socketio
from pkarena.models import ScreenToken
from pkarena.services import ledger
from pkarena.services.boards import screens
from pkarena.services.contests import manage as contests
from pkarena.services.contests import standings
from pkarena.services.contests.manage import ContestDraft
from pkarena.services.people import orgs

DEC_1, DEC_31 = date(2026, 12, 1), date(2026, 12, 31)
IN_DECEMBER = datetime(2026, 12, 3, 4, 0, tzinfo=UTC)  # noon in Shanghai
AFTER_DECEMBER = datetime(2027, 1, 1, 1, 0, tzinfo=UTC)


class Windows:
    """Stands in for the throttle's timer: windows open when a push happens and close only when told."""

    def __init__(self) -> None:
        self.open: list[tuple] = []

    def spawn(self, fn, *args):
        self.open.append((fn, args))

    def close_all(self) -> None:
        while self.open:
            fn, args = self.open.pop(0)
            fn(*args)


@pytest.fixture
def windows(app) -> Windows:
    """Make the push throttle deterministic: no timer threads."""
    timers = Windows()
    throttle = app.extensions["pkarena.screen_push"]
    throttle.spawn, throttle.sleep = timers.spawn, lambda _seconds: None
    return timers


@pytest.fixture
def duel(world, session, clock, app):
    """Two companies' branches paired, an organizer of each side, members, and a December contest between them."""
    company_a, company_b = world.org("华瑞金属"), world.org("星联通信")
    branch_a, branch_b = world.org("一支部", company_a), world.org("信息支部", company_b)
    orgs.create_pairing(session, clock, "华瑞×星联", branch_a, branch_b, date(2026, 1, 1))
    session.commit()
    host = world.member(company_a, "host-a", role="organizer")
    host_b = world.member(company_b, "host-b", role="organizer")
    a = [world.member(branch_a, f"a{i}") for i in range(1, 5)]
    b = [world.member(branch_b, f"b{i}") for i in range(1, 3)]
    draft = ContestDraft(name="十二月PK赛", starts_on=DEC_1, ends_on=DEC_31, org_ids=[branch_a.id, branch_b.id],
                         sources=["daily", "manual"])
    contest = contests.create(session, clock, host, draft, schedule=True)
    standings.changed(app.extensions["pkarena.store"])
    clock.set(IN_DECEMBER)
    return {"a": branch_a, "b": branch_b, "host": host, "host_b": host_b, "a_members": a, "b_members": b,
            "contest": contest, "company_a": company_a}


def give(app, session, clock, member, source: str, ref: str, **outcome) -> None:
    ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome,
                 on_commit=app.extensions["pkarena.boards"])


def contest_screen(session, clock, duel, label: str = "大厅电视") -> tuple[ScreenToken, str]:
    return screens.create(session, clock, scope_kind="contest", scope_id=duel["contest"].id, label=label,
                          actor_id=duel["host"].id)


def updates(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received("/screen") if m["name"] == "board.update"]


def test_an_organizer_of_one_side_creates_a_contest_screen_and_it_opens(client, login, session, duel):
    login(duel["host_b"])  # organizer of the second side only: still one of the contest's owners
    form = client.get("/admin/screens").get_data(as_text=True)
    assert f'value="contest:{duel["contest"].id}"' in form and "竞赛：十二月PK赛" in form
    response = client.post("/admin/screens", data={"label": "信息支部大屏", "scope": f"contest:{duel['contest'].id}"})
    assert response.status_code == 201
    token = re.search(r"/screen/([A-Za-z0-9_\-]+)", response.get_data(as_text=True)).group(1)
    row = session.execute(select(ScreenToken)).scalar_one()
    assert (row.scope_kind, row.scope_id) == ("contest", duel["contest"].id)
    assert "十二月PK赛" in client.get("/admin/screens").get_data(as_text=True)
    page = client.get(f"/screen/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-testid="screen-contest"' in html
    assert f'data-token="{token}"' in html and "<svg" in html
    assert f"/contests/{duel['contest'].id}" in html  # the QR (its title) opens the member contest page


def test_organizers_and_members_outside_the_contest_cannot_put_it_on_a_screen(world, client, login, session,
                                                                                 clock, duel):
    stranger = world.member(world.org("无关公司"), "host-x", role="organizer")
    login(stranger)
    assert f"contest:{duel['contest'].id}" not in client.get("/admin/screens").get_data(as_text=True)
    client.post("/admin/screens", data={"label": "越权", "scope": f"contest:{duel['contest'].id}"})
    login(duel["a_members"][0])
    assert client.post("/admin/screens", data={"label": "成员",
                                               "scope": f"contest:{duel['contest'].id}"}).status_code == 403
    assert session.execute(select(ScreenToken)).scalars().all() == []
    # A draft is not offered until it is published.
    draft = contests.create(session, clock, duel["host"], ContestDraft(
        name="草稿赛", starts_on=DEC_1, ends_on=DEC_31, org_ids=[duel["a"].id, duel["b"].id]))
    login(duel["host"])
    form = client.get("/admin/screens").get_data(as_text=True)
    assert f"contest:{duel['contest'].id}" in form and f"contest:{draft.id}" not in form


def test_the_payload_shows_both_sides_the_gap_and_the_leaders_and_an_award_moves_them(app, session, clock, duel,
                                                                                      windows):
    store = app.extensions["pkarena.store"]
    a1, a2, _a3, _a4 = duel["a_members"]
    b1, b2 = duel["b_members"]
    row, _token = contest_screen(session, clock, duel)
    give(app, session, clock, a1, "daily", "d1", correct=4)
    give(app, session, clock, b1, "daily", "d2", correct=5)
    before = screens.screen_payload(session, store, clock, row)
    assert before["kind"] == "contest" and before["label"] == "大厅电视"
    assert before["contest"]["name"] == "十二月PK赛" and before["contest"]["status"] == "running"
    assert before["contest"]["days_left"] == 29 and before["contest"]["metric"] == "per_member"
    sides = {side["name"]: side for side in before["sides"]}
    assert [side["name"] for side in before["sides"]] == ["一支部", "信息支部"]  # the organizer's order
    # 一支部 has four members (its organizer belongs to the company, not the branch).
    assert (sides["一支部"]["total"], sides["一支部"]["members"]) == (4, 4)
    assert sides["一支部"]["value"] == pytest.approx(1.0) and sides["信息支部"]["value"] == pytest.approx(2.5)
    assert (sides["信息支部"]["rank"], sides["一支部"]["rank"]) == (1, 2)
    assert before["gap"]["leader"] == "信息支部" and before["gap"]["value"] == pytest.approx(1.5)
    assert [p["name"] for p in sides["一支部"]["leaders"]] == [a1.display_name]
    assert before["podium"] is None and before["winner"] is None
    # An award changes the figures, the gap and the leaders.
    give(app, session, clock, a2, "daily", "d3", correct=5)
    give(app, session, clock, b2, "daily", "d4", correct=1)
    after = screens.screen_payload(session, store, clock, row)
    sides = {side["name"]: side for side in after["sides"]}
    assert sides["一支部"]["total"] == 9 and sides["一支部"]["value"] == pytest.approx(2.25)
    assert sides["信息支部"]["value"] == pytest.approx(3.0)
    assert after["gap"]["value"] == pytest.approx(0.75)
    assert [p["name"] for p in sides["一支部"]["leaders"]] == [a2.display_name, a1.display_name]
    assert [p["points"] for p in sides["信息支部"]["leaders"]] == [5, 1]


def test_an_award_the_contest_counts_is_pushed_to_the_contest_screen_room(app, session, clock, duel, windows):
    a1 = duel["a_members"][0]
    _row, token = contest_screen(session, clock, duel)
    screen = socketio.test_client(app, namespace="/screen", auth={"token": token})
    assert screen.is_connected("/screen")
    [first] = updates(screen)  # the current state, sent on connect
    assert first["kind"] == "contest" and first["sides"][0]["total"] == 0
    give(app, session, clock, a1, "daily", "push-1", correct=3)
    [pushed] = updates(screen)
    assert pushed["sides"][0]["name"] == "一支部" and pushed["sides"][0]["total"] == 3
    assert pushed["sides"][0]["leaders"][0]["member_id"] == a1.id
    assert (screens.room_for("contest", duel["contest"].id)) == f"screen:contest:{duel['contest'].id}"
    # A source the contest does not count moves no contest screen.
    windows.close_all()  # the push window of the first award closes: a further push would go out at once
    give(app, session, clock, a1, "challenge", "not-counted", streak=5)
    assert updates(screen) == []
    screen.disconnect(namespace="/screen")


def test_a_frozen_contest_shows_the_podium_the_flag_and_the_checksum(app, session, clock, duel, windows):
    store = app.extensions["pkarena.store"]
    give(app, session, clock, duel["b_members"][0], "daily", "d1", correct=5)
    give(app, session, clock, duel["a_members"][0], "daily", "d2", correct=1)
    row, _token = contest_screen(session, clock, duel)
    clock.set(AFTER_DECEMBER)
    assert standings.freeze(session, clock, duel["contest"]) is True
    payload = screens.screen_payload(session, store, clock, row)
    contest = duel["contest"]
    session.refresh(contest)
    assert payload["contest"]["frozen"] is True and payload["contest"]["status"] == "frozen"
    assert [(step["place"], step["name"]) for step in payload["podium"]] == [(1, "信息支部"), (2, "一支部")]
    assert payload["podium"][0]["value"] == pytest.approx(2.5)
    assert payload["winner"] == {"org_id": duel["b"].id, "name": "信息支部"}
    assert payload["flag"] == {"org_id": duel["b"].id, "name": "信息支部"}
    assert payload["checksum"] == contest.checksum and payload["short"] == contest.checksum[:12]
    assert [p["points"] for p in next(s for s in payload["sides"] if s["name"] == "信息支部")["leaders"]] == [5]


def test_the_freeze_job_turns_an_open_contest_screen_to_the_podium(app, session, clock, duel, windows):
    from pkarena.jobs import freeze_contests

    give(app, session, clock, duel["a_members"][0], "daily", "d1", correct=2)
    _row, token = contest_screen(session, clock, duel)
    screen = socketio.test_client(app, namespace="/screen", auth={"token": token})
    assert updates(screen)[0]["podium"] is None
    clock.set(AFTER_DECEMBER)
    with app.app_context():
        assert freeze_contests(app) == [duel["contest"].id]
    [pushed] = updates(screen)
    assert pushed["contest"]["frozen"] is True and pushed["podium"][0]["name"] == "一支部"
    assert pushed["winner"]["name"] == "一支部"
    screen.disconnect(namespace="/screen")
