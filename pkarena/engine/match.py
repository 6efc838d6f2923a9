"""The match state machine shared by every mode: questions, answers at server time, reveal, end (plain Python)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from pkarena.engine.modes import MODE_CLASSES, Mode
from question_bank.types import check_answer

# Stable refusal codes of `Match.answer` (the realtime layer maps them to Chinese messages).
ALREADY_ANSWERED = "ALREADY_ANSWERED"
QUESTION_CLOSED = "QUESTION_CLOSED"
NOT_IN_MATCH = "NOT_IN_MATCH"
WRONG_INDEX = "WRONG_INDEX"
MATCH_OVER = "MATCH_OVER"

WAITING, RUNNING, ENDED, ABORTED = "waiting", "running", "ended", "aborted"


@dataclass(frozen=True)
class PublicQuestion:
    """What a client may see of a question before it closes: never the answer or the explanation."""

    version_id: int
    type: str
    stem: str
    options: list[str]
    blanks: int

    def payload(self) -> dict[str, Any]:
        """The client-safe fields."""
        return {"type": self.type, "stem": self.stem, "options": list(self.options), "blanks": self.blanks}


@dataclass(frozen=True)
class Secret:
    """The part of a question the server keeps until the reveal."""

    answer: Any
    explanation: str | None


@dataclass(frozen=True)
class Player:
    """A seat: a member id as text, or a bot."""

    id: str
    bot: bool = False


@dataclass(frozen=True)
class Answer:
    """One player's scored answer to one question (choice None: no answer before the deadline)."""

    choice: Any
    correct: bool
    elapsed_ms: int | None
    score: int


# --- events the engine returns (the realtime layer emits them; the engine never does) --------------
@dataclass(frozen=True)
class MatchStarted:
    """The match has its players and questions."""

    match_id: str
    mode: str
    players: list[str]
    questions: int

    def payload(self) -> dict[str, Any]:
        """The `match.start` payload."""
        return asdict(self)


@dataclass(frozen=True)
class QuestionOpened:
    """Question `index` is open until `deadline` (server ms)."""

    match_id: str
    index: int
    question: PublicQuestion
    limit_ms: int
    deadline: int

    def payload(self) -> dict[str, Any]:
        """The `question` payload: client-safe fields only."""
        return {"match_id": self.match_id, "index": self.index, **self.question.payload(),
                "limit_ms": self.limit_ms, "deadline": self.deadline}


@dataclass(frozen=True)
class QuestionClosed:
    """Question `index` is closed for everyone; the reveal may be sent."""

    match_id: str
    index: int
    version_id: int
    answer: Any
    explanation: str | None
    results: dict[str, Answer]
    opened_at: int
    closed_at: int

    def payload(self) -> dict[str, Any]:
        """The `reveal` payload."""
        return {"match_id": self.match_id, "index": self.index, "answer": self.answer,
                "explanation": self.explanation, "results": {p: asdict(a) for p, a in self.results.items()}}


@dataclass(frozen=True)
class PlayerForfeited:
    """A player stayed away longer than the grace period and lost the seat."""

    match_id: str
    player: str


@dataclass(frozen=True)
class Standing:
    """A player's final line: place, total, summed answer time and the outcome for the ledger."""

    player: str
    place: int
    total: int
    time_ms: int
    correct: int
    forfeited: bool
    outcome: dict[str, Any]


@dataclass(frozen=True)
class MatchEnded:
    """The match is over (`aborted`: nobody is left to award)."""

    match_id: str
    mode: str
    standings: list[Standing]
    aborted: bool = False

    def payload(self) -> dict[str, Any]:
        """The `match.end` payload without awards (the service adds them)."""
        return {"match_id": self.match_id, "standings": [asdict(s) for s in self.standings], "aborted": self.aborted}


Event = MatchStarted | QuestionOpened | QuestionClosed | PlayerForfeited | MatchEnded


@dataclass(frozen=True)
class AnswerResult:
    """Accepted (code "") or refused with a stable code; events caused by the answer or by elapsed time."""

    code: str
    events: list[Event]
    answer: Answer | None = None

    @property
    def accepted(self) -> bool:
        """True if the answer counted."""
        return not self.code


