"""The repository's setup stays consistent: README commands, .ci/run, the npm pins, the screenshots."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from support.services import missing

ROOT = Path(__file__).resolve().parents[2]


def readme_commands() -> list[str]:
    """The code blocks of README.md before its first section heading."""
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", head, flags=re.S)]


def test_readme_opens_with_the_demo_and_the_test_command():
    demo, tests = readme_commands()
    assert demo.endswith("pkarena demo") and "npm ci" in demo
    assert "pytest" in tests and ".ci/services.sh" in tests


def test_ci_runs_the_readmes_test_command():
    lines = [line for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines() if line.strip()]
    assert lines[0] == "#!/usr/bin/env bash"
    assert "set -euo pipefail" in lines
    assert lines[-1] == readme_commands()[1]


def test_browser_libraries_are_pinned_and_locked():
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    pins = package["dependencies"]
    assert re.fullmatch(r"4\.8\.\d+", pins["socket.io-client"])
    assert re.fullmatch(r"6\.\d+\.\d+", pins["echarts"])
    for name, version in pins.items():
        assert lock["packages"][f"node_modules/{name}"]["version"] == version
    assert "static/vendor" in package["scripts"]["postinstall"]


def test_vendor_files_are_installed_but_not_committed():
    # No trailing slash: the pattern must ignore a symlink named static/vendor too, not only a directory.
    assert "static/vendor" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
    tracked = subprocess.run(["git", "ls-files", "static/vendor"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.returncode != 0 or tracked.stdout == ""
    files = [ROOT / "static" / "vendor" / name for name in ("socket.io.min.js", "echarts.min.js")]
    if not all(path.exists() for path in files):
        missing("static/vendor/", "empty: run `npm ci`")
    assert all(path.stat().st_size > 10_000 for path in files)


def test_readme_screenshots_exist():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in re.findall(r"\((docs/screenshots/[\w.-]+\.png)\)", readme):
        assert (ROOT / name).is_file(), name
