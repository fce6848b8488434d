"""Scenario files: load, inherit, validate.

A scenario is a small YAML file a policy planner can read and change: which
levers differ from the baseline municipality, for how many weeks to run, how
many replications and from which seed, and (``schedule:``) which levers change
during the run, from which week on. A scenario may inherit from another
(``extends: npm_baseline.yaml``) and override a few keys; a ``schedule`` is
inherited whole or replaced whole, never merged. Every mistake is
reported as one paragraph naming the file, the key path and the line, and what
is allowed (a :class:`~cocreate_sim.errors.UserError`), never a traceback.

YAML is read with PyYAML's safe loader only: no object construction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Integral
from pathlib import Path
from typing import Any, NamedTuple

from .errors import UserError, clip, closest, did_you_mean, display, shorten
from .limits import MAX_HORIZON, MAX_REPLICATIONS, MAX_SEED
from .params import DEFAULT_STEPS, DEFAULTS, INIT_ONLY, PARAMETERS, ParameterError, check_schedule, resolve
from .yamlio import FOLDER_NAME, FOLDER_NAME_RULE, compose, dump, name_from_file, nearby_files, where

DEFAULT_REPLICATIONS = 10
DEFAULT_SEED = 1

TOP_LEVEL_KEYS: dict[str, str] = {
    "extends": "another scenario file this one starts from, relative to this file (e.g. npm_baseline.yaml)",
    "name": "a short name for the results folder (letters, digits, - and _); default: the file name",
    "description": "plain-language text saying what the scenario represents",
    "horizon": f"weeks to simulate, a whole number from 1 to {MAX_HORIZON} (default {DEFAULT_STEPS})",
    "replications": f"runs with different random seeds, 1 to {MAX_REPLICATIONS} (default {DEFAULT_REPLICATIONS})",
    "seed": f"the base random seed, a whole number from 0 to {MAX_SEED} (default {DEFAULT_SEED})",
    "params": "the levers that differ from the parent scenario: a mapping of parameter name to value",
    "schedule": "levers that change during the run: a list of '- week: 104' entries, each with the 'params:' "
    "that hold from that week on; replaces the parent's schedule",
    "provenance": "written by run.py into a results folder (versions, git commit); ignored when loading",
}
"""Every key a scenario file may have at its top level, with what it means."""

_EXAMPLES = {"horizon": 260, "replications": 20, "seed": 1}


@dataclass
class Scenario:
    """A fully resolved scenario: every parameter set, every key checked."""

    name: str
    path: Path
    params: dict[str, float | int]
    steps: int
    replications: int
    seed: int
    description: str = ""
    resolved: dict[str, Any] = field(default_factory=dict)
    chain: list[Path] = field(default_factory=list)
    overrides: dict[str, Any] = field(default_factory=dict)
    schedule: tuple[tuple[int, dict[str, float | int]], ...] = ()
    """Lever changes during the run, ``((week, {lever: value}), ...)`` sorted by week, as
    :func:`cocreate_sim.params.check_schedule` returns them; a change at week ``w`` holds from week ``w`` on."""

    @property
    def changed(self) -> dict[str, float | int]:
        """Levers whose value differs from the baseline defaults in ``PARAMETERS``."""
        return {k: v for k, v in self.params.items() if v != DEFAULTS[k]}


MAX_PROBLEMS_SHOWN = 20
"""Most problems of one file listed in its error: a file with thousands of bad keys is not a page of errors."""


class ScenarioErrors(UserError):
    """Every mistake found in one scenario file, reported together so a planner fixes them in one go."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.problems = problems
        if len(problems) == 1:
            text = problems[0]
        else:
            shown = problems[:MAX_PROBLEMS_SHOWN]
            text = f"{display(path)}: {len(problems)} problems.\n" + "\n".join(f"- {p}" for p in shown)
            if len(problems) > len(shown):
                text += f"\n- ... and {len(problems) - len(shown)} more (fix these first, then validate again)"
        super().__init__(text)


# --------------------------------------------------------------- validation
def _kind(value: Any) -> str:
    if value is None:
        return "nothing (an empty value)"
    if isinstance(value, bool):
        return f"{'yes' if value else 'no'} (a true/false value)"
    if isinstance(value, str):
        return f"the text {shorten(value)}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return shorten(value)


