"""In-match scoring (PK and live rounds): speed counts, per DESIGN §5."""

from __future__ import annotations


def answer_score(correct: bool, elapsed_ms: int, limit_ms: int) -> int:
    """`round(100 × (1 − (t/T)/2))` for a correct answer within the limit, else 0."""
    if not correct or elapsed_ms > limit_ms or limit_ms <= 0:
        return 0
    t = max(elapsed_ms, 0)
    return round(100 * (1 - (t / limit_ms) / 2))
