"""The one points-rule table, versioned: every number of DESIGN §5 lives here."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pkarena.engine import sources as registry

# Reasons an award can carry (kept here for callers of the rules); engine/sources.py words them.
REASON_OK = registry.REASON_OK
REASON_DAILY_CAP = registry.REASON_DAILY_CAP
REASON_MATCH_LIMIT = registry.REASON_MATCH_LIMIT
REASON_BOT = registry.REASON_BOT

SOURCES = tuple(registry.SOURCES)
MANUAL_CATEGORIES = ("思想学习", "履职尽责", "攻坚克难")


@dataclass(frozen=True)
class ModeRule:
    """Points rule of one source: how an outcome turns into points, and the daily limits."""

    source: str
    daily_cap: int | None = None
    # Only the first N matches of a day earn points (None: every one counts).
    counted_matches_per_day: int | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """What the rules grant for one outcome: points, the uncapped request and why they differ."""

    points: int
    requested: int
    reason: str = REASON_OK


@dataclass(frozen=True)
class RuleSet:
    """A version of the rules, in force from `effective_from` (a local date)."""

    version: str
    effective_from: date
    modes: Mapping[str, ModeRule]

    def rule(self, source: str) -> ModeRule:
        """The rule of `source`; unknown sources are a programming error."""
        try:
            return self.modes[source]
        except KeyError as exc:
            raise ValueError(f"no points rule for source {source!r}") from exc


def _requested_points(rule: ModeRule, outcome: Mapping[str, Any], ordinal: int) -> int:
    """Points an outcome asks for before caps (the source's formula); `ordinal` is 1 for today's first match."""
    return registry.source(rule.source).points(rule.params, outcome, ordinal)


def decide(rule: ModeRule, outcome: Mapping[str, Any], *, ordinal: int, earned_today: int) -> Decision:
    """Apply a rule to an outcome given today's match ordinal and points already earned today."""
    if outcome.get("bot"):
        return Decision(0, 0, REASON_BOT)
    requested = _requested_points(rule, outcome, ordinal)
    if rule.counted_matches_per_day is not None and ordinal > rule.counted_matches_per_day:
        return Decision(0, requested, REASON_MATCH_LIMIT)
    if rule.daily_cap is not None and requested > 0:
        room = max(rule.daily_cap - earned_today, 0)
        if requested > room:
            return Decision(room, requested, REASON_DAILY_CAP)
    return Decision(requested, requested)


def _best_outcome(rule: ModeRule) -> dict[str, Any]:
    """The best a player can do in one run or match of `rule`'s source (what its formula pays most for)."""
    p = rule.params
    return {"correct": int(p.get("questions", 0)), "streak": max(p.get("streak_points") or {0: 0}),
            "won": True, "place": 1, "org_won": True}


def points_left_today(rule: ModeRule, earned_today: int, played_today: int, *,
                      once_a_day: bool = False) -> int | None:
    """The most points `rule`'s source can still add today (None: no daily bound: live rounds, 积分制).

    `earned_today` and `played_today` are the member's points and entries of the source today; only the
    first `counted_matches_per_day` (1 for a once-a-day run) earn, each at most what its best outcome asks,
    and the daily cap bounds the sum.
    """
    limit = 1 if once_a_day else rule.counted_matches_per_day
    if limit is None and rule.daily_cap is None:
        return None
    left: int | None = None
    if limit is not None:
        best = _best_outcome(rule)
        left = sum(max(_requested_points(rule, best, ordinal), 0)
                   for ordinal in range(played_today + 1, limit + 1))
    if rule.daily_cap is not None:
        room = max(rule.daily_cap - earned_today, 0)
        left = room if left is None else min(left, room)
    return left


DEFAULT_RULES = RuleSet(
    version="2026.1",
    effective_from=date(2026, 1, 1),
    modes={
        "daily": ModeRule("daily", daily_cap=5, params={"per_correct": 1, "questions": 5, "limit_s": 30}),
        "challenge": ModeRule("challenge", daily_cap=6, params={"streak_points": {5: 3, 10: 6}, "limit_s": 30,
                                                                "revives": 1}),
        "pk1v1": ModeRule("pk1v1", counted_matches_per_day=1,
                          params={"win": 2, "loss": 1, "questions": 5, "limit_s": 10}),
        "pk4": ModeRule("pk4", daily_cap=5, counted_matches_per_day=2,
                        params={"first_place": (3, 2), "other_place": 1, "questions": 5, "limit_s": 10}),
        "live": ModeRule("live", params={"per_correct": 1, "org_win_bonus": 2}),
        "manual": ModeRule("manual"),
        "adjustment": ModeRule("adjustment"),
    },
)

RULE_HISTORY: tuple[RuleSet, ...] = (DEFAULT_RULES,)


def rules_for(day: date, history: tuple[RuleSet, ...] = RULE_HISTORY) -> RuleSet:
    """The rule set in force on local date `day` (the latest one that started on or before it)."""
    in_force = [r for r in history if r.effective_from <= day]
    if not in_force:
        raise ValueError(f"no rules in force on {day.isoformat()}")
    return max(in_force, key=lambda r: r.effective_from)
