"""Bulk password hashing: real scrypt hashes, one per password, in the order given."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from pkarena.services.people import members


def test_each_password_gets_its_own_salted_scrypt_hash_in_order() -> None:
    passwords = ["first-secret", "second-secret", "first-secret"]
    hashes = members.hash_passwords(passwords)
    assert [h.split("$")[0].split(":")[0] for h in hashes] == ["scrypt"] * 3
    assert all(check_password_hash(h, p) for h, p in zip(hashes, passwords, strict=True))
    assert not check_password_hash(hashes[1], "first-secret")
    assert hashes[0] != hashes[2]  # same password, different salt
