"""好友对战 (1v1 by invitation): the pages, `duel.accept` over /play, and a whole match with ledger awards."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from factories import World
from play_helpers import Table, assert_no_leak, connect, play_out, right
from sqlalchemy import select

from pkarena.models import LedgerEntry
from pkarena.runtime import store as runtime_store
from pkarena.store import keys


def create_invite(client, login, host) -> str:
    """The host taps 好友对战 in the lobby; returns the invitation code from the redirect."""
    login(host)
    response = client.post("/play/duel/new")
    assert response.status_code == 302
    location = urlparse(response.headers["Location"])
    assert location.path == "/play/match"
    query = parse_qs(location.query)
    assert query["mode"] == ["duel"]
    return query["code"][0]


def test_the_host_sees_an_absolute_link_and_a_qr_code_while_waiting(client, login, people) -> None:
    code = create_invite(client, login, people[0])
    page = client.get(f"/play/match?mode=duel&code={code}").get_data(as_text=True)
    assert f"http://localhost/play/duel/{code}" in page
    assert "<svg" in page and 'data-duel="host"' in page
    assert "等待同事接受挑战" in page
    # The host opening their own link goes back to the waiting screen.
    assert client.get(f"/play/duel/{code}").headers["Location"].endswith(f"/play/match?mode=duel&code={code}")


def test_the_invited_colleague_sees_who_invites_and_an_accept_button(app, client, login, people) -> None:
    code = create_invite(client, login, people[0])
    other = app.test_client()
    assert other.post("/api/v1/auth/login", json={"username": people[1].username,
                                                  "password": World.PASSWORD}).status_code == 200
    page = other.get(f"/play/duel/{code}").get_data(as_text=True)
    assert people[0].display_name in page and "接受挑战" in page
    assert f"/play/match?mode=duel&amp;code={code}" in page
    game = other.get(f"/play/match?mode=duel&code={code}").get_data(as_text=True)
    assert 'data-duel="guest"' in game and "<svg" not in game
    assert other.get("/play/duel/nonexistent").status_code == 404


def test_duel_pages_send_a_logged_out_visitor_to_login_and_back(client) -> None:
    response = client.get("/play/duel/abc123")
    assert response.status_code == 302
    assert re.match(r"^/login\?next=.*play.*duel.*abc123", response.headers["Location"])
    created = client.post("/play/duel/new")
    assert created.status_code == 302 and created.headers["Location"].startswith("/login?next=")


def test_an_accepted_invitation_starts_a_1v1_for_both_and_awards_through_the_ledger(
        app, client, login, session, clock, bank, people, driven) -> None:
    host, guest = people[:2]
    code = create_invite(client, login, host)
    table = Table({host.id: connect(app, host), guest.id: connect(app, guest)})
    accepted = table.emit(guest.id, "duel.accept", {"code": code})
    assert accepted["ok"] and accepted["status"] == "matched" and accepted["mode"] == "pk1v1"
    assert driven == [accepted["match_id"]]
    for member in (host.id, guest.id):
        start = table.last(member, "match.start")
        assert start["players"] == [str(host.id), str(guest.id)] and start["bots"] == []
        assert start["names"][str(host.id)] == host.display_name
        assert table.last(member, "question")["match_id"] == accepted["match_id"]
    end = play_out(app, clock, table, lambda m, q: right(q) if m == host.id else "Z")
    assert end["awards"][str(host.id)]["points"] == 2 and end["awards"][str(guest.id)]["points"] == 1
    for member, points in ((host.id, [2]), (guest.id, [1])):
        assert session.scalars(select(LedgerEntry.points).where(LedgerEntry.member_id == member)).all() == points
        assert_no_leak(table.log[member])
    # Same rules as matchmaking: only the first counted 1v1 of the day earns points.
    table.pull()
    table.log = {member: [] for member in table.socks}  # play_out reads the latest match.end
    code = create_invite(client, login, host)
    again = table.emit(guest.id, "duel.accept", {"code": code})
    assert again["ok"]
    second = play_out(app, clock, table, lambda m, q: right(q))
    assert {a["points"] for a in second["awards"].values()} == {0}
    assert second["awards"][str(host.id)]["message"]


def test_accepting_my_own_invitation_is_refused(app, client, login, people) -> None:
    code = create_invite(client, login, people[0])
    table = Table({people[0].id: connect(app, people[0])})
    ack = table.emit(people[0].id, "duel.accept", {"code": code})
    assert ack == {"ok": False, "error": {"code": "SELF_INVITE", "message": "不能接受自己发出的邀请"}}


def test_an_expired_or_unknown_invitation_is_refused(app, client, login, people) -> None:
    code = create_invite(client, login, people[0])
    with app.app_context():
        runtime_store().delete(keys.duel_invite_key(code))  # what the store's TTL does after ten minutes
    table = Table({people[1].id: connect(app, people[1])})
    for attempt in (code, "no-such-code"):
        ack = table.emit(people[1].id, "duel.accept", {"code": attempt})
        assert ack["error"] == {"code": "INVITE_UNKNOWN", "message": "邀请已失效或不存在"}
    assert table.emit(people[1].id, "duel.accept", {})["error"]["code"] == "INVALID_PAYLOAD"


def test_a_second_accept_of_the_same_invitation_is_refused(app, client, login, bank, people, driven) -> None:
    code = create_invite(client, login, people[0])
    table = Table({p.id: connect(app, p) for p in people[:3]})
    assert table.emit(people[1].id, "duel.accept", {"code": code})["ok"]
    for late in (people[2].id, people[1].id):
        ack = table.emit(late, "duel.accept", {"code": code})
        assert ack["error"] == {"code": "INVITE_TAKEN", "message": "邀请已被其他同事接受"}
    assert table.last(people[2].id, "match.start") is None


def test_an_invitation_is_refused_while_either_player_is_in_a_match(app, client, login, bank, people,
                                                                    driven) -> None:
    host, guest, third, fourth = people
    code = create_invite(client, login, host)
    table = Table({p.id: connect(app, p) for p in people})
    assert table.emit(third.id, "queue.join", {"mode": "pk1v1"})["ok"]
    assert table.emit(guest.id, "queue.join", {"mode": "pk1v1"})["status"] == "matched"
    busy = table.emit(guest.id, "duel.accept", {"code": code})
    assert busy["error"]["code"] == "IN_MATCH" and "对局中" in busy["error"]["message"]
    # The invitation survives the refusal: a free colleague can still take it.
    assert table.emit(fourth.id, "duel.accept", {"code": code})["ok"]
    other = create_invite(client, login, third)  # the host is playing now
    assert table.emit(guest.id, "duel.accept", {"code": other})["error"]["code"] == "IN_MATCH"
