"""Monthly snapshot rows from aggregated ledger facts, and their canonical SHA-256 (no IO)."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from json.encoder import encode_basestring

from pkarena.engine.ranking import OrgFigures, rank_orgs, ranked_by_score

# Scope kinds in the order a freeze writes them (and exports show them).
SCOPE_ORDER = ("members_all", "members_org", "orgs", "pairing", "joint_group")
# Org kinds that get their own member ranking (groups are too small to be worth a frozen board).
MEMBER_SCOPE_KINDS = ("company", "branch")
RATIO_DIGITS = 4


@dataclass(frozen=True)
class OrgFact:
    """An org as it stood at the end of the month."""

    id: int
    name: str
    kind: str
    parent_id: int | None
    ancestors: tuple[int, ...]  # root company first, the org itself last


@dataclass(frozen=True)
class MonthFacts:
    """Everything a month's snapshots are computed from (read from the ledger and history by the service)."""

    month: str
    orgs: dict[int, OrgFact]
    names: dict[int, str]  # member id → display name
    population: dict[int, int]  # member id → org at the end of the month (active, human members)
    sums: list[tuple[int, int, int]]  # (member id, org id at award time, points) summed over the month
    pairings: list[tuple[int, int, int]] = field(default_factory=list)  # (pairing id, org a, org b)
    joint_groups: list[tuple[int, tuple[int, ...]]] = field(default_factory=list)


@dataclass(frozen=True)
class People:
    """What every member scope of one month shares: each member's name, home org and canonical line parts."""

    names: dict[int, str]
    home: dict[int, int]  # member id → the org shown on their rows
    text_order: dict[int, int]  # member id → index in str(id) order (the tie-break of shared_ranks)

    @cached_property
    def line_parts(self) -> dict[int, tuple[str, str]]:
        """Member id → the canonical line around `points,"position":…,"rank":…` (built once, used by every scope)."""
        parts = {}
        for member_id in self.text_order:
            # encode_basestring is exactly what json.dumps(str, ensure_ascii=False) returns, one call less deep.
            parts[member_id] = (
                f'{{"members":null,"name":{encode_basestring(self.names.get(member_id, ""))},'
                f'"org_id":{_number(self.home.get(member_id))},"participants":null,"participation":null,'
                f'"per_member":null,"points":',
                f',"subject_id":{member_id},"subject_kind":"member"}}')
        return parts


@dataclass(frozen=True)
class ScopeRows:
    """One scope's ranked rows, ready to be written and hashed.

    Member scopes keep only (member, points, rank) per row, position being the index + 1, and build the
    row dicts only when asked (exports, check): a freeze writes and hashes them straight from `people`.
    """

    kind: str
    scope_id: int
    org_rows: list[dict] | None = None
    members: list[int] = field(default_factory=list)
    points: list[int] = field(default_factory=list)
    ranks: list[int] = field(default_factory=list)
    people: People | None = None

    @cached_property
    def rows(self) -> list[dict]:
        """The rows as dicts of the snapshot_row fields (what exports and `check_month` compare)."""
        if self.org_rows is not None:
            return self.org_rows
        names, home = self.people.names, self.people.home
        return [
            {"position": position, "rank": rank, "subject_kind": "member", "subject_id": member_id,
             "name": names.get(member_id, ""), "org_id": home.get(member_id), "points": score,
             "members": None, "participants": None, "per_member": None, "participation": None}
            for position, (member_id, score, rank) in enumerate(zip(self.members, self.points, self.ranks, strict=True), start=1)
        ]

    def __len__(self) -> int:
        return len(self.org_rows) if self.org_rows is not None else len(self.members)

    def lines(self) -> list[str]:
        """Every row in canonical form, in position order."""
        if self.org_rows is not None:
            return [canonical_row(row) for row in self.org_rows]
        parts = self.people.line_parts
        return [f'{parts[m][0]}{p},"position":{n},"rank":{r}{parts[m][1]}'
                for n, m, p, r in zip(range(1, len(self) + 1), self.members, self.points, self.ranks, strict=True)]


def _ratio(part: float, whole: int) -> float:
    return round(part / whole, RATIO_DIGITS) if whole else 0.0


def _member_scope(kind: str, scope_id: int, points: dict[int, int], people: People) -> ScopeRows:
    members, ranks = ranked_by_score(points, people.text_order)
    return ScopeRows(kind, scope_id, members=members, points=[points[m] for m in members], ranks=ranks, people=people)


def _ranked_orgs(org_ids: Iterable[int], facts: MonthFacts, totals: dict[int, int], heads: dict[int, int],
                 takers: dict[int, int]) -> list[dict]:
    # Frozen org rows rank by total (equal totals share a rank), listed in the one org order of
    # engine/ranking.py on exact ratios: the boards sorted by total give the same order and ranks.
    figures = []
    for org_id in org_ids:
        if org_id in facts.orgs:
            members, total = heads.get(org_id, 0), totals.get(org_id, 0)
            figures.append(OrgFigures(org_id, total, total / members if members else 0.0,
                                      takers.get(org_id, 0) / members if members else 0.0))
    rows = []
    for position, (figure, rank) in enumerate(rank_orgs(figures, "total"), start=1):
        org_id, score = figure.id, figure.total
        members, participants = heads.get(org_id, 0), takers.get(org_id, 0)
        rows.append({
            "position": position, "rank": rank, "subject_kind": "org", "subject_id": org_id,
            "name": facts.orgs[org_id].name, "org_id": facts.orgs[org_id].parent_id, "points": int(score),
            "members": members, "participants": participants, "per_member": _ratio(score, members),
            "participation": _ratio(participants, members),
        })
    return rows


