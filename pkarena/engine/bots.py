"""Demo bots (陪练机器人): when a seated bot answers the open question and what it picks (plain Python).

A bot's move is a seeded draw from (match id, question index, bot id), so every process that looks at
the same match computes the same move, and a test can predict it. Bots exist only in the demo; they
are never awarded (the ledger's rule gives a bot 0 with reason `bot`) and never on boards.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from pkarena.engine.match import Match

QUEUE_WAIT_MS = 8_000  # a demo queue entry that waited this long gets its empty seats filled by bots
ACCURACY = 0.7  # share of questions a bot gets right: beatable, but not a pushover
MIN_DELAY_MS = 1_500  # the fastest a bot "reads" a question
MAX_DELAY_SHARE = 0.7  # and it always answers before 70% of the time limit
LETTERS = "ABCDEFGH"


@dataclass(frozen=True)
class Move:
    """Bot `player` answers question `index` with `choice` at server time `at`."""

    player: str
    index: int
    at: int
    choice: Any


def _right(qtype: str, answer: Any) -> Any:
    if qtype == "fill":  # canonical fill answers list accepted alternatives per blank: say the first
        return [alts[0] if isinstance(alts, list) else alts for alts in answer]
    return answer


def _wrong(qtype: str, answer: Any, options: list[str], blanks: int) -> Any:
    letters = list(LETTERS[:max(len(options), 2)])
    if qtype == "judge":
        return not answer
    if qtype == "single":
        return next(letter for letter in letters if letter != answer)
    if qtype == "multiple":  # one letter is never a complete multiple-choice answer
        return [letters[0]]
    return ["不知道"] * max(blanks, 1)


def move(match: Match, player: str) -> Move:
    """The bot's move on the match's current question (seeded, the same in every process)."""
    index = match.index
    rng = random.Random(f"{match.match_id}:{index}:{player}")
    longest = max(int(match.mode.limit_ms * MAX_DELAY_SHARE), MIN_DELAY_MS)
    delay = rng.randint(min(MIN_DELAY_MS, longest), longest)
    question, secret = match.questions[index], match.secrets[index]
    correct = rng.random() < ACCURACY
    choice = (_right(question.type, secret.answer) if correct
              else _wrong(question.type, secret.answer, question.options, question.blanks))
    return Move(player, index, match.opened_at + delay, choice)


def pending(match: Match) -> list[Move]:
    """Moves of seated bots that have not answered the open question yet, earliest first."""
    if match.over or match.closed:
        return []
    answered = match.answers[match.index]
    moves = [move(match, p.id) for p in match.players if p.bot and p.id not in match.out and p.id not in answered]
    return sorted(moves, key=lambda m: (m.at, m.player))


def due(match: Match, now: int) -> list[Move]:
    """The pending moves whose time has come by `now`."""
    return [m for m in pending(match) if m.at <= now]


def answer_time(match: Match, move: Move) -> int:
    """When a due move counts: its own time, never before an answer already recorded (time runs forward)."""
    latest = max((match.opened_at + a.elapsed_ms for a in match.answers[match.index].values()
                  if a.elapsed_ms is not None), default=move.at)
    return min(max(move.at, latest), match.deadline)


def next_move_at(match: Match) -> int | None:
    """When the next bot answers (server ms), or None if no bot is waiting to answer."""
    moves = pending(match)
    return moves[0].at if moves else None
