"""What the page address holds: language, view, preset, lesson, seed, speed, levers and comparison.

A teacher sends a link, or reloads the page, and gets the same setup back:
``?lang=da&preset=default&seed=7&speed=3&leader_dialogue=0.8&compare=zero_error_culture:0.2``.
Everything read from an address is checked like every other browser input;
what does not pass is left out with a note, never an error page. Only levers
that differ from the preset are written, so links stay short.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..errors import shorten
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..params import PARAMETERS, ParameterError
from .lessons import LESSONS
from .levers import DEFAULT_SPEED, LEVERS, SPEEDS, check_lever, check_seed, check_speed
from .presets import DEFAULT_KEY, Preset

MAX_QUERY = 4000
"""Longest page address query read (characters); anything longer is ignored with a note."""
COMPARE_DEFAULT = "leader_dialogue"
"""The lever that differs in run B until the teacher picks another."""
LESSON_PRESET = "lesson:"
"""Key prefix of the presets that lessons start from (not offered in the preset menu)."""
LESSON_KEYS = {lesson.key: lesson for lesson in LESSONS}
"""Lessons by key."""
SPEED_INDEX = {speed: i for i, speed in enumerate(SPEEDS)}
"""Speed setting -> its index on the slider."""


@dataclass(frozen=True)
class Setup:
    """One page's setup, as the address says it (or the defaults)."""

    lang: str = DEFAULT_LANGUAGE
    projector: bool = False
    preset: str = DEFAULT_KEY
    lesson: str | None = None
    seed: int | None = None
    speed: int = DEFAULT_SPEED
    levers: dict[str, float | int] = field(default_factory=dict)
    compare: tuple[str, float | int] | None = None
    notes: tuple[str, ...] = ()

    def levers_shown(self, presets: dict[str, Preset]) -> dict[str, Any]:
        """Every lever's value on the page: the preset's, then the address's."""
        preset = presets.get(self.preset) or presets[DEFAULT_KEY]
        return {name: self.levers.get(name, preset.params[name]) for name in LEVERS}

    def default_compare(self, levers: dict[str, Any]) -> tuple[str, float | int]:
        """Run B's lever when side by side is first ticked: leader dialogue at the far end from A's value."""
        return COMPARE_DEFAULT, far_end(COMPARE_DEFAULT, levers[COMPARE_DEFAULT])

    def seed_for(self, presets: dict[str, Preset]) -> int:
        """The seed the page starts with: the address's, else the lesson's or the preset's."""
        if self.seed is not None:
            return self.seed
        if self.lesson:
            return LESSON_KEYS[self.lesson].seed
        return (presets.get(self.preset) or presets[DEFAULT_KEY]).seed


def far_end(name: str, current: float | int) -> float | int:
    """The end of a lever's range farther from ``current``, so that run B differs visibly."""
    p = PARAMETERS[name]
    return p.high if (current - p.low) <= (p.high - current) else p.low


def parse_query(search: Any, presets: dict[str, Preset], default_lang: str) -> Setup:
    """The setup a page address asks for; what is not valid is left out, with a note each."""
    if not isinstance(search, str) or not search.strip("?"):
        return Setup(lang=default_lang)
    if len(search) > MAX_QUERY:
        return Setup(lang=default_lang, notes=(f"The page address is longer than {MAX_QUERY} characters; ignored.",))
    notes: list[str] = []
    values: dict[str, Any] = {"lang": default_lang}
    levers: dict[str, float | int] = {}
    for key, raw in parse_qsl(search.lstrip("?"), keep_blank_values=True):
        try:
            _read(key, raw, presets, values, levers)
        except ParameterError as err:
            notes.append(f"Left out of the page address: {err}")
    lesson = LESSON_KEYS.get(values.get("lesson") or "")
    if lesson is not None:  # a lesson's link without its own settings starts as the lesson sets up
        levers = {**{k: v for k, v in lesson.base.items() if k in LEVERS}, **levers}
        values.setdefault("compare", (lesson.lever, lesson.value))
    return Setup(**values, levers=levers, notes=tuple(notes))


def _read(key: str, raw: str, presets: dict[str, Preset], values: dict[str, Any], levers: dict) -> None:
    """Read one ``key=value`` of the address into ``values`` or ``levers``; ParameterError if it is not valid."""
    if key == "lang":
        if raw not in LANGUAGES:
            raise ParameterError(f"lang must be one of {', '.join(LANGUAGES)}; got {shorten(raw)}.")
        values["lang"] = raw
    elif key == "view":
        values["projector"] = raw == "projector"
    elif key == "preset":
        if raw not in presets:
            raise ParameterError(f"there is no preset {shorten(raw)}.")
        values["preset"] = raw
    elif key == "lesson":
        if raw and raw not in LESSON_KEYS:
            raise ParameterError(f"there is no lesson {shorten(raw)}.")
        values["lesson"] = raw or None
    elif key == "seed":
        values["seed"] = check_seed(raw)
    elif key == "speed":
        values["speed"] = SPEED_INDEX[check_speed(_number(raw))]
    elif key == "compare":
        name, _, value = raw.partition(":")
        values["compare"] = check_lever(name, _number(value))
    elif key in LEVERS:
        levers[key] = check_lever(key, _number(raw))[1]
    else:
        raise ParameterError(f"{shorten(key)} is not something the page keeps in its address.")


def _number(raw: str) -> float | int | str:
    try:
        number = float(raw)
    except ValueError:
        return raw
    return int(number) if number.is_integer() and "." not in raw and "e" not in raw.lower() else number


def make_query(setup: Setup, presets: dict[str, Preset]) -> str:
    """The address query of a setup (levers only where they differ from the preset)."""
    preset = presets.get(setup.preset) or presets[DEFAULT_KEY]
    items: list[tuple[str, str]] = [("lang", setup.lang)]
    if setup.projector:
        items.append(("view", "projector"))
    items.append(("preset", setup.preset))
    if setup.lesson:
        items.append(("lesson", setup.lesson))
    if setup.seed is not None:
        items.append(("seed", str(setup.seed)))
    items.append(("speed", str(setup.speed)))
    for name in LEVERS:
        if name in setup.levers and setup.levers[name] != preset.params[name]:
            items.append((name, f"{setup.levers[name]:g}"))
    if setup.compare is not None:
        items.append(("compare", f"{setup.compare[0]}:{setup.compare[1]:g}"))
    return "?" + urlencode(items)


def with_levers(setup: Setup, levers: dict[str, float | int]) -> Setup:
    return replace(setup, levers=dict(levers))
