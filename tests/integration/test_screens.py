"""Office screens: tokens, organizer pages, the kiosk page, the payload and `/screen` pushes (both backends)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from pkarena.extensions import socketio
from pkarena.models import AuditLog, ScreenToken
from pkarena.services import ledger
from pkarena.services.boards import screens
from pkarena.services.people import orgs


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
    """Make the push throttle deterministic: no timer threads, windows closed by the test."""
    timers = Windows()
    throttle = app.extensions["pkarena.screen_push"]
    throttle.spawn, throttle.sleep = timers.spawn, lambda _seconds: None
    return timers


@pytest.fixture
def paired(world, session, clock):
    """Two companies with branches, people, an organizer of company A, a pairing A1 × B1, a joint group,
    all in place since October (so October can be frozen)."""
    now = clock.now()
    clock.set(datetime(2026, 10, 1, 1, 0, tzinfo=UTC))
    company_a, company_b = world.org("甲公司"), world.org("乙公司")
    a1, a2 = world.org("甲一支部", company_a), world.org("甲二支部", company_a)
    b1 = world.org("乙一支部", company_b)
    people = {
        "a1x": world.member(a1, "a1x"), "a1y": world.member(a1, "a1y"), "a2x": world.member(a2, "a2x"),
        "b1x": world.member(b1, "b1x"), "b1y": world.member(b1, "b1y"),
    }
    host = world.member(a1, "host-a", role="organizer", scope=company_a)
    host_b = world.member(b1, "host-b", role="organizer", scope=company_b)
    pairing = orgs.create_pairing(session, clock, "甲乙结对", a1, b1, date(2026, 9, 1), actor_id=host.id)
    group = orgs.create_joint_group(session, clock, "甲乙联合党委", [company_a, company_b], actor_id=host.id)
    session.commit()
    clock.set(now)
    return {"company_a": company_a, "company_b": company_b, "a1": a1, "a2": a2, "b1": b1, "people": people,
            "host": host, "host_b": host_b, "pairing": pairing, "group": group}


def award(app, session, clock, host, members, points: int, ref: str) -> None:
    """A 积分制 award through the real award path, boards and screen pushes included."""
    ledger.manual_award(session, clock, actor_id=host.id, member_ids=[m.id for m in members], points=points,
                        category="思想学习", reason="集中学习", request_id=ref,
                        on_commit=app.extensions["pkarena.boards"])


def new_screen(session, clock, host, kind: str, scope_id: int, label: str = "大厅电视") -> tuple[ScreenToken, str]:
    return screens.create(session, clock, scope_kind=kind, scope_id=scope_id, label=label, actor_id=host.id)


def updates(client) -> list[dict]:
    return [m["args"][0] for m in client.get_received("/screen") if m["name"] == "board.update"]


# --- tokens ------------------------------------------------------------------------------------------
def test_a_screen_token_is_stored_only_as_its_sha256_and_resolves_until_revoked(session, clock, paired):
    row, token = new_screen(session, clock, paired["host"], "org", paired["a1"].id)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.token_hash, row.label}
    assert screens.resolve(session, token).id == row.id
    assert screens.resolve(session, token + "x") is None
    screens.revoke(session, clock, row, actor_id=paired["host"].id)
    assert screens.resolve(session, token) is None
    assert screens.find(session, token).id == row.id
    actions = session.execute(select(AuditLog.action).where(AuditLog.target_kind == "screen")).scalars().all()
    assert sorted(actions) == ["screen.create", "screen.revoke"]


def test_organizer_creates_a_screen_and_sees_its_url_and_qr_only_once(client, login, session, paired):
    login(paired["host"])
    response = client.post("/admin/screens", data={"label": "一楼大厅", "scope": f"pairing:{paired['pairing'].id}"})
    assert response.status_code == 201
    html = response.get_data(as_text=True)
    token = re.search(r"/screen/([A-Za-z0-9_\-]+)", html).group(1)
    assert "<svg" in html and response.headers["Cache-Control"] == "no-store"
    listing = client.get("/admin/screens").get_data(as_text=True)
    assert "一楼大厅" in listing and token not in listing
    page = client.get(f"/screen/{token}")
    assert page.status_code == 200
    assert f'data-token="{token}"' in page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"


def test_organizer_cannot_put_another_companys_org_on_a_screen(client, login, session, clock, paired):
    login(paired["host"])
    client.post("/admin/screens", data={"label": "越权", "scope": f"org:{paired['company_b'].id}"})
    assert session.execute(select(ScreenToken)).scalars().all() == []
    other, _token = new_screen(session, clock, paired["host_b"], "org", paired["b1"].id)
    assert client.post(f"/admin/screens/{other.id}/revoke").status_code == 403
    assert client.get("/admin/screens").get_data(as_text=True).count("data-screen-id") == 0


def test_unknown_token_is_404_and_revoked_token_is_410_and_its_socket_is_refused(app, client, login, session,
                                                                                 clock, paired):
    row, token = new_screen(session, clock, paired["host"], "org", paired["a1"].id)
    assert client.get("/screen/not-a-real-token").status_code == 404
    screen = socketio.test_client(app, namespace="/screen", auth={"token": token})
    assert screen.is_connected("/screen")
    screen.get_received("/screen")
    login(paired["host"])
    assert client.post(f"/admin/screens/{row.id}/revoke").status_code == 302
    assert [m["name"] for m in screen.get_received("/screen")] == ["screen.revoked"]
    page = client.get(f"/screen/{token}")
    assert page.status_code == 410 and "大屏链接已收回" in page.get_data(as_text=True)
    again = socketio.test_client(app, namespace="/screen", auth={"token": token})
    assert not again.is_connected("/screen")
    screen.disconnect(namespace="/screen")


def test_a_screen_without_a_token_cannot_connect(app):
    assert not socketio.test_client(app, namespace="/screen", auth={}).is_connected("/screen")
    assert not socketio.test_client(app, namespace="/screen", auth={"token": "x" * 200}).is_connected("/screen")


# --- payload -----------------------------------------------------------------------------------------
def test_org_screen_payload_ranks_members_and_races_the_orgs_children(app, session, clock, paired, windows):
    p = paired["people"]
    award(app, session, clock, paired["host"], [p["a1x"], p["a2x"]], 3, "r1")
    award(app, session, clock, paired["host"], [p["a1y"]], 5, "r2")
    award(app, session, clock, paired["host_b"], [p["b1x"]], 9, "r3")  # another company: not on this screen
    row, _token = new_screen(session, clock, paired["host"], "org", paired["company_a"].id)
    with app.app_context():
        payload = screens.screen_payload(session, app.extensions["pkarena.store"], clock, row)
    assert payload["scope"] == {"kind": "org", "id": paired["company_a"].id, "name": "甲公司"}
    assert payload["label"] == "大厅电视" and payload["month"] == "2026-11"
    assert [(m["rank"], m["name"], m["points"]) for m in payload["members"]] == [
        (1, p["a1y"].display_name, 5), (2, p["a1x"].display_name, 3), (2, p["a2x"].display_name, 3)]
    race = {r["name"]: r for r in payload["orgs"]}
    assert set(race) == {"甲一支部", "甲二支部"}
    # 甲一支部: a1x, a1y and the organizer = 3 members, 8 points, 2 of 3 took part.
    assert (race["甲一支部"]["total"], race["甲一支部"]["members"], race["甲一支部"]["participants"]) == (8, 3, 2)
    assert race["甲一支部"]["per_member"] == pytest.approx(8 / 3, abs=0.01)
    assert race["甲二支部"]["participation"] == 1.0
    assert payload["tug"] is None


def test_pairing_screen_payload_pits_the_two_sides_against_each_other(app, session, clock, paired, windows):
    p = paired["people"]
    award(app, session, clock, paired["host"], [p["a1x"]], 4, "r1")
    award(app, session, clock, paired["host"], [p["a2x"]], 7, "r2")  # company A, but not the paired branch
    award(app, session, clock, paired["host_b"], [p["b1x"], p["b1y"]], 2, "r3")
    row, _token = new_screen(session, clock, paired["host"], "pairing", paired["pairing"].id)
    payload = screens.screen_payload(session, app.extensions["pkarena.store"], clock, row)
    tug = payload["tug"]
    assert (tug["a"]["name"], tug["a"]["total"], tug["a"]["members"]) == ("甲一支部", 4, 3)
    assert (tug["b"]["name"], tug["b"]["total"], tug["b"]["members"]) == ("乙一支部", 4, 3)
    assert tug["a"]["participation"] == pytest.approx(1 / 3, abs=1e-3)
    assert tug["b"]["participation"] == pytest.approx(2 / 3, abs=1e-3)
    assert sorted(m["name"] for m in payload["members"]) == sorted(
        [p["a1x"].display_name, p["b1x"].display_name, p["b1y"].display_name])


def test_screens_show_the_last_frozen_month_with_its_shortened_checksum(app, session, clock, paired, windows):
    from pkarena.services.monthly import freeze, snapshots

    p = paired["people"]
    row, _token = new_screen(session, clock, paired["host"], "pairing", paired["pairing"].id)
    store = app.extensions["pkarena.store"]
    assert screens.screen_payload(session, store, clock, row)["frozen"] is None  # nothing frozen yet
    now = clock.now()
    clock.set(datetime(2026, 10, 20, 4, 0, tzinfo=UTC))
    award(app, session, clock, paired["host"], [p["a1x"], p["a1y"]], 3, "oct-a")
    award(app, session, clock, paired["host_b"], [p["b1x"]], 2, "oct-b")
    clock.set(now)
    freeze.freeze_month(session, clock, "2026-10")
    frozen = screens.screen_payload(session, store, clock, row)["frozen"]
    stored = snapshots.get(session, "2026-10", "pairing", paired["pairing"].id)
    assert (frozen["month"], frozen["subject"], frozen["checksum"]) == ("2026-10", "org", stored.checksum)
    assert frozen["short"] == snapshots.short_checksum(stored.checksum) and len(frozen["short"]) < 64
    assert [(r["rank"], r["name"], r["points"]) for r in frozen["rows"]] == [(1, "甲一支部", 6), (2, "乙一支部", 2)]


# --- pushes ------------------------------------------------------------------------------------------
def test_an_award_pushes_board_update_to_the_screens_it_affects_only(app, session, clock, paired, windows):
    p = paired["people"]
    _a, token_a = new_screen(session, clock, paired["host"], "org", paired["a1"].id)
    _p, token_p = new_screen(session, clock, paired["host"], "pairing", paired["pairing"].id)
    _b, token_b = new_screen(session, clock, paired["host_b"], "org", paired["company_b"].id)
    clients = {name: socketio.test_client(app, namespace="/screen", auth={"token": token})
               for name, token in (("a1", token_a), ("pairing", token_p), ("company_b", token_b))}
    for client in clients.values():
        assert len(updates(client)) == 1  # the current state, sent on connect
    award(app, session, clock, paired["host"], [p["a1x"]], 3, "push-1")
    got = {name: updates(client) for name, client in clients.items()}
    assert got["company_b"] == []
    assert [u["members"][0]["points"] for u in got["a1"]] == [3]
    assert [u["tug"]["a"]["total"] for u in got["pairing"]] == [3]
    assert got["a1"][0]["scope"] == {"kind": "org", "id": paired["a1"].id, "name": "甲一支部"}
    for client in clients.values():
        client.disconnect(namespace="/screen")


def test_a_burst_of_awards_is_coalesced_into_one_trailing_push_per_room(app, session, clock, paired, windows):
    p = paired["people"]
    _row, token = new_screen(session, clock, paired["host"], "org", paired["a1"].id)
    screen = socketio.test_client(app, namespace="/screen", auth={"token": token})
    screen.get_received("/screen")
    for number in range(5):
        award(app, session, clock, paired["host"], [p["a1x"]], 1, f"burst-{number}")
    assert [u["members"][0]["points"] for u in updates(screen)] == [1]  # leading push, the rest wait
    windows.close_all()
    assert [u["members"][0]["points"] for u in updates(screen)] == [5]  # one trailing push with the final state
    windows.close_all()
    assert updates(screen) == []  # a quiet window pushes nothing
    award(app, session, clock, paired["host"], [p["a1y"]], 2, "after")
    assert [len(u["members"]) for u in updates(screen)] == [2]  # the next award is pushed at once again
    screen.disconnect(namespace="/screen")


def test_the_screens_an_org_affects_are_looked_up_once_per_moment_and_again_after_a_screen_connects() -> None:
    from pkarena.realtime.screen import AffectedScopes

    now, calls = [100.0], []

    def lookup() -> list[tuple[str, int]]:
        calls.append(now[0])
        return [("org", 7)]

    remembered = AffectedScopes(ttl=2.0, now=lambda: now[0])
    assert [remembered.get(7, lookup) for _ in range(4)] == [[("org", 7)]] * 4  # a match's four awards
    assert calls == [100.0]
    now[0] = 102.5
    remembered.get(7, lookup)
    remembered.get(8, lookup)  # another org has its own entry
    assert calls == [100.0, 102.5, 102.5]
    remembered.clear()  # a screen connected
    remembered.get(7, lookup)
    assert len(calls) == 4
