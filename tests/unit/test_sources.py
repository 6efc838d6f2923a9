"""The ledger-source registry (engine/sources.py): every source used anywhere is one complete entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pkarena.engine import rules, sources
from pkarena.engine.modes import MODE_CLASSES, MODES
from pkarena.engine.rules import RULE_HISTORY, Decision, decide

ROOT = Path(__file__).resolve().parents[2]
CODE = [*ROOT.glob("pkarena/**/*.py"), *ROOT.glob("templates/**/*.html"), *ROOT.glob("static/js/*.js"),
        ROOT / "bench" / "ledger.py"]

# Places that name a source (or a played mode) in code; "duel" is the 好友对战 page of pk1v1, not a source.
SPELLINGS = [
    re.compile(r"""\bsource\s*(?:=|==|!=)\s*["'](\w+)["']"""),
    re.compile(r"""\bmode\s*(?:==|!=|===)\s*["'](\w+)["']"""),
    re.compile(r"""\bmode=["'](\w+)["']"""),
    re.compile(r"""\bCORRECTIONS\s*=\s*["'](\w+)["']"""),
    re.compile(r"""name: ClassVar\[str\] = ["'](\w+)["']"""),
    re.compile(r"""progress\[["'](\w+)["']\]"""),
    re.compile(r"""plays\.append\(\(["'](\w+)["']"""),
    re.compile(r"""\.start\([^()]*?["'](\w+)["'],\s*\["""),
    re.compile(r"""["'](\w+)["']:\s*ModeRule\("""),
    re.compile(r"""\bSource\(["'](\w+)["']"""),
    re.compile(r"""\.get\(["']mode["'],\s*["'](\w+)["']\)"""),
]
NOT_SOURCES = {"duel"}

# Files that may spell many sources: the registry, the rule table, the engine classes, the lobby's cards
# and the demo's simulated history (which plays the existing modes; a new source need not appear there).
TABLES = {"pkarena/engine/sources.py", "pkarena/engine/rules.py", "pkarena/engine/modes.py",
          "templates/play/lobby.html", "pkarena/services/demo/history.py"}


def spelled_sources() -> dict[str, set[str]]:
    """Every source name spelled in the code, by file (relative path)."""
    found: dict[str, set[str]] = {}
    for path in CODE:
        text = path.read_text(encoding="utf-8")
        names = {m for pattern in SPELLINGS for m in pattern.findall(text)} - NOT_SOURCES
        if names:
            found[str(path.relative_to(ROOT))] = names
    return found


def test_every_source_spelled_in_the_code_has_an_entry():
    found = spelled_sources()
    assert {"daily", "challenge", "pk1v1", "pk4", "live", "manual", "adjustment"} <= set().union(*found.values())
    unknown = {path: names - set(sources.SOURCES) for path, names in found.items() if names - set(sources.SOURCES)}
    assert not unknown, f"sources without a registry entry: {unknown}"


def test_no_module_outside_the_registry_keeps_a_table_of_sources():
    """A file naming three or more sources is a parallel table a new source would have to join."""
    tables = {path: names for path, names in spelled_sources().items() if len(names) >= 3 and path not in TABLES}
    assert not tables, f"look the registry up instead: {tables}"


def test_the_doc_lists_the_files_a_new_source_touches_and_they_exist():
    doc = (ROOT / "docs" / "adding-a-source.md").read_text(encoding="utf-8")
    for path in ("pkarena/engine/sources.py", "pkarena/engine/modes.py", "pkarena/engine/rules.py",
                 "templates/play/lobby.html"):
        assert f"`{path}`" in doc and (ROOT / path).exists(), path


@pytest.mark.parametrize("key", sorted(sources.SOURCES))
def test_every_entry_has_a_label_a_kind_and_a_formula(key):
    entry = sources.SOURCES[key]
    assert entry.key == key and entry.label and entry.label != key
    assert entry.kind in sources.KINDS and callable(entry.points)
    assert sources.label(key) == entry.label


