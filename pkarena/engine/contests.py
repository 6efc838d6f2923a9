"""Contests between organizations (PK赛): rules, status, and standings from ledger facts (no IO).

A contest compares two or more participating orgs (none inside another) over a window of local days.
An entry counts for the participant whose subtree holds the org recorded on the entry (where the
member belonged when the points were awarded), if its day lies in the window and its source counts.
人均 and participation divide by the members each participant had at the contest's end (or now, while
it runs): the same population rule as the monthly freeze.

Order: the contest's metric first, then its tie-break chain, each compared at full precision (a value
shown rounded to 2 places never decides a place); participants equal on every key share a rank.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from pkarena.engine import sources
from pkarena.engine.ranking import share

METRICS = ("per_member", "total", "participation", "pk_wins")
# "earliest": the participant that reached its final score first (its last counted entry is older).
TIE_BREAKS = ("per_member", "participation", "total", "pk_wins", "earliest")
DEFAULT_TIE_BREAKS = ("participation", "total", "earliest")
# From the one source registry: what members play (and live rounds) counts by default; 积分制 if chosen.
PLAY_SOURCES = sources.of_kind("solo", "queue", "hosted")
OPTIONAL_SOURCES = ("manual",)  # corrections ("adjustment") follow the entries they correct, never chosen
DEFAULT_SOURCES = PLAY_SOURCES
PK_SOURCES = sources.of_kind("queue")
STATUSES = ("draft", "scheduled", "running", "ended", "frozen", "cancelled")
CADENCES = ("monthly", "quarterly")
MAX_WINDOW_DAYS = 366
RATIO_DIGITS = 6


def counted_sources(chosen: Sequence[str]) -> tuple[str, ...]:
    """The ledger sources a contest counts: the chosen ones, plus corrections of 积分制 when 积分制 counts
    (an organizer's correction of a manual entry must move the contest like the entry did)."""
    return (*chosen, "adjustment") if "manual" in chosen else tuple(chosen)


class ContestRuleError(ValueError):
    """A contest that breaks a rule; `code` is stable, the message is Chinese and says what to fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Participant:
    """A participating org: id, name and its ancestors (root company first, itself last)."""

    org_id: int
    name: str
    ancestors: tuple[int, ...]


# --- validation ------------------------------------------------------------------------------------
def check_participants(participants: Sequence[Participant]) -> None:
    """At least two distinct orgs, none inside another (a member would count for both)."""
    ids = [p.org_id for p in participants]
    if len(set(ids)) < 2:
        raise ContestRuleError("TOO_FEW_ORGS", "竞赛至少需要两个不同的参赛组织")
    if len(set(ids)) != len(ids):
        raise ContestRuleError("DUPLICATE_ORG", "同一组织不能重复参赛")
    for outer in participants:
        for inner in participants:
            if inner is not outer and outer.org_id in inner.ancestors:
                raise ContestRuleError(
                    "OVERLAPPING_ORGS", f"参赛组织不能互相包含：“{inner.name}”属于“{outer.name}”")


def check_window(starts_on: date | None, ends_on: date | None) -> None:
    """A window of at least one day, at most a year."""
    if starts_on is None or ends_on is None:
        raise ContestRuleError("WINDOW_MISSING", "请填写竞赛的开始和结束日期")
    if ends_on < starts_on:
        raise ContestRuleError("WINDOW_EMPTY", "结束日期不能早于开始日期")
    if (ends_on - starts_on).days + 1 > MAX_WINDOW_DAYS:
        raise ContestRuleError("WINDOW_TOO_LONG", "竞赛时间不能超过一年")


def check_scoring(metric: str, tie_breaks: Sequence[str], sources: Sequence[str]) -> None:
    """A known metric, a tie-break chain of known keys without repeats, at least one counted source."""
    if metric not in METRICS:
        raise ContestRuleError("INVALID_METRIC", "评比指标须为人均积分、总积分、参与率或PK胜场")
    if any(key not in TIE_BREAKS for key in tie_breaks) or len(set(tie_breaks)) != len(tie_breaks):
        raise ContestRuleError("INVALID_TIE_BREAK", "并列规则只能从人均、参与率、总分、PK胜场、先达到者中选择，且不能重复")
    if metric in tie_breaks:
        raise ContestRuleError("INVALID_TIE_BREAK", "并列规则不能与评比指标相同")
    if not sources:
        raise ContestRuleError("NO_SOURCES", "至少选择一种计分来源")
    if any(source not in PLAY_SOURCES + OPTIONAL_SOURCES for source in sources):
        raise ContestRuleError("INVALID_SOURCE", "计分来源只能是每日答题、挑战答题、双人对战、四人赛、现场PK或积分制")
    if metric == "pk_wins" and not set(sources) & set(PK_SOURCES):
        raise ContestRuleError("NO_PK_SOURCE", "按PK胜场评比时须计入双人对战或四人赛")


# --- status ----------------------------------------------------------------------------------------
def current_status(stored: str, starts_on: date, ends_on: date, today: date) -> str:
    """What a contest is today: draft, cancelled and frozen stay; a scheduled one runs, then ends, by date."""
    if stored in ("draft", "cancelled", "frozen"):
        return stored
    if today < starts_on:
        return "scheduled"
    if today <= ends_on:
        return "running"
    return "ended"


def days_left(starts_on: date, ends_on: date, today: date) -> int:
    """Days still to play including today (0 once the window has passed)."""
    if today > ends_on:
        return 0
    return (ends_on - max(today, starts_on)).days + 1


def series_window(cadence: str, period_start: date) -> tuple[date, date]:
    """The window of a series' contest starting at `period_start` (the 1st of a month or quarter)."""
    months = {"monthly": 1, "quarterly": 3}[cadence]
    index = period_start.year * 12 + period_start.month - 1 + months
    following = date(index // 12, index % 12 + 1, 1)
    return period_start, date.fromordinal(following.toordinal() - 1)


def series_period_start(cadence: str, today: date) -> date:
    """The first day of the month or quarter that holds `today`."""
    if cadence == "quarterly":
        return date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
    return date(today.year, today.month, 1)


# --- standings ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ContestFacts:
    """What a contest's standings are computed from (the service reads them from the ledger and history)."""

    participants: list[Participant]
    population: Mapping[int, int]  # member id → org at the contest's end (active, human members)
    sums: list[tuple[int, int, int, str]]  # (member, org at award time, points, last awarded_at ISO) counted
    pk_wins: Mapping[int, int] = field(default_factory=dict)  # participant org id → cross-org wins


@dataclass(frozen=True)
class OrgStanding:
    """One participant's figures and place in a contest."""

    org_id: int
    name: str
    total: int
    members: int
    participants: int
    pk_wins: int
    reached_at: str | None  # ISO time of its last counted entry: when it reached its score
    rank: int = 0
    position: int = 0

    @property
    def per_member(self) -> float:
        """人均: total ÷ members (0 for an org without members)."""
        return share(self.total, self.members)

    @property
    def participation(self) -> float:
        """参与率: members with points in the contest ÷ members."""
        return share(self.participants, self.members)

    def value(self, key: str) -> float:
        """The figure a metric or tie-break key compares."""
        return {"per_member": self.per_member, "participation": self.participation, "total": self.total,
                "pk_wins": self.pk_wins}[key]

    def as_row(self) -> dict:
        """The frozen row (what the checksum covers) and the JSON shape of the API."""
        return {"position": self.position, "rank": self.rank, "org_id": self.org_id, "name": self.name,
                "total": self.total, "members": self.members, "participants": self.participants,
                "per_member": round(self.per_member, RATIO_DIGITS),
                "participation": round(self.participation, RATIO_DIGITS), "pk_wins": self.pk_wins,
                "reached_at": self.reached_at}


def participant_of(participants: Iterable[Participant], ancestors: Iterable[int]) -> int | None:
    """The participant whose subtree holds an org with these ancestors (None: outside the contest)."""
    ids = {p.org_id for p in participants}
    return next((org_id for org_id in ancestors if org_id in ids), None)


def member_contributions(facts: ContestFacts, org_ancestors: Mapping[int, tuple[int, ...]]) -> dict[int, dict[int, int]]:
    """Participant org id → {member id: points counted for it} (a member who moved adds to both)."""
    ids = {p.org_id for p in facts.participants}
    out: dict[int, dict[int, int]] = {org_id: defaultdict(int) for org_id in ids}
    for member_id, org_id, points, _at in facts.sums:
        side = next((a for a in org_ancestors.get(org_id, ()) if a in ids), None)
        if side is not None:
            out[side][member_id] += points
    return {side: dict(members) for side, members in out.items()}


def standings(facts: ContestFacts, org_ancestors: Mapping[int, tuple[int, ...]], metric: str,
              tie_breaks: Sequence[str]) -> list[OrgStanding]:
    """Every participant ranked by the metric, then the tie-break chain (equal on all: a shared rank)."""
    contributions = member_contributions(facts, org_ancestors)
    ids = {p.org_id for p in facts.participants}
    heads: dict[int, int] = defaultdict(int)
    for org_id in facts.population.values():
        side = next((a for a in org_ancestors.get(org_id, ()) if a in ids), None)
        if side is not None:
            heads[side] += 1
    reached: dict[int, str] = {}
    for _member, org_id, points, at in facts.sums:
        side = next((a for a in org_ancestors.get(org_id, ()) if a in ids), None)
        if side is not None and points and (side not in reached or at > reached[side]):
            reached[side] = at
    rows = [OrgStanding(p.org_id, p.name, sum(contributions[p.org_id].values()), heads[p.org_id],
                        sum(1 for score in contributions[p.org_id].values() if score > 0),
                        int(facts.pk_wins.get(p.org_id, 0)), reached.get(p.org_id))
            for p in facts.participants]
    return rank(rows, metric, tie_breaks)


def sort_key(row: OrgStanding, metric: str, tie_breaks: Sequence[str]) -> tuple:
    """Smaller is better: each numeric key negated; "earliest" ascending with no score last."""
    key: list = []
    for name in (metric, *tie_breaks):
        if name == "earliest":
            key.append((row.reached_at is None, row.reached_at or ""))
        else:
            key.append(-row.value(name))
    return tuple(key)


def rank(rows: Iterable[OrgStanding], metric: str, tie_breaks: Sequence[str]) -> list[OrgStanding]:
    """Rows in order with competition ranks (1, 2, 2, 4) on the whole key; org id orders full ties."""
    ordered = sorted(rows, key=lambda r: (sort_key(r, metric, tie_breaks), r.org_id))
    ranked: list[OrgStanding] = []
    previous, current = None, 0
    for position, row in enumerate(ordered, start=1):
        key = sort_key(row, metric, tie_breaks)
        if key != previous:
            current, previous = position, key
        ranked.append(OrgStanding(row.org_id, row.name, row.total, row.members, row.participants, row.pk_wins,
                                  row.reached_at, rank=current, position=position))
    return ranked


def winner(rows: Sequence[OrgStanding]) -> int | None:
    """The 流动红旗 goes to the single first-ranked participant with points; none on a tie for first."""
    firsts = [row for row in rows if row.rank == 1]
    if len(firsts) != 1 or (firsts[0].total <= 0 and firsts[0].pk_wins <= 0):
        return None
    return firsts[0].org_id


def checksum(contest_id: int, metric: str, tie_breaks: Sequence[str], rows: Iterable[dict]) -> str:
    """SHA-256 hex of the contest header and its rows as canonical JSON, one document per line."""
    header = json.dumps({"contest_id": int(contest_id), "metric": metric, "tie_breaks": list(tie_breaks)},
                        sort_keys=True, separators=(",", ":"))
    lines = [json.dumps(_canonical(row), sort_keys=True, separators=(",", ":"), ensure_ascii=False) for row in rows]
    return hashlib.sha256("\n".join([header, *lines]).encode()).hexdigest()


def _canonical(row: dict) -> dict:
    # Fixed decimals: 0.5 read back from two databases as 0.5 and 0.50000000001 must hash the same.
    return {key: (f"{value:.{RATIO_DIGITS}f}" if isinstance(value, float) else value) for key, value in row.items()}


def cross_org_wins(results: Iterable[tuple[str, int | None, str]]) -> dict[int, int]:
    """Wins per participant from PK results: (match ref, the player's side or None, outcome).

    Outcomes are 'win' | 'loss' | 'draw' | 'place:N'. A win counts only if the match had a player of
    another participating side (a 1v1 between two colleagues of one branch does not move a
    branch-vs-branch contest); in a 4-player match first place is the win.
    """
    matches: dict[str, list[tuple[int | None, str]]] = defaultdict(list)
    for ref, side, outcome in results:
        matches[ref].append((side, outcome))
    wins: dict[int, int] = defaultdict(int)
    for players in matches.values():
        if len({side for side, _ in players} - {None}) < 2:
            continue
        for side, outcome in players:
            if side is not None and outcome in ("win", "place:1"):
                wins[side] += 1
    return dict(wins)


# --- contest matchmaking -------------------------------------------------------------------------------
CROSS_ORG_WAIT_MS = 10_000  # how long a PK queue holds out for an opponent of another side


def choose_group(waiting: Mapping[int, Sequence[tuple[str, int]]], size: int, now_ms: int,
                 cross_wait_ms: int = CROSS_ORG_WAIT_MS) -> list[str] | None:
    """Who plays next in a contest queue: side org id → [(member, queued at ms)] oldest first, or None.

    1v1 pairs the oldest waiter with the oldest of another side; 4-player takes two of one side and two of
    another. Once the oldest waiter has held out `cross_wait_ms`, anyone in the contest will do (oldest first).
    """
    queued = sorted(((at, member, side) for side, members in waiting.items() for member, at in members))
    if len(queued) < size:
        return None
    per_side = size // 2
    by_side: dict[int, list[str]] = defaultdict(list)
    for _at, member, side in queued:
        by_side[side].append(member)
    # Sides in the order of their oldest waiter, so whoever waited longest is served first.
    order = list(dict.fromkeys(side for _at, _member, side in queued))
    for first in order:
        if len(by_side[first]) < per_side:
            continue
        for second in order:
            if second != first and len(by_side[second]) >= per_side:
                return by_side[first][:per_side] + by_side[second][:per_side]
    if now_ms - queued[0][0] >= cross_wait_ms:
        return [member for _at, member, _side in queued[:size]]
    return None