@dataclass
class Match:
    """One run or match; all times are server milliseconds passed in as `now`."""

    match_id: str
    mode: Mode
    players: list[Player]
    questions: list[PublicQuestion]
    secrets: list[Secret]
    status: str = WAITING
    index: int = -1
    opened_at: int = 0
    deadline: int = 0
    closed: bool = True
    next_open_at: int | None = None
    answers: list[dict[str, Answer]] = field(default_factory=list)
    revives_left: dict[str, int] = field(default_factory=dict)
    out: dict[str, str] = field(default_factory=dict)  # player → "eliminated" | "forfeited"
    away_since: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.questions) != len(self.secrets) or not self.questions:
            raise ValueError("a match needs questions, each with its secret")
        if len({p.id for p in self.players}) != len(self.players) or not self.players:
            raise ValueError("a match needs distinct players")
        if not self.revives_left and self.mode.revives is not None:
            self.revives_left = {p.id: self.mode.revives for p in self.players}

    # --- queries -------------------------------------------------------------------------------------
    @property
    def over(self) -> bool:
        """True once ended or aborted."""
        return self.status in (ENDED, ABORTED)

    def player(self, player_id: str) -> Player | None:
        """The seat of `player_id`, or None."""
        return next((p for p in self.players if p.id == player_id), None)

    def active(self) -> list[str]:
        """Players still answering (not eliminated, not forfeited)."""
        return [p.id for p in self.players if p.id not in self.out]

    def totals(self) -> dict[str, int]:
        """Each player's total: the sum of per-question scores."""
        return {p.id: sum(a[p.id].score for a in self.answers if p.id in a) for p in self.players}

    def current_question(self, now: int) -> QuestionOpened | None:
        """The open question with its deadline (for a player who reconnects), or None."""
        if self.status != RUNNING or self.closed:
            return None
        return QuestionOpened(self.match_id, self.index, self.questions[self.index], self.mode.limit_ms, self.deadline)

    # --- transitions ---------------------------------------------------------------------------------
    def start(self, now: int) -> list[Event]:
        """Open the first question."""
        if self.status != WAITING:
            return []
        self.status = RUNNING
        events: list[Event] = [MatchStarted(self.match_id, self.mode.name, [p.id for p in self.players],
                                            len(self.questions))]
        return events + self._open(0, now)

    def answer(self, player_id: str, index: int, choice: Any, now: int) -> AnswerResult:
        """Score `choice` at server time `now`; refused answers change nothing."""
        events = self.tick(now)
        seat = self.player(player_id)
        if seat is None or self.out.get(player_id) == "forfeited":
            return AnswerResult(NOT_IN_MATCH, events)
        if self.over or player_id in self.out:
            return AnswerResult(MATCH_OVER, events)
        if index != self.index:
            return AnswerResult(WRONG_INDEX, events)
        if self.closed:
            return AnswerResult(QUESTION_CLOSED, events)
        if player_id in self.answers[index]:
            return AnswerResult(ALREADY_ANSWERED, events)
        elapsed = max(now - self.opened_at, 0)
        correct = check_answer(self.questions[index].type, self.secrets[index].answer, choice)
        scored = Answer(choice, correct, elapsed, self.mode.score(correct, elapsed, self.mode.limit_ms))
        self.answers[index][player_id] = scored
        self.away_since.pop(player_id, None)  # an answer proves the player is here
        if all(p in self.answers[index] for p in self.active()):
            events += self._close(now)
            events += self.tick(now)
        return AnswerResult("", events, scored)

    def tick(self, now: int) -> list[Event]:
        """Advance by time: forfeit absent players, close at the deadline, open the next question."""
        events: list[Event] = []
        while self.status == RUNNING:
            step = self._step(now)
            if not step:
                break
            events += step
        return events

    def disconnect(self, player_id: str, now: int) -> None:
        """Note that a player's connection dropped; the seat is kept for the grace period."""
        if self.player(player_id) and player_id not in self.out:
            self.away_since.setdefault(player_id, now)

    def reconnect(self, player_id: str, now: int) -> list[Event]:
        """A player is back: within the grace period they keep the seat and get the open question."""
        events = self.tick(now)
        if self.player(player_id) is None or player_id in self.out:
            return events
        self.away_since.pop(player_id, None)
        current = self.current_question(now)
        return events + ([current] if current else [])

    def abort(self) -> list[Event]:
        """End without awards (nobody left, or the server gives up on the match)."""
        if self.over:
            return []
        self.status = ABORTED
        self.closed = True
        return [MatchEnded(self.match_id, self.mode.name, [], aborted=True)]

    # --- internals -----------------------------------------------------------------------------------
    def _step(self, now: int) -> list[Event]:
        for player, since in sorted(self.away_since.items()):
            if now - since >= self.mode.grace_ms:
                return self._forfeit(player, now)
        if not self.closed and now > self.deadline:
            return self._close(self.deadline)
        if self.closed and self.next_open_at is not None and now >= self.next_open_at:
            return self._open(self.index + 1, self.next_open_at)
        return []

    def _open(self, index: int, at: int) -> list[Event]:
        self.index, self.opened_at, self.deadline = index, at, at + self.mode.limit_ms
        self.closed, self.next_open_at = False, None
        self.answers.append({})
        return [QuestionOpened(self.match_id, index, self.questions[index], self.mode.limit_ms, self.deadline)]

    def _close(self, at: int) -> list[Event]:
        index = self.index
        got = self.answers[index]
        for player in self.active():
            got.setdefault(player, Answer(None, False, None, 0))
        self.closed = True
        secret = self.secrets[index]
        events: list[Event] = [QuestionClosed(self.match_id, index, self.questions[index].version_id,
                                              secret.answer, secret.explanation, dict(got), self.opened_at, at)]
        if self.mode.sudden_death:
            for player in self.active():
                if not got[player].correct:
                    if self.revives_left.get(player, 0) > 0:
                        self.revives_left[player] -= 1
                    else:
                        self.out[player] = "eliminated"
        if not self.active() or index + 1 >= len(self.questions) or self._decided():
            return events + self._end()
        self.next_open_at = at + self.mode.gap_ms
        return events

    def _decided(self) -> bool:
        # A multi-seat match with one player left (the others forfeited) is won by that player.
        return len(self.players) > 1 and len(self.active()) == 1

    def _forfeit(self, player: str, now: int) -> list[Event]:
        self.away_since.pop(player, None)
        self.out[player] = "forfeited"
        events: list[Event] = [PlayerForfeited(self.match_id, player)]
        if all(self.out.get(p.id) == "forfeited" or p.bot for p in self.players):
            return events + self.abort()
        if not self.closed and all(p in self.answers[self.index] for p in self.active()):
            return events + self._close(now)
        if self._decided() or not self.active():
            return events + self._end()
        return events

    def _end(self) -> list[Event]:
        self.status, self.closed, self.next_open_at = ENDED, True, None
        return [MatchEnded(self.match_id, self.mode.name, self.standings())]

    def standings(self) -> list[Standing]:
        """Places by total, ties by smaller summed answer time (a miss counts the full limit); forfeits last."""
        totals = self.totals()
        rows = []
        for p in self.players:
            mine = [a[p.id] for a in self.answers if p.id in a]
            time_ms = sum(a.elapsed_ms if a.elapsed_ms is not None else self.mode.limit_ms for a in mine)
            forfeited = self.out.get(p.id) == "forfeited"
            rows.append((p, forfeited, totals[p.id], time_ms, sum(a.correct for a in mine)))
        key = [(f, -t, ms) for _, f, t, ms, _ in rows]
        places = [1 + sum(1 for other in key if other < mine) for mine in key]
        shared_first = places.count(1) > 1
        return sorted(
            (Standing(p.id, place, total, ms, correct, f, self.mode.outcome(place, shared_first, correct, p.bot))
             for (p, f, total, ms, correct), place in zip(rows, places, strict=True)),
            key=lambda s: (s.place, s.player))

    # --- serialisation -------------------------------------------------------------------------------
    def to_state(self) -> dict[str, Any]:
        """A JSON-able dict the Store can hold between processes (shallow: it is serialised at once)."""
        # vars() rather than dataclasses.asdict: asdict deep-copies every value, and this runs on every
        # answer and tick (a tenth of the server's CPU in the PK bench's profile).
        return {
            "match_id": self.match_id, "mode": self.mode.name, "shape": vars(self.mode).copy(), "status": self.status,
            "index": self.index,
            "players": [vars(p).copy() for p in self.players],
            "questions": [vars(q).copy() for q in self.questions],
            "secrets": [vars(s).copy() for s in self.secrets],
            "opened_at": self.opened_at, "deadline": self.deadline, "closed": self.closed,
            "next_open_at": self.next_open_at,
            "answers": [{p: vars(a).copy() for p, a in got.items()} for got in self.answers],
            "revives_left": self.revives_left, "out": self.out, "away_since": self.away_since,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Match:
        """Rebuild a match from `to_state()` output (the mode with the shape it started with)."""
        return cls(
            match_id=state["match_id"], mode=MODE_CLASSES[state["mode"]](**state["shape"]), status=state["status"], index=state["index"],
            players=[Player(**p) for p in state["players"]],
            questions=[PublicQuestion(**q) for q in state["questions"]],
            secrets=[Secret(**s) for s in state["secrets"]],
            opened_at=state["opened_at"], deadline=state["deadline"], closed=state["closed"],
            next_open_at=state["next_open_at"],
            answers=[{p: Answer(**a) for p, a in got.items()} for got in state["answers"]],
            revives_left=dict(state["revives_left"]), out=dict(state["out"]), away_since=dict(state["away_since"]),
        )
