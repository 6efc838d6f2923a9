"""Invite links with QR codes; members open them on the phone and register themselves."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("invites", __name__)
