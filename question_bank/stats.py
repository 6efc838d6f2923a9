"""Item statistics from answers, as Moodle's quiz statistics compute them (plain Python, no database)."""

from __future__ import annotations

import json
import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_ATTEMPTS_FOR_FLAGS = 30
FACILITY_LOW, FACILITY_HIGH = 0.2, 0.9
DISCRIMINATION_LOW = 0.2
EFFICIENCY_LOW = 0.15


@dataclass(frozen=True)
class Response:
    """One scored answer: ``attempt`` groups the answers of one player in one match (a Moodle usage)."""

    attempt: Hashable
    item: Hashable
    mark: float  # 0..1 (all or nothing here, so 0 or 1)
    choice: Any = None
    elapsed_ms: int | None = None


@dataclass
class ItemStats:
    """Per-item statistics; fractions in 0..1 (Moodle shows them ×100), None where undefined."""

    item: Hashable
    attempts: int
    facility: float | None
    sd: float | None
    discrimination: float | None
    discriminative_efficiency: float | None
    random_guess: float | None
    option_distribution: dict[str, int] = field(default_factory=dict)
    median_ms: float | None = None
    flags: list[str] = field(default_factory=list)


def random_guess_score(type_name: str, options_count: int) -> float | None:
    """Expected mark of a random guess: single 1/n, judge ½, fill 0; multiple is None (Moodle doesn't try)."""
    if type_name == "single":
        return 1 / options_count if options_count else None
    return {"judge": 0.5, "fill": 0.0}.get(type_name)


def choice_label(choice: Any) -> str:
    """A stable text for an answer choice, used as the key of the option distribution."""
    if isinstance(choice, bool):
        return "对" if choice else "错"
    if isinstance(choice, list) and all(isinstance(c, str) and len(c) == 1 for c in choice):
        return ",".join(sorted(choice))
    if isinstance(choice, list):
        return "|".join(str(c) for c in choice)
    return "—" if choice is None else str(choice) if isinstance(choice, str) else json.dumps(choice, ensure_ascii=False)


def _sample_cov(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / (len(xs) - 1)


def _flags(s: ItemStats) -> list[str]:
    if s.attempts < MIN_ATTEMPTS_FOR_FLAGS:
        return []
    flags = []
    if s.facility is not None and s.facility < FACILITY_LOW:
        flags.append("facility_low")
    if s.facility is not None and s.facility > FACILITY_HIGH:
        flags.append("facility_high")
    if s.discrimination is not None and s.discrimination < 0:
        flags.append("discrimination_negative")
    elif s.discrimination is not None and s.discrimination < DISCRIMINATION_LOW:
        flags.append("discrimination_low")
    if s.discriminative_efficiency is not None and s.discriminative_efficiency < EFFICIENCY_LOW:
        flags.append("efficiency_low")
    return flags


def item_statistics(responses: Iterable[Response],
                    kinds: Mapping[Hashable, tuple[str, int]] | None = None) -> dict[Hashable, ItemStats]:
    """Statistics per item; ``kinds`` maps item → (type, options count) for the random-guess score."""
    responses = list(responses)
    totals: dict[Hashable, float] = defaultdict(float)
    for r in responses:
        totals[r.attempt] += r.mark
    by_item: dict[Hashable, list[Response]] = defaultdict(list)
    for r in responses:
        by_item[r.item].append(r)
    out: dict[Hashable, ItemStats] = {}
    for item, rs in by_item.items():
        marks = [r.mark for r in rs]
        rest = [totals[r.attempt] - r.mark for r in rs]  # the "corrected" total: the rest of the attempt
        n = len(rs)
        sd = disc = eff = None
        if n > 1:
            var_x, var_rest, cov = _sample_cov(marks, marks), _sample_cov(rest, rest), _sample_cov(marks, rest)
            sd = math.sqrt(var_x)
            disc = cov / math.sqrt(var_x * var_rest) if var_x * var_rest else None
            cov_max = _sample_cov(sorted(marks), sorted(rest))  # best ordering the marginals allow
            eff = cov / cov_max if cov_max else None
        kind = (kinds or {}).get(item)
        elapsed = [r.elapsed_ms for r in rs if r.elapsed_ms is not None]
        stats = ItemStats(item, n, sum(marks) / n, sd, disc, eff,
                          random_guess_score(*kind) if kind else None,
                          dict(Counter(choice_label(r.choice) for r in rs)),
                          statistics.median(elapsed) if elapsed else None)
        stats.flags = _flags(stats)
        out[item] = stats
    return out


def cronbach_alpha(scores: Sequence[Sequence[float]]) -> float | None:
    """Cronbach's α for a fixed set: rows are attempts, columns items; None when undefined."""
    if len(scores) < 2 or len(scores[0]) < 2:
        return None
    k = len(scores[0])
    if any(len(row) != k for row in scores):
        raise ValueError("every attempt must have a mark for every item of the fixed set")
    columns = list(zip(*scores, strict=True))
    total_var = _sample_cov([sum(r) for r in scores], [sum(r) for r in scores])
    if not total_var:
        return None
    return k / (k - 1) * (1 - sum(_sample_cov(c, c) for c in columns) / total_var)
