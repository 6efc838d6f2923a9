"""Game modes as a registry: each played source's engine class (engine/sources.py holds the source itself).

A class gives a mode's shape (from the rules table), in-match scoring and what the ledger is told.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pkarena.engine import scoring
from pkarena.engine.rules import DEFAULT_RULES, RuleSet

GRACE_MS = 20_000  # a phone that drops out may come back within this and keep its seat
GAP_MS = 3_000  # the reveal stays on screen this long before the next question opens
CHALLENGE_MAX_QUESTIONS = 30  # a challenge run ends after this many even without a miss


@dataclass(frozen=True)
class Mode:
    """A mode's shape and how it scores; subclasses only override what differs."""

    name: ClassVar[str]
    seats: ClassVar[int] = 1
    questions: int
    limit_ms: int
    players: int
    revives: int | None = None  # None: not sudden death
    once_a_day: ClassVar[bool] = False  # one run per member and local day: starting again resumes it
    gap_ms: int = GAP_MS
    grace_ms: int = GRACE_MS

    @property
    def sudden_death(self) -> bool:
        """True when a miss (beyond the revives) ends the run."""
        return self.revives is not None

    def score(self, correct: bool, elapsed_ms: int, limit_ms: int) -> int:
        """In-match points of one answer; solo runs count correct answers."""
        return 1 if correct else 0

    def outcome(self, place: int, shared_first: bool, correct: int, bot: bool) -> dict[str, Any]:
        """What the ledger is told about one player's result."""
        return {"correct": correct, "bot": bot}

    @classmethod
    def from_rules(cls, rules: RuleSet) -> Mode:
        """The mode shaped by a rule set's params."""
        p: Mapping[str, Any] = rules.rule(cls.name).params
        return cls(questions=int(p["questions"]), limit_ms=int(p["limit_s"]) * 1000, players=cls.seats)


class Daily(Mode):
    """每日答题: a solo run of fixed length, one point per correct answer."""

    name: ClassVar[str] = "daily"
    once_a_day: ClassVar[bool] = True


class Challenge(Mode):
    """挑战答题: sudden death with revives; the outcome is the run's count of correct answers."""

    name: ClassVar[str] = "challenge"

    def outcome(self, place: int, shared_first: bool, correct: int, bot: bool) -> dict[str, Any]:
        """The streak (correct answers in the run) for the ledger."""
        return {"streak": correct, "bot": bot}

    @classmethod
    def from_rules(cls, rules: RuleSet) -> Mode:
        """Limit and revives from the rules; the run is long enough for the top streak tier."""
        p = rules.rule(cls.name).params
        return cls(questions=CHALLENGE_MAX_QUESTIONS, limit_ms=int(p["limit_s"]) * 1000, players=1,
                   revives=int(p["revives"]))


class PK1v1(Mode):
    """双人对战: two players, speed counts; the winner is the only player in first place."""

    name: ClassVar[str] = "pk1v1"
    seats: ClassVar[int] = 2

    def score(self, correct: bool, elapsed_ms: int, limit_ms: int) -> int:
        """Speed-weighted points (DESIGN §5)."""
        return scoring.answer_score(correct, elapsed_ms, limit_ms)

    def outcome(self, place: int, shared_first: bool, correct: int, bot: bool) -> dict[str, Any]:
        """A shared first place (a perfect tie) is no win for either player."""
        return {"won": place == 1 and not shared_first, "correct": correct, "bot": bot}


class PK4(PK1v1):
    """四人赛: four players, speed counts; the ledger gets the place."""

    name: ClassVar[str] = "pk4"
    seats: ClassVar[int] = 4

    def outcome(self, place: int, shared_first: bool, correct: int, bot: bool) -> dict[str, Any]:
        """The place (shared places count as that place)."""
        return {"place": place, "correct": correct, "bot": bot}


MODE_CLASSES: dict[str, type[Mode]] = {cls.name: cls for cls in (Daily, Challenge, PK1v1, PK4)}
MODES: dict[str, Mode] = {name: cls.from_rules(DEFAULT_RULES) for name, cls in MODE_CLASSES.items()}
