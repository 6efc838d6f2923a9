"""Uploads waiting between validation and confirmation: a file under a random token kept in the session."""

from __future__ import annotations

import re
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from flask import session as web_session
from flask_login import current_user

TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
STALE_AFTER = 3600  # seconds an uploaded file waits for its confirmation
EXTENSIONS = (".xlsx", ".csv", ".tsv")


@dataclass(frozen=True)
class Staged:
    """A staged upload: its token, where it lies, the name it was uploaded under, and extra values."""

    token: str
    path: Path
    filename: str
    extra: dict[str, Any]


class Staging:
    """One kind of staged upload: files under ``subdir``, remembered in the session under ``session_key``."""

    def __init__(self, session_key: str, subdir: str) -> None:
        self.session_key, self.subdir = session_key, subdir

    def directory(self) -> Path:
        """The staging folder (shared by the processes of one host: IMPORT_STAGING_DIR or the temp dir)."""
        base = current_app.config.get("IMPORT_STAGING_DIR")
        path = Path(base) / self.subdir if base else Path(tempfile.gettempdir()) / f"pkarena-{self.subdir}"
        path.mkdir(parents=True, exist_ok=True)
        return path

    def current(self, token: str | None = None) -> Staged | None:
        """The current user's staged file (optionally only if it has ``token``), if it is still there."""
        info = web_session.get(self.session_key) or {}
        found, ext = info.get("token", ""), info.get("ext", "")
        if info.get("actor") != current_user.id or not TOKEN_RE.match(found) or ext not in EXTENSIONS:
            return None
        if token is not None and not secrets.compare_digest(token, found):
            return None
        path = self.directory() / f"{found}{ext}"
        if not path.is_file():
            return None
        return Staged(found, path, info.get("filename") or path.name, dict(info.get("extra") or {}))

    def stage(self, upload, **extra: Any) -> Staged:
        """Save an upload under a fresh random token remembered in the session; drop stale uploads."""
        self.discard()
        for old in self.directory().iterdir():
            try:
                if old.stat().st_mtime < time.time() - STALE_AFTER:
                    old.unlink(missing_ok=True)
            except FileNotFoundError:  # another process's import finished and removed its file meanwhile
                continue
        filename = (upload.filename or "upload").replace("\\", "/").rsplit("/", 1)[-1][:120]
        ext, token = Path(filename).suffix.lower(), secrets.token_urlsafe(24)
        path = self.directory() / f"{token}{ext}"
        upload.save(path)
        web_session[self.session_key] = {"token": token, "ext": ext, "filename": filename, "actor": current_user.id,
                                         "extra": extra}
        return Staged(token, path, filename, extra)

    def remember(self, **extra: Any) -> None:
        """Add values to the current staged upload's session entry."""
        info = dict(web_session.get(self.session_key) or {})
        if info:
            info["extra"] = {**(info.get("extra") or {}), **extra}
            web_session[self.session_key] = info

    def forget(self) -> None:
        """Drop the session entry but keep the file (a background job still reads it and removes it)."""
        web_session.pop(self.session_key, None)

    def discard(self) -> None:
        """Remove the staged file and the session entry."""
        staged = self.current()
        if staged:
            staged.path.unlink(missing_ok=True)
        web_session.pop(self.session_key, None)

