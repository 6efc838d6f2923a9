"""A login burst: 50 members logging in at once with real scrypt hashes never hash more than the configured
number at once (each scrypt holds 32 MiB), and every login succeeds."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import update
from werkzeug.security import generate_password_hash

from pkarena import blocking
from pkarena.models import Member
from pkarena.services.people import members

BURST, BOUND = 50, 3


@pytest.mark.slow
def test_fifty_concurrent_logins_hash_at_most_the_configured_number_at_once(app, world, session,
                                                                           monkeypatch) -> None:
    blocking.limit_hashing(BOUND)  # as create_app does from PASSWORD_HASH_CONCURRENCY
    branch = world.org("支部", world.org("公司"))
    people = [world.member(branch, f"burst{i:02d}") for i in range(BURST)]
    # One real scrypt hash for all (the autouse fixture makes creation cheap): every login verifies scrypt.
    session.execute(update(Member).values(password_hash=generate_password_hash(world.PASSWORD)))
    session.commit()
    real_check, lock, in_flight = members.check_password_hash, threading.Lock(), [0, 0]

    def counted(stored: str, password: str) -> bool:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight[1], in_flight[0])
        try:
            assert stored.startswith("scrypt:")
            return real_check(stored, password)
        finally:
            with lock:
                in_flight[0] -= 1

    monkeypatch.setattr(members, "check_password_hash", counted)
    start = threading.Barrier(BURST)

    def log_in(member) -> int:
        client = app.test_client()
        start.wait()
        reply = client.post("/api/v1/auth/login", json={"username": member.username, "password": world.PASSWORD})
        return reply.status_code

    try:
        with ThreadPoolExecutor(max_workers=BURST) as phones:
            statuses = list(phones.map(log_in, people))
    finally:
        blocking.limit_hashing(app.extensions["pkarena.config"].PASSWORD_HASH_CONCURRENCY)
    assert statuses == [200] * BURST
    assert 1 <= in_flight[1] <= BOUND