def _whole_number(path: Path, line: int | None, key: str, value: Any, low: int, high: int, what: str) -> int:
    shown = shorten(value)
    ok = isinstance(value, int) and not isinstance(value, bool)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        ok = low <= value <= high  # compared as a float: 1e300 is never turned into a 301-digit whole number
        if not ok:
            raise UserError(
                f"{where(path, line)}: '{key}' = {shown} is out of range; {what} must be from {low} to {high}."
            )
        value = int(value)
    if not ok:
        raise UserError(
            f"{where(path, line)}: '{key}' must be {what}, a whole number from {low} to {high}; "
            f"got {_kind(value)}. Write the number without quotes, e.g. '{key}: {_EXAMPLES[key]}'."
        )
    if not low <= value <= high:
        raise UserError(f"{where(path, line)}: '{key}' = {shown} is out of range; {what} must be from {low} to {high}.")
    return int(value)


def _check_file(path: Path, data: Any, lines: dict[tuple[str, ...], int]) -> dict[str, Any]:
    """Check one file's own keys (not its parent's); return them with params coerced.

    Every problem in the file is collected and raised together as :class:`ScenarioErrors`.
    """
    if data is None:
        raise UserError(
            f"{display(path)}: the file is empty. A scenario needs at least 'extends: npm_baseline.yaml' or "
            "some 'params:'; see scenarios/npm_baseline.yaml for a complete example."
        )
    if not isinstance(data, dict):
        raise UserError(
            f"{display(path)}: expected 'key: value' lines at the top level (a YAML mapping), got {_kind(data)}. "
            f"Allowed keys: {', '.join(TOP_LEVEL_KEYS)}."
        )
    out: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in data.items():
        line = lines.get((key,)) if isinstance(key, str) else None
        try:
            checked = _check_key(path, key, value, line, lines, problems)
        except UserError as exc:
            problems.append(str(exc))
            continue
        if checked is not _SKIP:
            out[key] = checked
    if problems:
        raise ScenarioErrors(path, problems)
    if "horizon" in out:  # where the horizon was set, for a schedule that reaches beyond it
        out["_horizon_at"] = where(path, lines.get(("horizon",)))
    return out


_SKIP = object()


def _check_key(path: Path, key: Any, value: Any, line: int | None, lines: dict, problems: list[str]) -> Any:
    """One top-level key's checked value (``_SKIP`` for ignored keys); raises UserError when wrong."""
    if not isinstance(key, str) or key not in TOP_LEVEL_KEYS:
        shown = key if isinstance(key, str) else shorten(key)
        as_param = closest(key, PARAMETERS) if isinstance(key, str) else None
        if as_param and as_param == key.strip().lower().replace("-", "_"):
            hint = f" '{as_param}' is a parameter: write it indented under 'params:'."
        else:
            hint = did_you_mean(shown, TOP_LEVEL_KEYS) if isinstance(key, str) else ""
        allowed = ", ".join(k for k in TOP_LEVEL_KEYS if k != "provenance")
        raise UserError(
            f"{where(path, line)}: unknown key '{clip(shown)}'.{hint} "
            f"Allowed top-level keys: {allowed}; the levers go under 'params:' (see 'python3 run.py params')."
        )
    if key == "extends":
        if not isinstance(value, str) or not value.strip():
            raise UserError(
                f"{where(path, line)}: 'extends' must name one scenario file, relative to this file "
                f"(e.g. 'extends: npm_baseline.yaml'); got {_kind(value)}."
            )
        if Path(value.strip()).suffix.lower() not in (".yaml", ".yml"):
            raise UserError(
                f"{where(path, line)}: 'extends' must name a scenario file ending in .yaml or .yml, relative to "
                f"this file (e.g. 'extends: npm_baseline.yaml'); got {_kind(value)}."
            )
        return value.strip()
    if key == "description":
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise UserError(
                f"{where(path, line)}: 'description' must be text; got {_kind(value)}. "
                "Put it in quotes or use 'description: >' followed by indented lines."
            )
        return value.strip()
    if key == "name":
        if not isinstance(value, str) or not FOLDER_NAME.fullmatch(value):
            raise UserError(f"{where(path, line)}: {FOLDER_NAME_RULE}; got {_kind(value)}.")
        return value
    if key == "horizon":
        return _whole_number(path, line, key, value, 1, MAX_HORIZON, "the horizon in weeks")
    if key == "replications":
        return _whole_number(path, line, key, value, 1, MAX_REPLICATIONS, "the number of replications")
    if key == "seed":
        return _whole_number(path, line, key, value, 0, MAX_SEED, "the base seed")
    if key == "provenance":
        return _SKIP
    if key == "schedule":
        return _check_schedule(path, value, lines, line, problems)
    return _check_params(path, value, lines, line, problems)


