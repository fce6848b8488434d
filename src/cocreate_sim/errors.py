"""Errors a user can make, reported as one clear paragraph (never a traceback)."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user gave us: a file, a key, a value.

    The command line prints ``str(error)`` as one paragraph and exits with
    status 2. The message names the file, the key (and line where known), and
    what is allowed.
    """
