"""Password hashing leaves a gevent process's event loop free (checked in a monkey-patched subprocess)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pkarena.blocking import gevent_patched, off_loop

PROBE = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import sys
    import gevent
    from werkzeug.security import check_password_hash, generate_password_hash
    from pkarena.blocking import off_loop

    stored = generate_password_hash("correct horse")
    spins = 0

    def other_player():
        global spins
        while True:
            spins += 1
            gevent.sleep(0)

    runner = gevent.spawn(other_player)
    gevent.sleep(0)
    spins = 0
    ok = {mode}(check_password_hash, stored, "correct horse") if "{mode}" == "off_loop" else check_password_hash(stored, "correct horse")
    during = spins
    runner.kill()
    print(ok, during)
""")


def run_probe(mode: str) -> tuple[str, int]:
    done = subprocess.run([sys.executable, "-c", PROBE.replace("{mode}", mode)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    ok, during = done.stdout.split()
    return ok, int(during)


def test_outside_gevent_the_call_runs_in_place() -> None:
    assert not gevent_patched()
    assert off_loop(sorted, [3, 1, 2]) == [1, 2, 3]


def test_under_gevent_other_greenlets_run_while_a_password_is_checked() -> None:
    pytest.importorskip("gevent")
    ok, spins = run_probe("off_loop")
    assert ok == "True" and spins > 0
    ok, spins = run_probe("direct")
    assert ok == "True" and spins == 0  # the plain call holds the loop: nobody else ran
