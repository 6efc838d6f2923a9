"""Fixtures shared by the integration tests: fast password hashes, the ledger's helpers, the /play world."""

from __future__ import annotations

import pytest
from factories import World
from play_helpers import SECRET
from werkzeug.security import generate_password_hash

from pkarena.realtime import driver
from pkarena.services import ledger
from pkarena.services.people import members


# --- accounts ---------------------------------------------------------------------------------------
def cheap_hash(password: str) -> str:
    """A fast, still verifiable hash: these tests create many accounts and never attack them."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch) -> None:
    """Replace the deliberately slow scrypt hashing for the duration of one test (tests/unit checks scrypt)."""
    monkeypatch.setattr(members, "hash_password", cheap_hash)
    monkeypatch.setattr(members, "hash_passwords", lambda passwords: [cheap_hash(p) for p in passwords])


# --- the ledger -------------------------------------------------------------------------------------
@pytest.fixture
def store(app):
    """The app's store (memory or Redis)."""
    return app.extensions["pkarena.store"]


@pytest.fixture
def updater(app):
    """The app's BoardUpdater, passed as `on_commit` like the services do."""
    return app.extensions["pkarena.boards"]


@pytest.fixture
def give(session, clock, updater):
    """Award through the real path with the app's board updater."""

    def do(member, source: str, ref: str, **outcome) -> ledger.AwardResult:
        return ledger.award(session, clock, member_id=member.id, source=source, source_ref=ref, outcome=outcome,
                            on_commit=updater)

    return do


# --- /play ------------------------------------------------------------------------------------------
@pytest.fixture
def bank(world) -> list[int]:
    """Eight active questions of three types; every explanation carries a marker the leak check looks for."""
    kinds = [World.SINGLE_B, ("judge", [], True), ("multiple", ["甲", "乙", "丙"], ["A", "C"])]
    return world.questions(8, kinds=kinds, explanation=SECRET)


@pytest.fixture
def people(world):
    """Four members of one company."""
    branch = world.org("第一支部", world.org("测试公司"))
    return [world.member(branch, f"s{i}") for i in range(1, 5)]


@pytest.fixture
def driven(monkeypatch) -> list[str]:
    """Match ids whose deadline driver would start; the tests tick by hand with the frozen clock."""
    started: list[str] = []
    monkeypatch.setattr(driver, "start_driver", started.append)
    return started