@pytest.mark.parametrize("key", sorted(sources.SOURCES))
def test_every_reason_a_source_can_get_is_worded(key):
    entry = sources.SOURCES[key]
    possible = {sources.REASON_BOT}  # any outcome may come from a bot seat
    for ruleset in RULE_HISTORY:
        rule = ruleset.rule(key)
        if rule.daily_cap is not None:
            possible.add(sources.REASON_DAILY_CAP)
        if rule.counted_matches_per_day is not None:
            possible.add(sources.REASON_MATCH_LIMIT)
    if entry.played:
        possible.add(sources.REASON_FORFEITED)
    for reason in possible:
        text = entry.reason_text(reason)
        assert text and text != reason, (key, reason)
    assert entry.reason_text(sources.REASON_OK) == "" and sources.reason_text(key, None) == ""


def test_the_wording_is_the_one_players_and_pages_see():
    assert sources.reason_text("daily", "daily_cap") == "今日每日答题积分已达上限"
    assert sources.reason_text("pk1v1", "match_limit") == "今日计分的对战场次已满，本场不计分"
    assert sources.reason_text("pk4", "daily_cap") == "今日对战积分已达上限"
    assert sources.reason_text("challenge", "forfeited") == "中途退出，本场不计分"
    assert sources.label("manual") == "积分制" and sources.label("adjustment") == "积分更正"
    assert sources.label("retired") == "retired" and sources.reason_text("retired", "bot") == "机器人不计积分"


def test_played_sources_are_exactly_the_engine_classes_and_the_kinds_say_how_they_start():
    assert set(MODE_CLASSES) == set(MODES) == set(sources.of_kind("solo", "queue"))
    for key in sources.of_kind("solo"):
        assert MODE_CLASSES[key].seats == 1, key
    for key in sources.of_kind("queue"):
        assert MODE_CLASSES[key].seats > 1, key
    assert sources.of_kind("solo") == ("daily", "challenge") and sources.of_kind("queue") == ("pk1v1", "pk4")
    assert sources.of_kind("hosted") == ("live",) and sources.of_kind("manual") == ("manual", "adjustment")


def test_every_rule_version_has_a_rule_for_every_source_and_no_other():
    for ruleset in RULE_HISTORY:
        assert set(ruleset.modes) == set(sources.SOURCES) == set(rules.SOURCES), ruleset.version
        for key, rule in ruleset.modes.items():
            assert rule.source == key


def test_the_rules_use_the_entry_formula():
    rule = rules.DEFAULT_RULES.rule("live")
    assert decide(rule, {"correct": 3, "org_won": True}, ordinal=1, earned_today=0) == Decision(5, 5)
    assert sources.SOURCES["live"].points(rule.params, {"correct": 3, "org_won": True}, 1) == 5
    with pytest.raises(ValueError, match="no ledger source"):
        sources.source("nope")


def test_pages_show_the_registry_labels_and_reasons_translated_in_english():
    from flask import Flask
    from flask_babel import Babel, force_locale

    from pkarena.web.labels import PLAY_LABELS, SOURCE_LABELS, reason_label

    app = Flask(__name__)
    Babel(app, default_locale="zh_CN", default_translation_directories=str(ROOT / "pkarena" / "translations"))
    with app.test_request_context():
        assert str(SOURCE_LABELS["adjustment"]) == "积分更正" and reason_label("pk4", "bot") == "机器人不计积分"
        with force_locale("en"):
            assert str(SOURCE_LABELS["manual"]) == "Manual points" and str(PLAY_LABELS["daily"]) == "Daily quiz"
            assert reason_label("daily", "daily_cap") == "Today's daily quiz points limit has been reached"
            assert reason_label("pk1v1", "") == "" and reason_label("pk1v1", "unknown_code") == ""
    assert list(PLAY_LABELS) == ["daily", "challenge", "pk1v1", "pk4"]
