"""Draw questions for a match by a rule: quotas, freshness, preferences; deterministic for a seed (plain Python)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

Shortfall = Literal["error", "fill"]
Prefer = Literal["random", "least_used", "unseen_then_wrong"]
TYPE_LABELS = {"single": "单选", "multiple": "多选", "judge": "判断", "fill": "填空"}


@dataclass(frozen=True)
class Candidate:
    """A question that may be drawn, as the caller loaded it (current version, usage count)."""

    question_id: int
    version_id: int
    type: str
    difficulty: int = 3
    category_path: str = "/"
    status: str = "active"
    use_count: int = 0


@dataclass(frozen=True)
class Seen:
    """A past answer of one of the players: which question, when, and whether it was right."""

    question_id: int
    at: datetime
    correct: bool


@dataclass(frozen=True)
class Quota:
    """``count`` questions matching every given filter (category by subtree path, difficulty range)."""

    count: int
    type: str | None = None
    category_path: str | None = None
    difficulty: tuple[int, int] | None = None

    def matches(self, c: Candidate) -> bool:
        """True when a candidate satisfies this quota's filters."""
        return ((self.type is None or c.type == self.type)
                and (self.category_path is None or c.category_path.startswith(self.category_path))
                and (self.difficulty is None or self.difficulty[0] <= c.difficulty <= self.difficulty[1]))

    def describe(self) -> str:
        """The quota in words, for error messages."""
        parts = [TYPE_LABELS.get(self.type, self.type)] if self.type else []
        if self.category_path:
            parts.append(f"分类 {self.category_path}")
        if self.difficulty:
            low, high = self.difficulty
            parts.append(f"难度 {low}" if low == high else f"难度 {low}–{high}")
        return "·".join(parts) or "任意题目"


@dataclass(frozen=True)
class SelectionRule:
    """Quotas drawn in order; ``shortfall`` "fill" tops up from any other question, "error" refuses."""

    quotas: tuple[Quota, ...]
    shortfall: Shortfall = "error"
    exclude_seen_days: int | None = None
    prefer: Prefer = "random"

    @property
    def total(self) -> int:
        """Number of questions a draw returns."""
        return sum(q.count for q in self.quotas)


class SelectionError(Exception):
    """The bank cannot satisfy the rule; ``quota`` names what is missing."""

    code = "QUOTA_SHORTFALL"

    def __init__(self, quota: Quota | None, needed: int, available: int) -> None:
        what = quota.describe() if quota else "全部配额"
        super().__init__(f"题目不足：配额「{what}」需要 {needed} 题，可用 {available} 题")
        self.quota, self.needed, self.available = quota, needed, available


@dataclass
class _Pool:
    ranked: list[Candidate]
    taken: set[int] = field(default_factory=set)

    def take(self, quota: Quota | None, count: int) -> list[Candidate]:
        picked = [c for c in self.ranked if c.question_id not in self.taken and (quota is None or quota.matches(c))]
        picked = picked[:count]
        self.taken.update(c.question_id for c in picked)
        return picked


def _rng(seed: int | str) -> random.Random:
    # One integer from a hash: seed 7 and seed "7" draw alike, and no process-specific hashing is involved.
    return random.Random(int.from_bytes(hashlib.sha256(str(seed).encode()).digest()[:8], "big"))


def _rank(candidates: list[Candidate], rule: SelectionRule, history: list[Seen], rng: random.Random) -> list[Candidate]:
    """Candidates in draw order: a seeded shuffle, then stably sorted by the rule's preference."""
    ordered = sorted(candidates, key=lambda c: c.question_id)  # input order must not matter
    rng.shuffle(ordered)
    if rule.prefer == "least_used":
        ordered.sort(key=lambda c: c.use_count)
    elif rule.prefer == "unseen_then_wrong":
        seen = {s.question_id for s in history}
        wrong = {s.question_id for s in history if not s.correct}
        ordered.sort(key=lambda c: 0 if c.question_id not in seen else 1 if c.question_id in wrong else 2)
    return ordered


def draw(rule: SelectionRule, candidates: Iterable[Candidate], *, seed: int | str, now: datetime,
         history: Iterable[Seen] = ()) -> list[Candidate]:
    """Draw the rule's questions; the same inputs and seed give the same list, in the same order."""
    # Draw once per match (seed = the match's reference) with the history of all its players: all get the same.
    history = list(history)
    active = [c for c in candidates if c.status == "active"]
    if len({c.question_id for c in active}) != len(active):
        raise ValueError("a question appears twice among the candidates")
    recent: set[int] = set()
    if rule.exclude_seen_days is not None:
        since = now - timedelta(days=rule.exclude_seen_days)
        recent = {s.question_id for s in history if s.at >= since}
    rng = _rng(seed)
    fresh = _Pool(_rank([c for c in active if c.question_id not in recent], rule, history, rng))
    picked: list[Candidate] = []
    missing = 0
    for quota in rule.quotas:
        got = fresh.take(quota, quota.count)
        if len(got) < quota.count and rule.shortfall == "error":
            raise SelectionError(quota, quota.count, len(got))
        missing += quota.count - len(got)
        picked += got
    if missing:  # "fill": top up from any fresh question, then from recently seen ones
        picked += fresh.take(None, missing)
        stale = _Pool(_rank([c for c in active if c.question_id in recent], rule, history, rng), set(fresh.taken))
        picked += stale.take(None, rule.total - len(picked))
        if len(picked) < rule.total:
            raise SelectionError(None, rule.total, len(picked))
    return picked
