"""Ledger sources as one registry: each source's label, reason texts, kind and points formula.

A new source is one entry in `SOURCES` (and, if members play it, one `Mode` class in engine/modes.py);
docs/adding-a-source.md lists what else it may touch. Labels and reasons are plain Chinese here (what
exports and socket messages carry); `N_` marks them for the translation catalogue, and the web layer
turns them into lazy translations (pkarena/web/labels.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

# Reason codes an award (or a settlement) can carry; `Source.reason_text` turns them into sentences.
REASON_OK = ""
REASON_DAILY_CAP = "daily_cap"
REASON_MATCH_LIMIT = "match_limit"
REASON_BOT = "bot"
REASON_FORFEITED = "forfeited"

Kind = Literal["solo", "queue", "hosted", "manual"]
KINDS: tuple[Kind, ...] = ("solo", "queue", "hosted", "manual")
Formula = Callable[[Mapping[str, Any], Mapping[str, Any], int], int]


def N_(text: str) -> str:
    """Mark `text` for the translation catalogue without translating it (the engine knows no locale)."""
    return text


# Reasons every game source shares, in one wording.
SHARED_REASONS: Mapping[str, str] = {
    REASON_BOT: N_("机器人不计积分"),
    REASON_FORFEITED: N_("中途退出，本场不计分"),
}


@dataclass(frozen=True)
class Source:
    """One ledger source: how it is called, why its awards may fall short, how it is played and scored."""

    key: str
    label: str
    kind: Kind
    points: Formula  # (rule params, outcome, today's match ordinal) → points asked for before caps
    reasons: Mapping[str, str] = field(default_factory=dict)

    @property
    def played(self) -> bool:
        """True for sources members play on their phones (a `Mode` class runs them)."""
        return self.kind in ("solo", "queue")

    def reason_text(self, reason: str) -> str:
        """The sentence for a reason code of this source ("" for none; the code itself if unknown)."""
        if reason == REASON_OK:
            return ""
        return self.reasons.get(reason) or SHARED_REASONS.get(reason, reason)


# --- points formulas (per DESIGN §5; the numbers are the rule's params in engine/rules.py) ---------------
def _correct(outcome: Mapping[str, Any]) -> int:
    # Game outcomes never ask for negative points, whatever a buggy caller passes; only manual and
    # adjustment entries may be negative.
    return max(int(outcome.get("correct", 0)), 0)


def per_correct(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """`per_correct` points for each correct answer."""
    return _correct(outcome) * p["per_correct"]


def streak_tiers(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """The points of the highest `streak_points` threshold the streak reached (0 below the first)."""
    streak = int(outcome.get("streak", 0))
    earned = 0
    for threshold, points in sorted(p["streak_points"].items()):
        if streak >= threshold:
            earned = points
    return earned


def win_or_loss(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """`win` points for a won match, else `loss`."""
    return p["win"] if outcome.get("won") else p["loss"]


def by_place(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """First place earns `first_place[ordinal − 1]` (the last value from then on); other places `other_place`."""
    if int(outcome.get("place", 4)) == 1:
        firsts = p["first_place"]
        return firsts[min(ordinal, len(firsts)) - 1]
    return p["other_place"]


def per_correct_and_org_bonus(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """Per correct answer, plus `org_win_bonus` when the player's org won the round."""
    return per_correct(p, outcome, ordinal) + (p["org_win_bonus"] if outcome.get("org_won") else 0)


def as_entered(p: Mapping[str, Any], outcome: Mapping[str, Any], ordinal: int) -> int:
    """The points an organizer entered (may be negative)."""
    return int(outcome["points"])


# One wording per reason: PK caps speak of 对战 (both PK modes share the player's sense of "matches today").
PK_REASONS = {REASON_DAILY_CAP: N_("今日对战积分已达上限"), REASON_MATCH_LIMIT: N_("今日计分的对战场次已满，本场不计分")}

SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("daily", N_("每日答题"), "solo", per_correct, {REASON_DAILY_CAP: N_("今日每日答题积分已达上限")}),
    Source("challenge", N_("挑战答题"), "solo", streak_tiers, {REASON_DAILY_CAP: N_("今日挑战答题积分已达上限")}),
    Source("pk1v1", N_("双人对战"), "queue", win_or_loss, PK_REASONS),
    Source("pk4", N_("四人赛"), "queue", by_place, PK_REASONS),
    Source("live", N_("现场PK"), "hosted", per_correct_and_org_bonus),
    Source("manual", N_("积分制"), "manual", as_entered),
    Source("adjustment", N_("积分更正"), "manual", as_entered),
)}


def source(key: str) -> Source:
    """The entry of `key`; unknown sources are a programming error."""
    try:
        return SOURCES[key]
    except KeyError as exc:
        raise ValueError(f"no ledger source {key!r}") from exc


def label(key: str) -> str:
    """The Chinese label of a source (the key itself for a source no longer registered)."""
    entry = SOURCES.get(key)
    return entry.label if entry else key


def reason_text(key: str, reason: str | None) -> str:
    """The sentence for `reason` of an award of source `key` ("" for none)."""
    if not reason:
        return ""
    entry = SOURCES.get(key)
    return entry.reason_text(reason) if entry else SHARED_REASONS.get(reason, reason)


def of_kind(*kinds: Kind) -> tuple[str, ...]:
    """The keys of the sources of `kinds`, in registry order (e.g. the lobby's or the queues' modes)."""
    return tuple(key for key, entry in SOURCES.items() if entry.kind in kinds)
