"""Property: any mutated scenario file either runs or ends in a clean UserError, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cocreate_sim import run_timeseries
from cocreate_sim.errors import UserError
from cocreate_sim.params import PARAMETERS
from cocreate_sim.scenario import TOP_LEVEL_KEYS, load_scenario

BASELINE = (Path(__file__).resolve().parents[1] / "scenarios" / "npm_baseline.yaml").read_text(encoding="utf-8")

VALID = """\
# a planner's scenario
extends: npm_baseline.yaml
description: A test scenario.
horizon: 4
replications: 2
seed: 3
params:
  zero_error_culture: 0.3   # lower than the baseline
  decision_path_length: 2
  task_committees: 2
  n_citizens: 200
"""

KEYS = [*TOP_LEVEL_KEYS, *PARAMETERS]
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.sampled_from(["0.5", "1e3", "npm_baseline.yaml", "no", "~", ".inf", "2.0", "[1, 2", "a: b"]),
)
near_names = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(KEYS).map(lambda k: k[:-1]),
    st.sampled_from(KEYS).map(lambda k: k.upper()),
    st.text(min_size=1, max_size=15),
)


@st.composite
def structural_mutation(draw) -> str:
    """Change the parsed document: values, key names, nesting; then dump it back to YAML."""
    doc = yaml.safe_load(VALID)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["value", "param_value", "rename", "add", "add_param", "drop", "params_type"]))
        params = doc.get("params") if isinstance(doc.get("params"), dict) else None
        if action == "value" and doc:
            doc[draw(st.sampled_from(sorted(doc, key=str)))] = draw(odd_values)
        elif action == "param_value" and params:
            params[draw(st.sampled_from(sorted(params, key=str)))] = draw(odd_values)
        elif action == "rename" and doc:
            key = draw(st.sampled_from(sorted(doc, key=str)))
            doc[draw(near_names)] = doc.pop(key)
        elif action == "add":
            doc[draw(near_names)] = draw(odd_values)
        elif action == "add_param" and params is not None:
            name = draw(near_names)
            low, high = (PARAMETERS[name].low, PARAMETERS[name].high) if name in PARAMETERS else (0, 1)
            params[name] = draw(st.one_of(odd_values, st.floats(low, high), st.integers(int(low), int(high))))
        elif action == "drop" and doc:
            doc.pop(draw(st.sampled_from(sorted(doc, key=str))))
        elif action == "params_type":
            doc["params"] = draw(odd_values)
    return yaml.safe_dump(doc, sort_keys=False)


@st.composite
def text_mutation(draw) -> str:
    """Change the raw text: insert, delete or replace characters (indentation, colons, quotes, tabs...)."""
    text = VALID
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(
            st.one_of(
                st.sampled_from([":", " ", "  ", "\t", "-", "'", '"', "#", "[", "{", "&a", "*a", "!!"]),
                st.text(max_size=4),
            )
        )
        if action == "insert":
            text = text[:at] + piece + text[at:]
        elif action == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 8)) :]
        else:
            text = text[:at] + piece + text[at + len(piece) :]
    return text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(structural_mutation(), text_mutation()))
def test_mutated_scenario_runs_or_fails_cleanly(text: str):
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "npm_baseline.yaml").write_text(BASELINE, encoding="utf-8")
        path = Path(folder) / "mutant.yaml"
        path.write_text(text, encoding="utf-8")
        try:
            scenario = load_scenario(path)
        except UserError as exc:
            message = str(exc)
            assert message and "Traceback" not in message
            assert "mutant.yaml" in message or "npm_baseline.yaml" in message, message
            return
        params = dict(scenario.params)
        params["n_citizens"] = min(params["n_citizens"], 300)  # a plumbing check, not a big run
        frame = run_timeseries(4, scenario.seed, **params)
        assert len(frame) == 5
