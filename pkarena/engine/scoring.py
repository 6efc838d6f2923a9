"""In-match scoring (PK and live rounds): speed counts, per DESIGN §5."""

from __future__ import annotations

MAX_SCORE = 100
MIN_CORRECT_SCORE = 50  # a correct answer at the very last millisecond


def answer_score(correct: bool, elapsed_ms: int, limit_ms: int) -> int:
    """`round(100 × (1 − (t/T)/2))` for a correct answer within the limit (halves round up), else 0."""
    if not correct or limit_ms <= 0 or elapsed_ms > limit_ms:
        return 0
    t = max(int(elapsed_ms), 0)
    limit = int(limit_ms)
    # Exact integer arithmetic: 100 − 50·t/T + ½, floored. The float formula rounds exact halves
    # either way depending on representation error (98.5 → 98 but 57.5 → 57 and 99.5 → 100).
    return (201 * limit - 100 * t) // (2 * limit)
