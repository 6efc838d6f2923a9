"""Board periods (`Period`: a day, month, quarter, year or all time) and quarter/year sums of frozen months.

A `Period` is what every board is read for. Its `key` is the stable string of DESIGN §8 (`day:YYYY-MM-DD`,
`month:YYYY-MM`, `quarter:YYYY-Qn`, `year:YYYY`, `all`): Store board keys and the API use exactly these.
Quarters and years are sums of frozen months (`is_frozen`); days, months and all time are read live.

Quarter and year sums (`sum_months`, plain Python: rows in, ranked rows out): points add up over the
months. For orgs, 人均 adds up too — each month's total over that month's members — so an org that grew
mid-quarter is measured against the members it had each month; the participation rate is the mean of
the monthly rates, and the member count the latest month's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from pkarena.engine.ranking import ORG_SORTS, OrgFigures, rank_orgs, shared_ranks

KINDS = ("day", "month", "quarter", "year", "all")
_SYNTAX = re.compile(r"^(?:(all)|day:(\d{4})-(\d{2})-(\d{2})|month:(\d{4})-(\d{2})|quarter:(\d{4})-Q(\d)|year:(\d{4}))$")
PERIOD_FORMS = "day:YYYY-MM-DD、month:YYYY-MM、quarter:YYYY-Qn、year:YYYY 或 all"


class PeriodError(ValueError):
    """A period string that names no period (message in Chinese, shown to API clients as it is)."""

    code = "INVALID_PERIOD"


@dataclass(frozen=True, order=True)
class Period:
    """A board period: `kind` and its first day (`start`, None for all time)."""

    kind: str
    start: date | None = None

    # --- construction ---------------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> Period:
        """The period of a key string (`month:2026-11`…); PeriodError for junk or an impossible date."""
        found = _SYNTAX.match((text or "").strip())
        if found is None:
            raise PeriodError(f"无法识别的周期 {text!r}：周期须为 {PERIOD_FORMS}")
        (every, dy, dm, dd, my, mm, qy, qn, yy) = found.groups()
        try:
            if every:
                return ALL
            if dy:
                return cls("day", date(int(dy), int(dm), int(dd)))
            if my:
                return cls("month", date(int(my), int(mm), 1))
            if qy:
                if not 1 <= int(qn) <= 4:
                    raise ValueError(qn)
                return cls("quarter", date(int(qy), (int(qn) - 1) * 3 + 1, 1))
            return cls("year", date(int(yy), 1, 1))
        except ValueError as exc:  # month 13, 30 February, quarter 5, year 0
            raise PeriodError(f"周期 {text!r} 不是有效的日期：周期须为 {PERIOD_FORMS}") from exc

    @classmethod
    def for_day(cls, day_key: str) -> Period:
        """The day of a clock day key `YYYY-MM-DD`."""
        return cls.parse(f"day:{day_key}")

    @classmethod
    def for_month(cls, month_key: str) -> Period:
        """The month of a clock month key `YYYY-MM`."""
        return cls.parse(f"month:{month_key}")

    @classmethod
    def quarter_of(cls, month_key: str) -> Period:
        """The quarter a month `YYYY-MM` lies in."""
        month = cls.for_month(month_key).start
        return cls("quarter", month.replace(month=(month.month - 1) // 3 * 3 + 1))

    @classmethod
    def year_of(cls, month_key: str) -> Period:
        """The year a month `YYYY-MM` lies in."""
        return cls("year", cls.for_month(month_key).start.replace(month=1))

    @classmethod
    def recent(cls, month_key: str, months: int = 12) -> dict[str, list[Period]]:
        """The period picker's choices: the last `months` months, their quarters and years, newest first."""
        first = cls.for_month(month_key).start
        count = first.year * 12 + first.month - 1
        month_list = []
        for back in range(months):
            year, index = divmod(count - back, 12)
            month_list.append(cls("month", date(year, index + 1, 1)))
        return {"months": month_list,
                "quarters": list(dict.fromkeys(cls.quarter_of(p.month_key) for p in month_list)),
                "years": list(dict.fromkeys(cls.year_of(p.month_key) for p in month_list))}

    # --- reading ----------------------------------------------------------------------------------
    @property
    def key(self) -> str:
        """The stable string form (DESIGN §8; the Store's board keys end with it)."""
        if self.kind == "all":
            return "all"
        if self.kind == "day":
            return f"day:{self.start.isoformat()}"
        if self.kind == "month":
            return f"month:{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"quarter:{self.start.year}-Q{self.quarter_number}"
        return f"year:{self.start.year}"

    def __str__(self) -> str:
        return self.key

    @property
    def year(self) -> int | None:
        """The calendar year (None for all time)."""
        return self.start.year if self.start else None

    @property
    def quarter_number(self) -> int | None:
        """1–4 for a quarter, None otherwise."""
        return (self.start.month - 1) // 3 + 1 if self.kind == "quarter" else None

    @property
    def month_key(self) -> str:
        """`YYYY-MM` of a month period (ValueError for another kind)."""
        if self.kind != "month":
            raise ValueError(f"not a month period: {self.key}")
        return f"{self.start:%Y-%m}"

    @property
    def day_key(self) -> str:
        """`YYYY-MM-DD` of a day period (ValueError for another kind)."""
        if self.kind != "day":
            raise ValueError(f"not a day period: {self.key}")
        return self.start.isoformat()

    @property
    def is_frozen(self) -> bool:
        """Quarters and years are sums of frozen months; days, months and all time are read live."""
        return self.kind in ("quarter", "year")

    def months(self) -> list[str]:
        """The `YYYY-MM` months the period covers (a day: its month); ValueError for all time."""
        if self.kind == "all":
            raise ValueError("all time has no list of months")
        length = {"day": 1, "month": 1, "quarter": 3, "year": 12}[self.kind]
        return [f"{self.start.year}-{m:02d}" for m in range(self.start.month, self.start.month + length)]

    def contains(self, key: str) -> bool:
        """True if a day `YYYY-MM-DD` or a whole month `YYYY-MM` lies within the period."""
        if self.kind == "all":
            return True
        if self.kind == "day":
            return key == self.start.isoformat()
        return key[:7] in self.months()


