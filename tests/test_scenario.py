"""Scenario files: the shipped ones are valid, documented and runnable; every mistake is one clear paragraph."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from cocreate_sim import run_timeseries
from cocreate_sim.errors import UserError
from cocreate_sim.params import DEFAULTS, PARAMETERS, SEED_FILES
from cocreate_sim.scenario import load_scenario, parse_set, scenario_yaml
from cocreate_sim.yamlio import load_mapping

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
SHIPPED = sorted(SCENARIOS.glob("*.yaml"))
REQUIRED = [
    "npm_baseline",
    "npg_layered",
    "gentofte_task_committees",
    "vordingborg_2019",
    "rudersdal_leader_dialogue",
    "citizen_driven_local_development",
    "svelvik_context",
    "drop_zero_error_culture",
    "short_decision_paths",
    "outreach_to_weak_groups",
    "extra_bottom_line",
    "maintenance_pool",
]
SEED_NAMES = {text.split()[0] for text in SEED_FILES.values()}


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def base(tmp_path: Path) -> Path:
    """A copy of the baseline next to the files a test writes, so 'extends: npm_baseline.yaml' works."""
    write(tmp_path, "npm_baseline.yaml", (SCENARIOS / "npm_baseline.yaml").read_text(encoding="utf-8"))
    return tmp_path


def error_of(path: Path, **kw) -> str:
    with pytest.raises(UserError) as info:
        load_scenario(path, **kw)
    message = str(info.value)
    problems = getattr(info.value, "problems", [message])
    assert all("\n" not in p.strip() for p in problems), "each error is one paragraph"
    return message


# ------------------------------------------------------------------ shipped
def test_every_required_scenario_is_shipped():
    assert {p.stem for p in SHIPPED} >= set(REQUIRED)


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_validates_and_runs_a_short_horizon(path: Path):
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description, "every shipped scenario says what it represents"
    frame = run_timeseries(8, scenario.seed, **scenario.params)
    assert len(frame) == 9
    assert frame.notna().all().all()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_shipped_scenario_cites_seed_files_and_comments_every_lever(path: Path):
    text = path.read_text(encoding="utf-8")
    cited = set(re.findall(r"\d{3}_[0-9a-f]{16}\.txt", text))
    assert cited, f"{path.name} cites no seed file by name"
    assert cited <= SEED_NAMES, f"{path.name} cites unknown seed files {cited - SEED_NAMES}"
    in_params = False
    for line in text.splitlines():
        if line.startswith("params:"):
            in_params = True
            continue
        if in_params and re.match(r"^  [a-z_]+:", line):
            assert "#" in line, f"{path.name}: lever line without a comment: {line!r}"


def test_npm_baseline_equals_the_declared_defaults():
    """The report's 'differs from the baseline' table compares with PARAMETERS defaults: they must agree."""
    baseline = load_scenario(SCENARIOS / "npm_baseline.yaml")
    stale = {k: (v, DEFAULTS[k]) for k, v in baseline.params.items() if v != DEFAULTS[k]}
    assert not stale, f"scenarios/npm_baseline.yaml differs from params.PARAMETERS defaults: {stale}"
    raw = load_mapping(SCENARIOS / "npm_baseline.yaml")[0]
    assert set(raw["params"]) == set(PARAMETERS), "the baseline lists every lever"


@pytest.mark.parametrize("name", [n for n in REQUIRED if n != "npm_baseline"])
def test_variants_inherit_from_the_baseline_and_change_something(name: str):
    scenario = load_scenario(SCENARIOS / f"{name}.yaml")
    assert scenario.chain[0].name == "npm_baseline.yaml"
    assert scenario.changed, f"{name} changes no lever"


def test_inheritance_reaches_through_two_levels():
    svelvik = load_scenario(SCENARIOS / "svelvik_context.yaml")
    gentofte = load_scenario(SCENARIOS / "gentofte_task_committees.yaml")
    assert [p.stem for p in svelvik.chain] == ["npm_baseline", "gentofte_task_committees", "svelvik_context"]
    assert svelvik.params["network_design"] == gentofte.params["network_design"]  # inherited from the parent
    assert svelvik.params["task_committees"] < gentofte.params["task_committees"]  # overridden here
    assert svelvik.name == "svelvik_context"  # the name is never inherited