def _comma_hint(raw: Any) -> str:
    """Danish decimal commas ('0,3') are a natural slip: say so."""
    if isinstance(raw, str) and re.fullmatch(r"\s*-?\d+,\d+\s*", raw):
        return f" Write decimals with a point, not a comma: {raw.strip().replace(',', '.')}."
    return ""


def _check_params(path: Path, value: Any, lines: dict, line: int | None, problems: list[str]) -> dict[str, float | int]:
    """The ``params:`` mapping checked lever by lever; each wrong lever is added to ``problems``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise UserError(
            f"{where(path, line)}: 'params' must be a mapping of parameter names to values, each on its own "
            f"line indented under 'params:' (e.g. '  zero_error_culture: 0.3'); got {_kind(value)}."
        )
    checked: dict[str, float | int] = {}
    for name, raw in value.items():
        pline = lines.get(("params", name)) if isinstance(name, str) else line
        if not isinstance(name, str) or name not in PARAMETERS:
            shown = name if isinstance(name, str) else shorten(name)
            hint = closest(shown, PARAMETERS) if isinstance(name, str) else None
            did = f" Did you mean '{hint}'?" if hint else ""
            top = (
                f" '{name}' is a top-level key: move it out of 'params:' (no indentation)."
                if name in TOP_LEVEL_KEYS
                else ""
            )
            problems.append(
                f"{where(path, pline)}: unknown parameter 'params.{clip(shown)}'.{did}{top} "
                "Every valid parameter, with its range and meaning, is listed by 'python3 run.py params'."
            )
            continue
        try:
            checked[name] = PARAMETERS[name].check(raw)
        except ParameterError as exc:
            problems.append(f"{where(path, pline)}: in 'params.{name}': {exc}{_comma_hint(raw)}")
    return checked


# ------------------------------------------------------------------ schedule
class _Change(NamedTuple):
    """One checked ``schedule`` entry and where it was written (its week is checked against the horizon later)."""

    week: int
    params: dict[str, float | int]
    path: Path
    line: int | None
    number: int


_ENTRY_KEYS = {
    "week": "the first week under the change, e.g. '- week: 104' (52 weeks = one year)",
    "params": "the levers that change from that week on, indented under it as under the top-level 'params:'",
}
_EXAMPLE = "'schedule:', then '  - week: 104', '    params:' and '      leader_dialogue: 0.8' on the lines below"


def _check_schedule(path: Path, value: Any, lines: dict, line: int | None, problems: list[str]) -> list[_Change]:
    """The ``schedule:`` list checked entry by entry; each wrong entry or lever is added to ``problems``."""
    if value is not None and not isinstance(value, list):
        raise UserError(
            f"{where(path, line)}: 'schedule' must be a list of changes, each entry a '- week:' line with the levers "
            f"that change indented under its 'params:' (e.g. {_EXAMPLE}); got {_kind(value)}."
        )
    changes: dict[int, _Change] = {}
    for index, entry in enumerate(value or []):
        change = _check_entry(path, index, entry, lines, line, problems)
        if change is not None and change.week in changes:
            problems.append(
                f"{where(path, change.line)}: 'schedule' entry {change.number} is at week {change.week}, as is entry "
                f"{changes[change.week].number}; put every change of one week in one entry."
            )
        elif change is not None:
            changes[change.week] = change
    return list(changes.values())


def _check_entry(path: Path, index: int, entry: Any, lines: dict, line: int | None, problems: list[str]):
    """One schedule entry as a :class:`_Change`, or None (its problems added to ``problems``)."""
    at = ("schedule", str(index))
    eline, name = lines.get(at, line), f"'schedule' entry {index + 1}"
    if not isinstance(entry, dict):
        problems.append(
            f"{where(path, eline)}: {name} must be a mapping with the keys 'week' and 'params' (e.g. {_EXAMPLE}); "
            f"got {_kind(entry)}."
        )
        return None
    complete = all(key in entry for key in _ENTRY_KEYS) and all(key in _ENTRY_KEYS for key in entry)
    meant = set()  # keys a typo stands for: not reported missing as well
    for key in (k for k in entry if k not in _ENTRY_KEYS):
        shown = key if isinstance(key, str) else shorten(key)
        if isinstance(key, str) and key in PARAMETERS:
            hint = f" '{key}' is a lever: indent it under the entry's 'params:'."
        else:
            meant.add(closest(shown, _ENTRY_KEYS) if isinstance(key, str) else None)
            hint = did_you_mean(shown, _ENTRY_KEYS) if isinstance(key, str) else ""
        problems.append(
            f"{where(path, lines.get((*at, key), eline) if isinstance(key, str) else eline)}: unknown key "
            f"'{clip(shown)}' in {name}.{hint} An entry has exactly two keys: 'week' and 'params'."
        )
    missing = [key for key in _ENTRY_KEYS if key not in entry and key not in meant]
    problems += [f"{where(path, eline)}: {name} has no '{key}': give {_ENTRY_KEYS[key]}." for key in missing]
    wline, raw = lines.get((*at, "week"), eline), entry.get("week")
    whole = isinstance(raw, int) and not isinstance(raw, bool)
    whole = whole or (isinstance(raw, float) and math.isfinite(raw) and raw == int(raw))  # compared as a float
    week = int(raw) if whole and 1 <= raw <= MAX_HORIZON else None
    if "week" in entry and week is None:
        problems.append(
            f"{where(path, wline)}: in {name}, 'week' must be a whole number from 1 to the horizon, the first week "
            f"under the change (52 weeks = one year); got {_kind(raw)}. The values at week 0 are the scenario's "
            "own: set them under the top-level 'params:'."
        )
    name += f" (week {week})" if week is not None else ""
    levers = _check_levers(path, at, eline, name, entry["params"], lines, problems) if "params" in entry else None
    if not complete or week is None or levers is None:
        return None
    return _Change(week, levers, path, wline, index + 1)


def _check_levers(path: Path, at: tuple, eline: int | None, name: str, raw: Any, lines: dict, problems: list[str]):
    """An entry's ``params``: checked levers, or None when any is wrong (each problem added to ``problems``)."""
    pline = lines.get((*at, "params"), eline)
    if not isinstance(raw, dict) or not raw:
        problems.append(
            f"{where(path, pline)}: in {name}, 'params' must list the levers that change from that week on, each "
            f"on its own line indented under it (e.g. '      leader_dialogue: 0.8'); "
            f"got {_kind(raw) if raw else 'no levers'}."
        )
        return None
    checked: dict[str, float | int] = {}
    for lever, value in raw.items():
        lline = lines.get((*at, "params", lever), pline) if isinstance(lever, str) else pline
        shown = lever if isinstance(lever, str) else shorten(lever)
        if not isinstance(lever, str) or lever not in PARAMETERS:
            hint = did_you_mean(shown, PARAMETERS) if isinstance(lever, str) else ""
            problems.append(
                f"{where(path, lline)}: unknown parameter '{clip(shown)}' in {name}.{hint} Every valid parameter, "
                "with its range and meaning, is listed by 'python3 run.py params'."
            )
        elif lever in INIT_ONLY:
            problems.append(
                f"{where(path, lline)}: in {name}, '{lever}' cannot change during a run: it sets who exists or how "
                "they start when the model is built. Set it under the top-level 'params:' instead. A schedule may "
                f"change every other lever, but not these: {', '.join(sorted(INIT_ONLY))}."
            )
        else:
            try:
                checked[lever] = PARAMETERS[lever].check(value)
            except ParameterError as exc:
                problems.append(f"{where(path, lline)}: in {name}, '{lever}': {exc}{_comma_hint(value)}")
    return checked if len(checked) == len(raw) else None


