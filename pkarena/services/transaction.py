"""One use case, one transaction: commit when it succeeds, roll back when it fails, conflicts as the service's error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


@contextmanager
def use_case(session: Session, on_conflict: Callable[[], Exception]) -> Iterator[None]:
    """Commit the block's changes when it returns, roll them back when it raises.

    An IntegrityError (a unique row that another request inserted meanwhile) is rolled back and raised as
    `on_conflict()`, the service's own error with a Chinese message; it is called after the rollback, so it
    may look up what clashed.
    """
    try:
        yield
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise on_conflict() from exc
    except BaseException:
        session.rollback()
        raise