# ------------------------------------------------------------- overriding
def test_child_overrides_parent_and_command_line_overrides_both(base: Path):
    child = write(base, "child.yaml", "extends: npm_baseline.yaml\nhorizon: 52\nparams:\n  discretion: 0.5\n")
    s = load_scenario(child, {"discretion": "0.6", "leader_dialogue": "0.4"}, replications=3, seed=7)
    assert (s.steps, s.replications, s.seed) == (52, 3, 7)
    assert s.params["discretion"] == 0.6 and s.params["leader_dialogue"] == 0.4
    assert s.overrides == {"discretion": 0.6, "leader_dialogue": 0.4}


def test_resolved_scenario_yaml_runs_again_with_the_same_settings(base: Path):
    child = write(base, "child.yaml", "extends: npm_baseline.yaml\nseed: 9\nparams:\n  task_committees: 3\n")
    first = load_scenario(child, {"zero_error_culture": "0.25"})
    again = write(base, "resolved.yaml", scenario_yaml(first, {"git_commit": "abc"}))
    second = load_scenario(again)
    assert second.params == first.params
    assert (second.steps, second.replications, second.seed, second.name) == (
        first.steps,
        first.replications,
        first.seed,
        "child",
    )


def test_parse_set_rejects_an_item_without_equals_sign():
    assert parse_set(["a=1", " b = 2 "]) == {"a": "1", "b": "2"}
    with pytest.raises(UserError, match="expected key=value"):
        parse_set(["zero_error_culture"])


# ------------------------------------------------------------------ errors
def test_unknown_parameter_names_file_line_and_suggestion(base: Path):
    path = write(base, "typo.yaml", "extends: npm_baseline.yaml\nparams:\n  zero_eror_culture: 0.3\n")
    message = error_of(path)
    assert "typo.yaml, line 3" in message
    assert "params.zero_eror_culture" in message
    assert "Did you mean 'zero_error_culture'?" in message


def test_unknown_top_level_key_suggests_the_closest(base: Path):
    message = error_of(write(base, "top.yaml", "extends: npm_baseline.yaml\nreplicatons: 5\n"))
    assert "top.yaml, line 2" in message and "Did you mean 'replications'?" in message


def test_parameter_at_top_level_is_told_to_go_under_params(base: Path):
    message = error_of(write(base, "flat.yaml", "extends: npm_baseline.yaml\ndiscretion: 0.5\n"))
    assert "'discretion' is a parameter: write it indented under 'params:'" in message


def test_command_line_typo_gets_a_suggestion(base: Path):
    with pytest.raises(UserError, match="Did you mean 'leader_dialogue'"):
        load_scenario(base / "npm_baseline.yaml", {"leader_dialog": "0.5"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("horizon: soon\n", "'horizon' must be the horizon in weeks"),
        ("horizon: 52.5\n", "whole number"),
        ("horizon: 0\n", "out of range"),
        ("seed: -1\n", "out of range"),
        ("replications: true\n", "a true/false value"),
        ("description: [a, b]\n", "'description' must be text"),
        ("params: [zero_error_culture]\n", "'params' must be a mapping"),
        ("params:\n  zero_error_culture: high\n", "must be a number between 0.0 and 1.0"),
        ("params:\n  zero_error_culture: 1.5\n", "out of range"),
        ("params:\n  zero_error_culture: 0,3\n", "Write decimals with a point, not a comma: 0.3"),
        ("params:\n  decision_path_length: 2.5\n", "whole number"),
        ("params:\n  discretion: .nan\n", "finite"),
        ("extends: 3\n", "'extends' must name one scenario file"),
        ("name: has space\n", "'name' becomes part of a results folder's name"),
    ],
)
def test_wrong_type_or_range_names_the_key_and_what_is_allowed(base: Path, text: str, expected: str):
    path = write(base, "bad.yaml", ("" if text.startswith("extends") else "extends: npm_baseline.yaml\n") + text)
    message = error_of(path)
    assert "bad.yaml" in message
    assert expected in message


def test_range_error_shows_the_line(base: Path):
    path = write(base, "range.yaml", "extends: npm_baseline.yaml\nparams:\n  discretion: 0.2\n  silo_strength: 2\n")
    message = error_of(path)
    assert "range.yaml, line 4" in message and "0.0 to 1.0" in message


def test_missing_extends_names_the_file_and_suggests(base: Path):
    message = error_of(write(base, "child.yaml", "extends: npm_baselin.yaml\n"))
    assert "child.yaml, line 1" in message and "does not exist" in message
    assert "npm_baseline.yaml'?" in message


def test_circular_extends_shows_the_cycle(tmp_path: Path):
    write(tmp_path, "a.yaml", "extends: b.yaml\n")
    write(tmp_path, "b.yaml", "extends: c.yaml\n")
    write(tmp_path, "c.yaml", "extends: a.yaml\n")
    message = error_of(tmp_path / "a.yaml")
    assert "circular 'extends'" in message
    assert "a.yaml -> " in message and "b.yaml -> " in message and "c.yaml -> " in message