def _final_schedule(path: Path, merged: dict[str, Any], steps: int, origin: str, chain: list[Path]):
    """The inherited schedule checked against the final horizon, as :func:`params.check_schedule` returns it."""
    changes: list[_Change] = merged.get("schedule") or []
    problems = [
        f"{where(c.path, c.line)}: 'schedule' entry {c.number} is at week {c.week}, beyond the horizon of {steps} "
        f"weeks ({origin}); a change must come at a week from 1 to {steps}. Lengthen the horizon or move the "
        "change earlier."
        for c in changes
        if c.week > steps
    ]
    if problems:
        raise ScenarioErrors(path, problems)
    try:
        return check_schedule([(c.week, c.params) for c in changes], steps)
    except ParameterError as exc:  # the model's own rules; the checks above should have caught everything
        raise UserError(f"{' <- '.join(display(p) for p in reversed(chain))}: {exc}") from None


def schedule_records(schedule: Any) -> list[dict[str, Any]]:
    """A schedule as a scenario file writes it: ``[{"week": 104, "params": {lever: value}}, ...]``."""
    return [{"week": int(week), "params": dict(changes)} for week, changes in schedule]


# ---------------------------------------------------------------- inheritance
def _load_chain(path: Path, stack: list[Path]) -> tuple[dict[str, Any], list[Path]]:
    """This file's keys merged over its parent's, and the chain of files from the root to this one."""
    real = path.resolve()
    if real in stack:
        cycle = " -> ".join(display(p) for p in (*stack[stack.index(real) :], real))
        raise UserError(
            f"{display(path)}: circular 'extends' ({cycle}). A scenario may extend another, but the chain "
            "must end in a file without 'extends' (usually npm_baseline.yaml)."
        )
    data, lines = compose(path)
    own = _check_file(path, data, lines)
    parent_name = own.pop("extends", None)
    if parent_name is None:
        return own, [path]
    parent = (path.parent / parent_name).expanduser()
    try:
        exists = parent.is_file()
    except OSError:  # e.g. a name longer than the file system allows
        exists = False
    if not exists:
        raise UserError(
            f"{where(path, lines.get(('extends',)))}: 'extends: {clip(parent_name)}' names a file that does not "
            f"exist ({clip(display(parent))}). The path is relative to the folder of {path.name}."
            f"{nearby_files(parent)}"
        )
    try:
        base, chain = _load_chain(parent, [*stack, real])
    except ScenarioErrors as exc:
        note = f" (This file is the parent of {display(path)}, through its 'extends'.)"
        raise ScenarioErrors(parent, [problem + note for problem in exc.problems]) from None
    except UserError as exc:
        if "circular 'extends'" in str(exc):
            raise
        raise UserError(f"{exc} (This file is the parent of {display(path)}, through its 'extends'.)") from None
    merged = {k: v for k, v in base.items() if k != "name"}
    params = {**base.get("params", {}), **own.get("params", {})}
    merged.update(own)
    merged["params"] = params
    return merged, [*chain, path]


