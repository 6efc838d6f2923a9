"""Organizer and admin pages (desktop): dashboard, org tree, members, import, invites, pairings, audit."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Each module adds its routes to bp when imported.
from pkarena.web.admin import (  # noqa: E402,F401
    audit,
    boards,
    contests,
    dashboard,
    helpers,
    invites,
    joint_groups,
    member_import,
    members,
    orgs,
    pairings,
    points,
    screens,
    snapshots,
)