def test_error_in_a_parent_names_the_parent_and_the_child(base: Path):
    write(base, "parent.yaml", "extends: npm_baseline.yaml\nparams:\n  discretion: 9\n")
    message = error_of(write(base, "child.yaml", "extends: parent.yaml\n"))
    assert "parent.yaml, line 3" in message and "child.yaml" in message


def test_malformed_yaml_gives_the_line(base: Path):
    path = write(base, "broken.yaml", "extends: npm_baseline.yaml\nparams:\n  discretion: 0.5\n   silo_strength: 0.2\n")
    message = error_of(path)
    assert "broken.yaml, line 4" in message and "not valid YAML" in message


def test_tab_indentation_is_named(base: Path):
    path = write(base, "tabs.yaml", "extends: npm_baseline.yaml\nparams:\n\tdiscretion: 0.5\n")
    message = error_of(path)
    assert "tabs.yaml, line 3" in message and "indent with spaces only" in message


def test_duplicate_key_is_refused(base: Path):
    path = write(base, "dup.yaml", "extends: npm_baseline.yaml\nparams:\n  discretion: 0.5\n  discretion: 0.6\n")
    message = error_of(path)
    assert "appears twice" in message and "line 4" in message and "line 3" in message


def test_yaml_tags_are_never_constructed(base: Path, tmp_path: Path):
    marker = tmp_path / "pwned"
    path = write(base, "evil.yaml", f'params: !!python/object/apply:os.system ["touch {marker}"]\n')
    message = error_of(path)
    assert "no YAML tags" in message
    assert not marker.exists()


def test_missing_file_suggests_a_near_name():
    message = error_of(SCENARIOS / "npm_baselin.yaml")
    assert "no such file" in message and "npm_baseline.yaml'?" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "empty"), (b"- a\n- b\n", "a list"), (b"\xff\xfe\x00bad", "not UTF-8")],
)
def test_files_that_are_not_scenarios(tmp_path: Path, content: bytes, expected: str):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    assert expected in error_of(path)


def test_shares_that_exceed_one_together_are_refused(base: Path):
    path = write(base, "shares.yaml", "extends: npm_baseline.yaml\nparams:\n  weak_share: 0.6\n  strong_share: 0.5\n")
    message = error_of(path)
    assert "shares.yaml" in message and "must not exceed 1" in message


def test_load_mapping_reads_a_mapping_and_rejects_others(tmp_path: Path):
    data, lines = load_mapping(write(tmp_path, "ok.yaml", "a: 1\nb:\n  - x\n  - y\n"))
    assert data == {"a": 1, "b": ["x", "y"]}
    assert lines[("b",)] == 2 and lines[("b", "1")] == 4
    with pytest.raises(UserError, match="mapping"):
        load_mapping(write(tmp_path, "list.yaml", "- 1\n"))
    with pytest.raises(UserError, match="line 2"):
        load_mapping(write(tmp_path, "bad.yaml", "a: 1\nb: [\n"))


def test_validation_lists_every_mistake_in_a_file_at_once(base: Path):
    path = write(
        base,
        "many.yaml",
        "extends: npm_baseline.yaml\nhorizn: 10\nseed: -1\nparams:\n  zero_error_culure: 0.3\n"
        "  leader_dialogue: 7\n  decision_path_length: 3\n",
    )
    message = error_of(path)
    assert message.startswith("many.yaml: 4 problems.") or "4 problems" in message
    for expected in ("line 2", "horizon", "line 3", "line 5", "zero_error_culture", "line 6", "leader_dialogue"):
        assert expected in message


def test_extends_names_only_yaml_files(base: Path):
    path = write(base, "passwd.yaml", "extends: /etc/passwd\n")
    message = error_of(path)
    assert ".yaml or .yml" in message and "root:" not in message


def test_a_device_or_pipe_is_not_a_scenario_file(tmp_path: Path):
    import os

    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert "not a regular file" in error_of(fifo)
    assert "not a regular file" in error_of(Path("/dev/zero"))


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghi":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
    bomb += "params:\n  zero_error_culture: *i\n"
    message = error_of(write(tmp_path, "bomb.yaml", bomb))
    assert "aliases" in message and len(message) < 1000


def test_every_shipped_file_is_plain_safe_yaml():
    for path in SHIPPED:
        assert isinstance(yaml.safe_load(path.read_text(encoding="utf-8")), dict)
