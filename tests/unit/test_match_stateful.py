"""Hypothesis drives random answers, waits, drops and round trips; the engine's invariants must hold."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from pkarena.engine import match as m
from pkarena.engine.modes import MODES

SECRET_TEXT = "SECRET-解析"


class MatchMachine(RuleBasedStateMachine):
    """A pk4 (or other mode) match poked by players and time; shadow records check every event."""

    @initialize(mode=st.sampled_from(sorted(MODES)))
    def start(self, mode: str) -> None:
        shape = replace(MODES[mode], questions=min(MODES[mode].questions, 6), grace_ms=4_000, gap_ms=1_000)
        seats = [m.Player(str(i)) for i in range(shape.players)]
        public = [m.PublicQuestion(i, "single", f"题{i}", ["甲", "乙", "丙"], 0) for i in range(shape.questions)]
        secrets = [m.Secret("ABC"[i % 3], f"{SECRET_TEXT}{i}") for i in range(shape.questions)]
        self.match = m.Match("hm", shape, seats, public, secrets)
        self.now = 0
        self.accepted: dict[tuple[str, int], int] = {}  # (player, index) → score
        self.closed: set[int] = set()
        self.opened: dict[int, dict] = {}
        self.ended = False
        self.observe(self.match.start(self.now))

    def observe(self, events: list) -> None:
        """Check each event as it is emitted."""
        for event in events:
            assert not self.ended, "nothing is emitted after the end"
            if isinstance(event, m.QuestionOpened):
                payload = json.dumps(event.payload(), ensure_ascii=False)
                assert SECRET_TEXT not in payload and "answer" not in event.payload()
                assert event.index not in self.closed
                # Everyone gets the same question: one question per index, whoever asks.
                self.opened.setdefault(event.index, event.payload())
                assert {k: v for k, v in event.payload().items() if k != "deadline"} == {
                    k: v for k, v in self.opened[event.index].items() if k != "deadline"}
            elif isinstance(event, m.QuestionClosed):
                assert event.index in self.opened and event.index not in self.closed, "a reveal only after close"
                self.closed.add(event.index)
                for player, ans in event.results.items():
                    self.accepted.setdefault((player, event.index), ans.score)
                    assert self.accepted[(player, event.index)] == ans.score
            elif isinstance(event, m.MatchEnded):
                self.ended = True

    @rule(player=st.integers(0, 3), index=st.integers(-1, 6), choice=st.sampled_from(["A", "B", "C", "D", None]),
          wait=st.integers(0, 6_000))
    def answer(self, player: int, index: int, choice: str | None, wait: int) -> None:
        self.now += wait
        was_closed = index in self.closed
        result = self.match.answer(str(player), index, choice, self.now)
        if result.accepted:
            key = (str(player), index)
            assert not was_closed, "nothing is accepted after close"
            assert key not in self.accepted, "one answer per player per question"
            self.accepted[key] = result.answer.score
        self.observe(result.events)

    @rule(wait=st.integers(0, 12_000))
    def wait(self, wait: int) -> None:
        self.now += wait
        self.observe(self.match.tick(self.now))

    @rule(player=st.integers(0, 3))
    def drop(self, player: int) -> None:
        self.match.disconnect(str(player), self.now)

    @rule(player=st.integers(0, 3))
    def come_back(self, player: int) -> None:
        events = self.match.reconnect(str(player), self.now)
        for event in events:
            if isinstance(event, m.QuestionOpened) and event.index in self.opened:
                assert SECRET_TEXT not in json.dumps(event.payload(), ensure_ascii=False)
            else:
                self.observe([event])

    @rule()
    def round_trip(self) -> None:
        state = json.loads(json.dumps(self.match.to_state()))
        self.match = m.Match.from_state(state)
        assert self.match.to_state() == state

    @invariant()
    def totals_are_the_sum_of_question_scores(self) -> None:
        totals = self.match.totals()
        for player in totals:
            assert totals[player] == sum(s for (p, _i), s in self.accepted.items() if p == player)

    @invariant()
    def each_answer_slot_holds_at_most_one_answer_per_player(self) -> None:
        for index, got in enumerate(self.match.answers):
            assert set(got) <= {p.id for p in self.match.players}
            if index in self.closed or self.match.over:
                continue
            for player in got:
                assert (player, index) in self.accepted


MatchMachine.TestCase.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestMatchInvariants = MatchMachine.TestCase
