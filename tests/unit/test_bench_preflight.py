"""The benches fail fast, saying what is missing, instead of hanging (bench/pk.py without aiohttp waited forever)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def without_aiohttp(tmp_path: Path) -> dict[str, str]:
    """An environment in which `import aiohttp` fails, as in a virtualenv installed without the bench extra."""
    (tmp_path / "aiohttp").mkdir()
    (tmp_path / "aiohttp" / "__init__.py").write_text("raise ImportError(\"No module named 'aiohttp'\")\n")
    path = os.pathsep.join([str(tmp_path), str(ROOT), os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path}


def test_the_pk_bench_without_aiohttp_exits_at_once_with_the_install_line(tmp_path) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "pk.py"), "--players", "4"], cwd=ROOT,
                          env=without_aiohttp(tmp_path), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "aiohttp" in done.stderr and "pip install -e '.[bench]'" in done.stderr


def test_a_player_failing_before_the_start_barrier_aborts_the_run_instead_of_hanging(tmp_path) -> None:
    probe = textwrap.dedent("""
        import asyncio, sys
        sys.path.insert(0, "bench")
        import pk
        asyncio.run(pk.load("http://127.0.0.1:9", [None] * 4, 1, "probe"))
    """)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=without_aiohttp(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "could not log in or connect" in done.stderr and "aiohttp" in done.stderr


def test_a_service_that_does_not_answer_stops_the_bench_with_its_address() -> None:
    probe = "import sys; sys.path.insert(0, 'bench'); import preflight; preflight.redis('redis://127.0.0.1:9/0')"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Redis does not answer at 127.0.0.1:9" in done.stderr and ".ci/services.sh" in done.stderr
