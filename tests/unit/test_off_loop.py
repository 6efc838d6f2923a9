"""Password hashing leaves a gevent process's event loop free (checked in a monkey-patched subprocess)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap

from support.services import missing

from pkarena.blocking import gevent_patched, off_loop, off_loop_map

PROBE = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import sys
    import gevent
    from werkzeug.security import check_password_hash, generate_password_hash
    from pkarena.blocking import off_loop, off_loop_map

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
    mapped = off_loop_map(str.upper, ["a", "b", "c"])
    print(ok, during, "".join(mapped))
""")


def run_probe(mode: str) -> tuple[str, int, str]:
    done = subprocess.run([sys.executable, "-c", PROBE.replace("{mode}", mode)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    ok, during, mapped = done.stdout.split()
    return ok, int(during), mapped


def test_outside_gevent_the_call_runs_in_place() -> None:
    assert not gevent_patched()
    assert off_loop(sorted, [3, 1, 2]) == [1, 2, 3]


def test_a_map_off_the_loop_keeps_the_order_of_its_items() -> None:
    assert off_loop_map(str.upper, ["a", "b", "c", "d", "e"]) == ["A", "B", "C", "D", "E"]
    assert off_loop_map(str.upper, []) == []


def test_under_gevent_other_greenlets_run_while_a_password_is_checked() -> None:
    if importlib.util.find_spec("gevent") is None:
        missing("gevent", "not installed: pip install -e '.[test,prod]'")
    ok, spins, mapped = run_probe("off_loop")
    assert ok == "True" and spins > 0 and mapped == "ABC"  # the map on native threads keeps the order too
    ok, spins, _mapped = run_probe("direct")
    assert ok == "True" and spins == 0  # the plain call holds the loop: nobody else ran
