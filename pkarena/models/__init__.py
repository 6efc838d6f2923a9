"""SQLAlchemy models of PK Arena, all on question_bank's one metadata."""

from pkarena.models.contest import Contest, ContestOrg, ContestResultRow, ContestSeries
from pkarena.models.ledger import AuditLog, LedgerEntry
from pkarena.models.member import Invite, Member, Membership, ScreenToken
from pkarena.models.org import JointGroup, JointGroupOrg, Org, Pairing
from pkarena.models.snapshot import MonthlySnapshot, SnapshotRow
from question_bank.db import Base

metadata = Base.metadata

__all__ = [
    "AuditLog",
    "Base",
    "Contest",
    "ContestOrg",
    "ContestResultRow",
    "ContestSeries",
    "Invite",
    "JointGroup",
    "JointGroupOrg",
    "LedgerEntry",
    "Member",
    "Membership",
    "MonthlySnapshot",
    "Org",
    "Pairing",
    "ScreenToken",
    "SnapshotRow",
    "metadata",
]