ALL = Period("all")


@dataclass(frozen=True)
class FrozenRow:
    """One subject's row in one frozen month (org figures are None on member rows)."""

    month: str
    kind: str  # 'member' | 'org'
    subject_id: int
    name: str
    points: int
    members: int | None = None
    per_member: float | None = None
    participation: float | None = None


def sum_months(rows: Iterable[FrozenRow], sort: str = "total") -> list[dict]:
    """Each subject's sums over the months, ranked by `sort` (equal values share a rank).

    Rows: {kind, id, name, points, rank}, plus per_member, participation and members for orgs.
    """
    if sort not in ORG_SORTS:
        raise ValueError(f"sort must be one of {ORG_SORTS}")
    sums: dict[tuple[str, int], dict] = {}
    for row in sorted(rows, key=lambda r: r.month):  # the latest month's name and member count win
        entry = sums.setdefault((row.kind, row.subject_id), {
            "kind": row.kind, "id": row.subject_id, "points": 0, "per_member": 0.0, "rates": []})
        entry["name"], entry["points"] = row.name, entry["points"] + row.points
        if row.kind == "org":
            entry["members"] = row.members or 0
            entry["per_member"] += row.per_member or 0.0
            entry["rates"].append(row.participation or 0.0)
    for entry in sums.values():
        rates = entry.pop("rates")
        if entry["kind"] == "org":
            entry["per_member"] = round(entry["per_member"], 4)
            entry["participation"] = round(sum(rates) / len(rates), 4) if rates else 0.0
        else:
            del entry["per_member"]
    if sums and all(entry["kind"] == "org" for entry in sums.values()):
        # Orgs: the one org order of engine/ranking.py (the boards page, the screen and the freeze use it too).
        figures = [OrgFigures(e["id"], e["points"], e["per_member"], e["participation"]) for e in sums.values()]
        return [{**sums[("org", f.id)], "rank": rank} for f, rank in rank_orgs(figures, sort)]
    value = {"total": lambda e: e["points"], "per_member": lambda e: e.get("per_member", e["points"]),
             "participation": lambda e: e.get("participation", 0.0)}[sort]
    ranked = shared_ranks((key, value(entry)) for key, entry in sums.items())
    return [{**sums[key], "rank": rank} for key, _score, rank in ranked]
