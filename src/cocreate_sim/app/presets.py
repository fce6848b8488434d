"""Presets for the app: the default municipality and every loadable file in ``scenarios/``.

A scenario that fails to load is skipped with a note the page shows, so one
broken file never keeps a class from starting the app.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import UserError, display, shorten
from ..i18n import gettext_for
from ..limits import APP_MAX_HORIZON
from ..params import DEFAULT_STEPS, DEFAULTS

DEFAULT_KEY = "default"
"""Key of the model's own defaults among the presets (always present, always first)."""
DEFAULT_SEED = 1
"""Seed of the default preset."""


@dataclass(frozen=True)
class Preset:
    """A starting point: full parameter set, horizon in weeks, seed and a description."""

    key: str
    label: str
    params: dict[str, Any]
    steps: int
    seed: int
    description: str
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)


def default_preset() -> Preset:
    """The model's defaults: a mid-sized Danish municipality under New Public Management."""
    return Preset(
        DEFAULT_KEY,
        "Default: a municipality under New Public Management",
        dict(DEFAULTS),
        DEFAULT_STEPS,
        DEFAULT_SEED,
        "The model's defaults (cocreate_sim.params): strong efficiency and authority logics, a zero-error "
        "culture, four approval steps, little leader dialogue, nothing measured but the old KPIs.",
        "cocreate_sim/params.py",
    )


def find_scenarios_dir(given: str | Path | None = None) -> Path | None:
    """The folder of scenario files: ``given``, else ``./scenarios``, else the repository's."""
    if given is not None:
        return Path(given)
    here = Path.cwd() / "scenarios"
    if here.is_dir():
        return here
    repo = Path(__file__).resolve().parents[3] / "scenarios"
    return repo if repo.is_dir() else None


def load_presets(folder: str | Path | None = None) -> tuple[dict[str, Preset], list[str]]:
    """All presets by key (default first) and one note per scenario file that was skipped."""
    presets = {DEFAULT_KEY: default_preset()}
    notes: list[str] = []
    directory = find_scenarios_dir(folder)
    if directory is None:
        return presets, notes
    if not directory.is_dir():
        shown = shorten(display(directory))
        return presets, [f"scenario folder {shown} does not exist; only the default preset is offered."]
    files = sorted(directory.glob("*.yaml")) + sorted(directory.glob("*.yml"))
    if not files:
        return presets, notes
    try:
        from ..scenario import load_scenario
    except ImportError as err:
        return presets, [
            f"scenario files in {shorten(display(directory))} cannot be read yet ({err}); only the default preset."
        ]
    for path in files:
        try:
            scenario = load_scenario(path)
            steps = int(scenario.steps)
            preset = Preset(
                f"scenario:{path.stem}",
                f"{scenario.name}",
                dict(scenario.params),
                max(1, min(steps, APP_MAX_HORIZON)),
                int(scenario.seed),
                str(scenario.description or "").strip(),
                str(path),
            )
        except UserError as err:
            notes.append(f"{path.name} skipped: {err}")
            continue
        except Exception as err:  # a broken file must not stop the class
            notes.append(f"{path.name} skipped: could not be read ({type(err).__name__}: {err}).")
            continue
        if steps > APP_MAX_HORIZON:
            notes.append(f"{path.name}: horizon shortened from {steps} to {APP_MAX_HORIZON} weeks for the app.")
        presets[preset.key] = preset
    return presets, notes


def preset_label(preset: Preset, lang: str) -> str:
    """A preset's readable name in the page's language (a file's own name if it has no readable one)."""
    from .lessons import PRESET_NAMES  # the readable names live with the lessons, in the info catalogue

    stem = preset.key.split(":", 1)[-1]
    translate = gettext_for(lang, "info")
    return translate(PRESET_NAMES[stem]) if stem in PRESET_NAMES else translate(preset.label)
