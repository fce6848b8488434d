"""Model state on the server, one session per open browser page.

The browser holds only a random session id; the models live here, keyed by
that id, each session guarded by its own lock so that overlapping ticks from
one page never step a model twice at once.

Only the server hands out ids (:meth:`SessionStore.issue`, once per page
load), and a session is only ever created under an id it handed out: an id a
browser makes up gets no session, so no page can take over or evict another's
run. The number of sessions is capped (least recently used dropped first);
a dropped page's id is remembered, so its page is told that its session
expired rather than silently starting again. Models a session stops using (on
reset, restart or when the session is dropped) are released
(:func:`cocreate_sim.runner.release`), so memory does not grow with every reset.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from collections import OrderedDict
from enum import Enum
from typing import Any

from ..i18n import gettext_for, lever_label
from ..limits import APP_SESSIONS
from ..model import CoCreationModel
from ..params import PARAMETERS, ParameterError, resolve
from ..runner import release
from .frames import chart_points, chart_skeletons, marker_label, monitor_texts, monitor_values
from .orgpicture import OrgLayout, org_dynamic, org_static
from .presets import Preset, preset_label
from .proxy import worker_of

SESSION_ID_BYTES = 16
"""Random bytes in a session id (32 hex characters): not guessable by another page."""
SESSION_ID = re.compile(rf"^[0-9a-f]{{{2 * SESSION_ID_BYTES}}}$")
"""What a well-formed session id looks like; anything else from the browser is refused."""
MAX_WEEKS_PER_FRAME = 6
"""Most weeks one answer may bring while a run plays: each answer is one frame the class sees (cocreate.js paints
frames one by one), and a frame of more weeks than this is a jump the eye cannot follow (issue 13: at most 6
weeks a frame)."""
MAX_WAITING_IDS = 10_000
"""Most ids issued to pages that have not started their run yet (the oldest are forgotten first)."""
MAX_EXPIRED_IDS = 10_000
"""Most ids of dropped sessions remembered, so that their pages are told the session expired."""


class IdState(Enum):
    """What the server knows about a session id a page sends."""

    LIVE = "live"
    """The id has a session with a run."""
    ISSUED = "issued"
    """Issued to a page that has not started its run yet."""
    EXPIRED = "expired"
    """Its session was dropped (too many pages) or closed."""
    UNKNOWN = "unknown"
    """Never issued by this server (made up, malformed, or from before the server restarted)."""


class SessionError(ParameterError):
    """A page asked for a session the server will not create (an id it never issued)."""


def new_session_id(worker: int = 0, workers: int = 1) -> str:
    """A fresh random session id (32 hex characters) that names ``worker`` of ``workers``.

    Read as a number, the id is ``worker`` modulo ``workers`` (:func:`.proxy.worker_of`), so the front of a
    server with several worker processes sends the page's callbacks to the worker that holds its session.
    Drawing until the id fits costs ``workers`` draws on average and leaves the id as unguessable as before,
    less log2(workers) bits.
    """
    while True:
        session_id = secrets.token_hex(SESSION_ID_BYTES)
        if worker_of(session_id, workers) == worker:
            return session_id


def well_formed(session_id: Any) -> bool:
    """Whether ``session_id`` looks like an id this server issues (says nothing about whether it did)."""
    return isinstance(session_id, str) and bool(SESSION_ID.match(session_id))


def release_models(models: list[CoCreationModel]) -> None:
    """Let models the app no longer uses be garbage-collected (Mesa issue #3179; see runner.release)."""
    for model in models:
        release(model)


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
        self.changes: list[tuple[int, str, float | int]] = []
        self.run_id = 0
        self.pace: tuple[float, int, Any] | None = None  # (wall clock, week, speed) the play pace counts from
        self.last_used = time.monotonic()
        self.playing = False
        self.closed = False
        self.sent: tuple[int, int, list, list] | None = None  # (run, week, pictures, monitors) of the last frame
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
        """Start again at week 0 with the current preset, levers, seed and comparison (old models released)."""
        params_a, params_b = self.params_a(), self.params_b()  # checked before anything is dropped
        models = [CoCreationModel(rng=self.seed, **params_a)]
        if params_b is not None:
            models.append(CoCreationModel(rng=self.seed, **params_b))
        old, self.models = self.models, models
        self.layouts = [OrgLayout(m) for m in self.models]
        self.changes = []
        self.run_id += 1
        self.pace = None
        release_models(old)

    def close(self) -> None:
        """Release the session's models; it must not be stepped again."""
        old, self.models, self.layouts = self.models, [], []
        self.closed = True
        self.playing = False
        release_models(old)

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
        if self.week > 0:
            self.changes += [(self.week, name, levers[name]) for name in changed]
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

    def titles(self, lang: str) -> list[str]:
        """The organisation pictures' titles: the preset and week, or what differs between A and B."""
        _ = gettext_for(lang, "app")
        if self.compare is None:
            return [_("{preset} · week {week}").format(preset=preset_label(self.preset, lang), week=self.week)]
        name, value = self.compare
        a_value = self.params_a()[name]
        label = lever_label(name, lang)
        return [
            _("A: {lever} = {value} · week {week}").format(lever=label, value=f"{a_value:g}", week=self.week),
            _("B: same seed, {lever} = {value}").format(lever=label, value=f"{value:g}"),
        ]

    def frame(self, have: Any, lang: str) -> dict[str, Any]:
        """What the page needs to show this week, given what it says it has (``{"run": id, "week": w}``).

        A page that has this run up to week w gets the chart points after w; any other page (new, reloaded,
        or one that lost a frame's run) gets the whole run with the charts' and pictures' fixed parts. A
        playing page that lost an answer (Dash drops one that a newer request overtook) while the run was
        stepped ahead gets the lost frame again rather than more than MAX_WEEKS_PER_FRAME weeks at once; the
        next tick brings the rest.
        """
        week = self.week
        known = isinstance(have, dict) and have.get("run") == self.run_id and isinstance(have.get("week"), int)
        since = have["week"] if known and 0 <= have["week"] <= week else -1
        full = since < 0
        sent = self.sent
        if self.playing and not full and week - since > MAX_WEEKS_PER_FRAME and sent is not None:
            if sent[0] == self.run_id and since < sent[1] <= since + MAX_WEEKS_PER_FRAME:
                return self._frame(lang, since, *sent[1:])
        titles = self.titles(lang)
        org = [
            {
                "static": org_static(layout, model, titles[i], lang) if full else None,
                "dynamic": org_dynamic(model, layout, lang),
                "title": titles[i],
            }
            for i, (model, layout) in enumerate(zip(self.models, self.layouts, strict=True))
        ]
        monitors = [monitor_texts(monitor_values(m), lang) for m in self.models]
        self.sent = (self.run_id, week, [{**part, "static": None} for part in org], monitors)
        return self._frame(lang, since, week, org, monitors)

    def _frame(self, lang: str, since: int, week: int, org: list, monitors: list) -> dict[str, Any]:
        full = since < 0
        frame: dict[str, Any] = {
            "run": self.run_id,
            "week": week,
            "playing": self.playing,
            "full": full,
            "points": chart_points(self.models, since, week),
            "org": org,
            "monitors": monitors,
            "markers": [[w, marker_label(name, value, lang)] for w, name, value in self.changes if w <= week],
        }
        if full:
            frame["charts"] = chart_skeletons(["A", "B"][: len(self.models)], self.horizon, lang)
        return frame

    def step(self, weeks: int) -> int:
        """Advance every model together by up to ``weeks`` (never past the horizon); weeks done."""
        todo = max(0, min(int(weeks), self.horizon - self.week))
        for _ in range(todo):
            for model in self.models:
                model.step()
        return todo


class SessionStore:
    """Sessions by id, at most ``max_sessions`` of them (least recently used dropped first).

    Ids come from :meth:`issue`; :meth:`open` creates a session only under an
    id issued here (and not yet used) or one whose session expired (the page
    starting again), never under an id a browser made up.
    """

    def __init__(self, max_sessions: int = APP_SESSIONS, worker: tuple[int, int] = (0, 1)) -> None:
        self.max_sessions = max_sessions
        self.worker = worker
        """This process's place among the server's workers (index, count): the ids it issues name it."""
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._issued: OrderedDict[str, None] = OrderedDict()
        self._expired: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        return len(self._sessions)

    def issue(self) -> str:
        """A fresh id for a page being loaded; the page's first callback opens its session under it."""
        session_id = new_session_id(*self.worker)
        with self._lock:
            self._issued[session_id] = None
            while len(self._issued) > MAX_WAITING_IDS:
                self._issued.popitem(last=False)
        return session_id

    def state(self, session_id: Any) -> IdState:
        """What the server knows about this id."""
        if not well_formed(session_id):
            return IdState.UNKNOWN
        with self._lock:
            if session_id in self._sessions:
                return IdState.LIVE
            if session_id in self._issued:
                return IdState.ISSUED
            if session_id in self._expired:
                return IdState.EXPIRED
        return IdState.UNKNOWN

    def get(self, session_id: Any) -> Session | None:
        """The session with this id, or None (also for anything that is not a well-formed id)."""
        if not well_formed(session_id):
            return None
        with self._lock:
            session = self._sessions.get(session_id)
            if session is not None:
                self._sessions.move_to_end(session_id)
                session.last_used = time.monotonic()
            return session

    def open(self, session_id: Any, preset: Preset) -> Session:
        """A new session under an id issued here and not in use, or one that expired; else SessionError."""
        if not well_formed(session_id):
            raise SessionError("the page's session id is malformed; reload the page.")
        with self._lock:
            allowed = session_id in self._issued or session_id in self._expired
        if not allowed:
            raise SessionError("this server did not issue the page's session id; reload the page.")
        session = Session(preset)  # built outside the store's lock: other pages keep being served
        dropped: list[Session] = []
        with self._lock:
            if session_id in self._sessions or not (session_id in self._issued or session_id in self._expired):
                session.close()  # another request opened it meanwhile
                raise SessionError("the page's session was opened twice at once; reload the page.")
            self._issued.pop(session_id, None)
            self._expired.pop(session_id, None)
            self._sessions[session_id] = session
            while len(self._sessions) > self.max_sessions:
                old_id, old = self._sessions.popitem(last=False)
                self._remember_expired(old_id)
                dropped.append(old)
        for old in dropped:
            with old.lock:  # never while another thread steps or draws it
                old.close()
        return session

    def drop(self, session_id: Any) -> bool:
        """Close the session under this id (its page is told it expired); whether there was one."""
        with self._lock:
            session = self._sessions.pop(session_id, None) if well_formed(session_id) else None
            if session is not None:
                self._remember_expired(session_id)
        if session is None:
            return False
        with session.lock:
            session.close()
        return True

    def _remember_expired(self, session_id: str) -> None:
        self._expired[session_id] = None
        while len(self._expired) > MAX_EXPIRED_IDS:
            self._expired.popitem(last=False)