_TOP_OVERRIDES = {"horizon": "horizon", "steps": "horizon", "replications": "replications", "seed": "seed"}


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | None = None,
    *,
    steps: int | None = None,
    replications: int | None = None,
    seed: int | None = None,
) -> Scenario:
    """Load, inherit and validate a scenario file; apply command-line overrides last.

    ``overrides`` maps parameter names (or ``horizon``/``steps``, ``replications``,
    ``seed``) to values, as given by ``--set key=value``; strings are parsed.
    Raises UserError for any mistake.
    """
    path = Path(path)
    merged, chain = _load_chain(path, [])
    given = dict(overrides or {})
    param_overrides = _apply_overrides(merged, given)
    for key, value in (("horizon", steps), ("replications", replications), ("seed", seed)):
        if value is not None:
            merged[key] = _override_number(key, value)
    try:
        params = resolve({**merged.get("params", {}), **param_overrides})
    except ParameterError as exc:
        files = " <- ".join(display(p) for p in reversed(chain))
        raise UserError(f"{files}: {exc}") from None
    horizon = int(merged.get("horizon", DEFAULT_STEPS))
    if steps is not None or given.keys() & {"horizon", "steps"}:
        origin = "given by --steps" if steps is not None else "given by --set horizon"
    else:
        origin = f"set in {merged['_horizon_at']}" if "_horizon_at" in merged else "the default horizon"
    scenario = Scenario(
        name=merged.get("name") or name_from_file(path),
        path=path,
        params=params,
        schedule=_final_schedule(path, merged, horizon, origin, chain),
        steps=horizon,
        replications=int(merged.get("replications", DEFAULT_REPLICATIONS)),
        seed=int(merged.get("seed", DEFAULT_SEED)),
        description=merged.get("description", ""),
        chain=chain,
        overrides={**param_overrides, **{k: v for k, v in given.items() if k in _TOP_OVERRIDES}},
    )
    scenario.resolved = _resolved_record(scenario)
    return scenario


