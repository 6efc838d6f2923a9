"""Every Store key and TTL is built here (and listed in docs/store-keys.md); nothing else spells one."""

from __future__ import annotations

import uuid

# One prefix for the whole app, so a shared Redis can hold other tenants and a SCAN stays scoped.
PREFIX = "pk:"

# TTLs in seconds. Boards themselves never expire: they are rebuilt from the ledger on demand.
MATCH_STATE_TTL = 2 * 3600  # an abandoned match's live state must not linger forever
TMP_TTL = 600  # a temp board left by a crashed rebuild cleans itself up
QB_IMPORT_PROGRESS_TTL = 3600  # an import's progress and result are read within the hour
MEMBER_IMPORT_PROGRESS_TTL = 3600  # likewise; generated passwords leave it at the first look anyway
DEFAULT_LEASE_TTL = 30.0  # a worker job renews its lease well within this


def _join(*parts: object) -> str:
    """Join parts with ':' under the prefix; an empty part would make two keys collide, so refuse it."""
    text = [str(p) for p in parts]
    if any(not p for p in text):
        raise ValueError(f"empty key part in {text!r}")
    return PREFIX + ":".join(text)


# --- boards -------------------------------------------------------------------------------------
BOARD_KINDS = ("members", "orgs")


def scope_all() -> str:
    """Board scope: everyone."""
    return "all"


def scope_org(org_id: int) -> str:
    """Board scope: the subtree of one org."""
    return f"org:{int(org_id)}"


def contest_side_key(contest_id: int, org_id: int) -> str:
    """`pk:board:contest:{id}:org:{org_id}`: member → points a contest counts for one participating side."""
    return _join("board", "contest", int(contest_id), "org", int(org_id))


def contest_board_prefix(contest_id: int | None = None) -> str:
    """Prefix of every contest side board, or of one contest's."""
    return _join("board", "contest", int(contest_id)) + ":" if contest_id is not None else PREFIX + "board:contest:"


def contest_version_key() -> str:
    """`pk:counter:contests:version`: bumped when a contest is published or changed (award paths reload)."""
    return counter_key("contests", "version")


def period_day(day_key: str) -> str:
    """Board period for a local day `YYYY-MM-DD` (see Clock.day_key)."""
    return f"day:{day_key}"


def period_month(month_key: str) -> str:
    """Board period for a local month `YYYY-MM` (see Clock.month_key)."""
    return f"month:{month_key}"


PERIOD_ALL = "all"


def board_key(kind: str, scope: str, period: str) -> str:
    """`pk:board:{kind}:{scope}:{period}`, e.g. `pk:board:members:org:7:day:2026-11-25`."""
    if kind not in BOARD_KINDS:
        raise ValueError(f"unknown board kind {kind!r}; expected one of {BOARD_KINDS}")
    return _join("board", kind, scope, period)


def board_prefix(kind: str | None = None) -> str:
    """Prefix for `Store.board_keys`: all boards, or all boards of one kind."""
    return _join("board", kind) + ":" if kind else PREFIX + "board:"


def tmp_key(key: str) -> str:
    """A unique scratch key for building `key` before an atomic RENAME."""
    return _join("tmp", uuid.uuid4().hex, key.removeprefix(PREFIX))


# --- counters, leases, queues, state -----------------------------------------------------------
def counter_key(name: str, *parts: object) -> str:
    """`pk:counter:{name}:{parts...}`, e.g. `pk:counter:pk1v1:member:12:2026-11-25`."""
    return _join("counter", name, *parts)


def lease_key(name: str) -> str:
    """`pk:lease:{name}`, e.g. `pk:lease:job:freeze:2026-10`."""
    return _join("lease", name)


def queue_key(mode: str, scope: str) -> str:
    """`pk:queue:{mode}:{scope}`, e.g. `pk:queue:pk4:open` or `pk:queue:pk1v1:tree:3`."""
    return _join("queue", mode, scope)


def state_key(kind: str, id: object) -> str:
    """`pk:state:{kind}:{id}`, e.g. `pk:state:match:9f2c…`."""
    return _join("state", kind, id)


def hash_key(kind: str, id: object, field_set: str) -> str:
    """`pk:hash:{kind}:{id}:{field_set}`, e.g. `pk:hash:duel:{code}:claim`."""
    return _join("hash", kind, id, field_set)


# --- play: matchmaking, duel invitations, matches -------------------------------------------------
QUEUE_ENTRY_TTL = 15 * 60  # a member's "I am queued" mark outlives any queue timeout, never a crash
DUEL_INVITE_TTL = 10 * 60  # a 好友对战 link is good for ten minutes
MATCH_LEASE_TTL = 5.0  # one process mutates a match at a time; a crashed holder blocks it this long at most


def queued_member_key(member_id: object) -> str:
    """`pk:state:queued:{member_id}`: the one queue a member waits in, and since when."""
    return state_key("queued", member_id)


def queue_registry_key() -> str:
    """`pk:hash:matchmaking:all:queues`: every queue key that ever had a member (for the sweep)."""
    return hash_key("matchmaking", "all", "queues")


def duel_invite_key(code: str) -> str:
    """`pk:state:duel:{code}`: a 好友对战 invitation (host member id, created at)."""
    return state_key("duel", code)


def duel_claim_key(code: str) -> str:
    """`pk:hash:duel:{code}:claim`: first-writer-wins field `guest`, so one colleague accepts."""
    return hash_key("duel", code, "claim")


def match_state_key(match_id: str) -> str:
    """`pk:state:match:{match_id}`: the engine's `Match.to_state()`."""
    return state_key("match", match_id)


def playing_member_key(member_id: object) -> str:
    """`pk:state:playing:{member_id}`: the match a member is seated in, so a reconnect finds it."""
    return state_key("playing", member_id)


def match_lease_key(match_id: str) -> str:
    """`pk:lease:match:{match_id}`: held while one process loads, mutates and saves the match."""
    return lease_key(f"match:{match_id}")



def match_schedule_key() -> str:
    """`pk:schedule:matches`: every unfinished match at the server time (ms) it next needs a tick."""
    return _join("schedule", "matches")


def match_rescue_key(match_id: str) -> str:
    """`pk:lease:rescue:{match_id}`: one process at a time takes over a match whose driver is gone."""
    return lease_key(f"rescue:{match_id}")

# --- member import -------------------------------------------------------------------------------
def member_import_progress_key(token: str) -> str:
    """`pk:memberimport:{token}`: progress and outcome of one confirmed member import (token of the upload)."""
    return _join("memberimport", token)


# --- question bank ------------------------------------------------------------------------------
def qb_import_progress_key(token: str) -> str:
    """`pk:qbimport:{token}`: progress and outcome of one confirmed question import (token of the upload)."""
    return _join("qbimport", token)