def build_scopes(facts: MonthFacts) -> list[ScopeRows]:
    """Every scope of the month: members (all, per company/branch), orgs, pairings, joint groups."""
    overall: dict[int, int] = defaultdict(int)
    by_subtree: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    org_totals: dict[int, int] = defaultdict(int)
    best_org: dict[int, tuple[int, int]] = {}  # member → (points, -org id): where they scored most
    for member_id, org_id, points in facts.sums:
        overall[member_id] += points
        for ancestor in facts.orgs[org_id].ancestors:
            by_subtree[ancestor][member_id] += points
            org_totals[ancestor] += points
        if member_id not in best_org or (points, -org_id) > best_org[member_id]:
            best_org[member_id] = (points, -org_id)
    # A member's org on a row: where they belonged at month end, else (moved away, left) where they scored most.
    home = {member_id: -negative for member_id, (_points, negative) in best_org.items()}
    home.update(facts.population)
    heads: dict[int, int] = defaultdict(int)
    in_population: dict[int, set[int]] = defaultdict(set)
    for member_id, org_id in facts.population.items():
        for ancestor in facts.orgs[org_id].ancestors:
            heads[ancestor] += 1
            in_population[ancestor].add(member_id)

    def members_of(points: dict[int, int], population: Iterable[int]) -> dict[int, int]:
        # Everyone of the population (0 points included) plus anyone else whose points landed here.
        chosen = {member_id: 0 for member_id in population}
        chosen.update({member_id: score for member_id, score in points.items() if score != 0})
        return chosen

    takers = {org_id: sum(1 for score in scores.values() if score > 0) for org_id, scores in by_subtree.items()}
    people = People(facts.names, home, {member_id: index for index, member_id in enumerate(sorted(home, key=str))})
    scopes = [_member_scope("members_all", 0, members_of(overall, facts.population), people)]
    for org in sorted(facts.orgs.values(), key=lambda o: o.id):
        if org.kind in MEMBER_SCOPE_KINDS:
            chosen = members_of(by_subtree.get(org.id, {}), in_population.get(org.id, ()))
            scopes.append(_member_scope("members_org", org.id, chosen, people))
    scopes.append(ScopeRows("orgs", 0, _ranked_orgs(sorted(facts.orgs), facts, org_totals, heads, takers)))
    for pairing_id, org_a, org_b in sorted(facts.pairings):
        scopes.append(ScopeRows("pairing", pairing_id, _ranked_orgs((org_a, org_b), facts, org_totals, heads, takers)))
    for group_id, org_ids in sorted(facts.joint_groups):
        scopes.append(ScopeRows("joint_group", group_id, _ranked_orgs(org_ids, facts, org_totals, heads, takers)))
    return scopes


def _number(value: float | int | None) -> str:
    if value is None:
        return "null"
    if isinstance(value, float):
        # Fixed formatting: 0.5 and 0.50000000001 from two databases must hash the same.
        return f"{value:.{RATIO_DIGITS}f}"
    return str(int(value))


def canonical_row(row: dict) -> str:
    """One row as canonical JSON: sorted keys, no spaces, floats with a fixed number of decimals."""
    return (
        f'{{"members":{_number(row["members"])},"name":{json.dumps(row["name"], ensure_ascii=False)},'
        f'"org_id":{_number(row["org_id"])},"participants":{_number(row["participants"])},'
        f'"participation":{_number(row["participation"])},"per_member":{_number(row["per_member"])},'
        f'"points":{_number(row["points"])},"position":{_number(row["position"])},"rank":{_number(row["rank"])},'
        f'"subject_id":{_number(row["subject_id"])},"subject_kind":{json.dumps(row["subject_kind"])}}}'
    )


def _member_row(row: dict) -> str:
    # The bulk of every freeze is member lines, whose org figures are all null: the same text as
    # canonical_row with fewer calls (tests/unit/test_snapshot_engine.py holds the two equal).
    return (f'{{"members":null,"name":{json.dumps(row["name"], ensure_ascii=False)},'
            f'"org_id":{_number(row["org_id"])},"participants":null,"participation":null,"per_member":null,'
            f'"points":{int(row["points"])},"position":{int(row["position"])},"rank":{int(row["rank"])},'
            f'"subject_id":{int(row["subject_id"])},"subject_kind":"member"}}')


def _is_member_row(row: dict) -> bool:
    return row["subject_kind"] == "member" and row["members"] is None and row["participants"] is None \
        and row["per_member"] is None and row["participation"] is None


def _digest(month: str, scope_kind: str, scope_id: int, lines: list[str]) -> str:
    header = json.dumps({"month": month, "scope_id": scope_id, "scope_kind": scope_kind},
                        sort_keys=True, separators=(",", ":"))
    # One update of header + "\n" + line for each line: the same bytes as line by line, far fewer calls.
    return hashlib.sha256("\n".join([header, *lines]).encode()).hexdigest()


def checksum(month: str, scope_kind: str, scope_id: int, rows: Iterable[dict]) -> str:
    """SHA-256 hex of the scope header and its rows in canonical form, one JSON document per line."""
    return _digest(month, scope_kind, scope_id,
                   [_member_row(row) if _is_member_row(row) else canonical_row(row) for row in rows])


def scope_checksum(month: str, scope: ScopeRows) -> str:
    """`checksum` of a computed scope, its member lines built from the parts shared across scopes."""
    return _digest(month, scope.kind, scope.scope_id, scope.lines())
