"""Errors a person can act on: one line naming what is wrong and where."""

from __future__ import annotations


class UserError(Exception):
    """Bad input from the person (config, checklist, answers, session, URL).

    The CLI prints `str(err)` on one line and exits with `exit_code`; never a traceback.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None):
        self.message = message
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)


class SessionError(UserError):
    """A session file that cannot be used as it is; the file is always left untouched."""