def _apply_overrides(merged: dict[str, Any], given: Mapping[str, Any]) -> dict[str, float | int]:
    """``--set`` values: horizon, replications and seed go into ``merged``; checked levers are returned."""
    param_overrides: dict[str, float | int] = {}
    for key, value in given.items():
        if key in _TOP_OVERRIDES:
            top = _TOP_OVERRIDES[key]
            merged[top] = _override_number(top, value)
            continue
        if key not in PARAMETERS:
            hint = closest(key, PARAMETERS) or closest(key, _TOP_OVERRIDES)
            did = f" Did you mean '{hint}'?" if hint else ""
            raise UserError(
                f"--set: unknown parameter '{clip(key)}'.{did} Every valid parameter is listed by "
                "'python3 run.py params'; --set also accepts horizon, replications and seed."
            )
        try:
            param_overrides[key] = PARAMETERS[key].check(value)
        except ParameterError as exc:
            raise UserError(f"--set {key}: {exc}{_comma_hint(value)}") from None
    return param_overrides


def _resolved_record(scenario: Scenario) -> dict[str, Any]:
    """What a results folder records of the scenario: where it came from and every value it ran with."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "source": display(scenario.path),
        "extends_chain": [display(p) for p in scenario.chain],
        "overrides": {k: (v if isinstance(v, (int, float)) else str(v)) for k, v in scenario.overrides.items()},
        "horizon": scenario.steps,
        "replications": scenario.replications,
        "seed": scenario.seed,
        "params": dict(scenario.params),
        "schedule": schedule_records(scenario.schedule),
    }


def _override_number(key: str, value: Any) -> int:
    """A horizon, replication count or seed from the command line (text or number), range-checked."""
    limits = {"horizon": (1, MAX_HORIZON), "replications": (1, MAX_REPLICATIONS), "seed": (0, MAX_SEED)}
    low, high = limits[key]
    shown = shorten(value)
    number = value
    if isinstance(value, str):
        try:
            number = int(value)
        except ValueError:
            try:
                number = float(value)
            except ValueError:
                number = None
    elif isinstance(value, Integral) and not isinstance(value, bool):
        number = int(value)
    whole = isinstance(number, int) and not isinstance(number, bool)
    if isinstance(number, float) and math.isfinite(number) and number == int(number):
        whole = True  # compared as a float below: 1e300 never becomes a 301-digit whole number
    if not whole:
        raise UserError(f"{key} must be a whole number from {low} to {high}; got {shown}.")
    if not low <= number <= high:
        raise UserError(f"{key} = {shown} is out of range; allowed is {low} to {high}.")
    return int(number)


def parse_set(items: list[str] | None) -> dict[str, str]:
    """Turn ``--set key=value`` strings into a dict; a malformed item is a UserError."""
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise UserError(
                f"--set {shorten(item)}: expected key=value with no spaces around '=', "
                "e.g. --set zero_error_culture=0.3."
            )
        out[key] = value
    return out


def scenario_yaml(scenario: Scenario, provenance: Mapping[str, Any] | None = None) -> str:
    """The fully resolved scenario as a YAML file that can be run again as it is."""
    doc: dict[str, Any] = {
        "name": scenario.name,
        "description": scenario.description or f"Resolved from {scenario.resolved.get('source', scenario.path)}",
        "horizon": scenario.steps,
        "replications": scenario.replications,
        "seed": scenario.seed,
        "params": dict(scenario.params),
    }
    if scenario.schedule:
        doc["schedule"] = schedule_records(scenario.schedule)
    if provenance is not None:
        doc["provenance"] = {
            **dict(provenance),
            "source": scenario.resolved.get("source"),
            "extends_chain": scenario.resolved.get("extends_chain"),
            "overrides": scenario.resolved.get("overrides"),
        }
    header = (
        "# The fully resolved scenario of this run: every lever and the schedule, nothing inherited.\n"
        "# Run it again with:  python3 run.py <this file>\n"
        "# 'provenance' records the versions and git commit that produced these results.\n"
    )
    return header + dump(doc)
