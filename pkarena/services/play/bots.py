"""Demo only: seat bot members (陪练机器人) beside members who waited too long in a PK queue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from pkarena.clock import Clock
from pkarena.engine import bots as bot_rules
from pkarena.engine import contests as contest_rules
from pkarena.engine import match as engine
from pkarena.engine.modes import MODES
from pkarena.services.demo.seed import ensure_bots
from pkarena.services.play import matches as play
from pkarena.services.play import matchmaking
from pkarena.store.base import Store


def fill(session: Session, store: Store, clock: Clock,
         wait_ms: int = bot_rules.QUEUE_WAIT_MS) -> list[tuple[engine.Match, play.Outcome]]:
    """Take members who waited `wait_ms` out of their queues and start their matches with bots in the empty seats."""
    # A contest queue first holds out for the other side, then for anyone in the contest: bots come after that.
    gone = matchmaking.sweep(store, play.now_ms(clock), wait_ms,
                             contest_timeout_ms=wait_ms + contest_rules.CROSS_ORG_WAIT_MS)
    if not gone:
        return []
    bot_ids = [b.id for b in ensure_bots(session, clock)]
    waiting: dict[tuple[str, str], list[int]] = {}
    for timed_out in gone:  # members who timed out in the same queue play together before bots are added
        waiting.setdefault((timed_out.mode, timed_out.scope), []).append(int(timed_out.member))
    started = []
    for (mode, _scope), members in sorted(waiting.items()):
        seats = MODES[mode].players
        for first in range(0, len(members), seats):
            group = members[first:first + seats]
            started.append(play.start(session, store, clock, mode, group, bot_ids=bot_ids[:seats - len(group)]))
    return started
