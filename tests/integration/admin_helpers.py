"""Helpers shared by the organizer-page tests (admin, invites, member import)."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from pkarena.services import members


def cheap_hash(password: str) -> str:
    """A fast, still verifiable hash: these tests create many accounts and never attack them."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def fast_password_hashes(monkeypatch) -> None:
    """Replace the deliberately slow scrypt hashing for the duration of one test."""
    monkeypatch.setattr(members, "hash_password", cheap_hash)
    monkeypatch.setattr(members, "hash_passwords", lambda passwords: [cheap_hash(p) for p in passwords])
