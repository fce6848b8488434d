"""Model state on the server, one session per open browser page.

The browser holds only a random session id; the models live here, keyed by
that id, each session guarded by its own lock so that overlapping ticks from
one page never step a model twice at once. The number of sessions is capped:
the least recently used one is dropped when a new page opens beyond the cap.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

from ..model import CoCreationModel
from ..params import PARAMETERS, ParameterError, resolve
from .figures import OrgLayout
from .presets import Preset

SESSION_ID_BYTES = 16
"""Random bytes in a session id (32 hex characters): not guessable by another page."""
SESSION_ID = re.compile(rf"^[0-9a-f]{{{2 * SESSION_ID_BYTES}}}$")
"""What a well-formed session id looks like; anything else from the browser is refused."""
MAX_SESSIONS = 24
"""Most pages with a run on the server at once (each holds one or two models in memory)."""


def new_session_id() -> str:
    """A fresh random session id (32 hex characters)."""
    return secrets.token_hex(SESSION_ID_BYTES)


class Session:
    """One page's run: model A, and in side-by-side mode model B with one lever different.

    Both models start from the same preset and the same seed, so the only
    difference between them is the compared lever.
    """

    def __init__(self, preset: Preset) -> None:
        self.lock = threading.Lock()
        self.preset = preset
        self.seed = preset.seed
        self.levers: dict[str, float | int] = {}
        self.compare: tuple[str, float | int] | None = None
        self.models: list[CoCreationModel] = []
        self.layouts: list[OrgLayout] = []
        self.last_used = time.monotonic()
        self.playing = False
        self.rebuild()

    @property
    def horizon(self) -> int:
        return self.preset.steps

    @property
    def week(self) -> int:
        return self.models[0].week

    @property
    def finished(self) -> bool:
        return self.week >= self.horizon

    def params_a(self) -> dict[str, Any]:
        return resolve(self.preset.params, **self.levers)

    def params_b(self) -> dict[str, Any] | None:
        if self.compare is None:
            return None
        name, value = self.compare
        return resolve(self.params_a(), **{name: value})

    def rebuild(self) -> None:
        """Start again at week 0 with the current preset, levers, seed and comparison."""
        self.models = [CoCreationModel(rng=self.seed, **self.params_a())]
        b = self.params_b()
        if b is not None:
            self.models.append(CoCreationModel(rng=self.seed, **b))
        self.layouts = [OrgLayout(m) for m in self.models]

    def load(self, preset: Preset, levers: dict[str, float | int]) -> None:
        """Switch to another preset (levers as the preset sets them) and restart."""
        self.preset = preset
        self.seed = preset.seed
        self.levers = dict(levers)
        self.rebuild()

    def set_levers(self, levers: dict[str, float | int]) -> list[str]:
        """Move levers mid-run (both models; B keeps its compared lever); names of those changed."""
        current = self.params_a()
        changed = [k for k, v in levers.items() if current[k] != v]
        if not changed:
            return []
        trial = dict(self.levers)
        trial.update(levers)
        resolve(self.preset.params, **trial)  # the combination must be valid before anything changes
        self.levers = trial
        for name in changed:
            self.models[0].set_param(name, levers[name])
            if len(self.models) > 1 and (self.compare is None or name != self.compare[0]):
                self.models[1].set_param(name, levers[name])
        return changed

    def set_compare(self, compare: tuple[str, float | int] | None) -> bool:
        """Turn side-by-side on/off or change its lever; restarts both runs if anything changed."""
        if compare is not None:
            name, value = compare
            compare = (name, PARAMETERS[name].check(value))
        if compare == self.compare and len(self.models) == (1 if compare is None else 2):
            return False
        self.compare = compare
        self.rebuild()
        return True

    def set_seed(self, seed: int) -> bool:
        if seed == self.seed:
            return False
        self.seed = seed
        self.rebuild()
        return True

    def step(self, weeks: int) -> int:
        """Advance every model together by up to ``weeks`` (never past the horizon); weeks done."""
        todo = max(0, min(int(weeks), self.horizon - self.week))
        for _ in range(todo):
            for model in self.models:
                model.step()
        return todo


class SessionStore:
    """Sessions by id, at most ``max_sessions`` of them (least recently used dropped first)."""

    def __init__(self, max_sessions: int = MAX_SESSIONS) -> None:
        self.max_sessions = max_sessions
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def get(self, session_id: Any) -> Session | None:
        """The session with this id, or None (also for anything that is not a well-formed id)."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._sessions.move_to_end(session_id)
                session.last_used = time.monotonic()
            return session

    def create(self, session_id: Any, preset: Preset) -> Session:
        """A new session under ``session_id``; raises ParameterError for a malformed id."""
        if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
            raise ParameterError("the page's session id is malformed; reload the page.")
        session = Session(preset)
        with self._lock:
            self._sessions[session_id] = session
            self._sessions.move_to_end(session_id)
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)
        return session
