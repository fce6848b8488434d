"""Scale-free citizens and a long run that levels off, on small populations (fast versions).

The full checks, with the issue's margins and many seeds, are docs/scale_invariance.py and docs/long_run.py
(their figures are in docs/validation.md); these test, in seconds and on seeds no constant was tuned on, what
the small versions can show: results and participants independent of the number of agents, and maintenance and
backlog bounded over fifteen years in a small municipality. They do not test levelling off over forty years,
which docs/validation.md (section 4) reports as missed in some scenarios.
"""

from __future__ import annotations

import numpy as np

from cocreate_sim.runner import run_model, run_timeseries

SEEDS = range(70_000, 70_012)
"""A block of seeds used by no other test and by no tuning."""
SMALL_TOWN = {"population": 4000, "n_departments": 3, "workers_per_department": 8}


def _means(n_citizens: int, steps: int, **levers) -> dict[str, float]:
    runs = [run_model(steps, seed, n_citizens=n_citizens, **SMALL_TOWN, **levers) for seed in SEEDS]
    return {c: float(np.mean([r[c] for r in runs])) for c in ("uptake", "inclusion_ratio", "participants")}


def test_how_many_agents_represent_the_inhabitants_does_not_change_the_results():
    coarse = _means(400, 104, leader_dialogue=0.6)
    fine = _means(4000, 104, leader_dialogue=0.6)
    assert abs(coarse["uptake"] - fine["uptake"]) < 0.04
    assert abs(coarse["inclusion_ratio"] - fine["inclusion_ratio"]) < 0.15  # 12 seeds: the standard error is ~0.05
    # participants are inhabitants, not agents: the count does not scale with the number of agents
    assert abs(coarse["participants"] - fine["participants"]) < 0.25 * fine["participants"] + 2


def test_participants_scale_with_the_inhabitants_not_with_the_agents():
    seeds = SEEDS[:6]
    few = [run_model(78, s, n_citizens=400, citizen_initiative_rate=1.0, **SMALL_TOWN) for s in seeds]
    many_people = {**SMALL_TOWN, "population": 16000}
    many = [run_model(78, s, n_citizens=400, citizen_initiative_rate=1.0, **many_people) for s in seeds]
    assert np.mean([r["participants"] for r in many]) > np.mean([r["participants"] for r in few])


def test_maintenance_and_backlog_stay_bounded_in_a_small_municipality_over_fifteen_years():
    weeks = 780
    frames = [run_timeseries(weeks, seed, n_citizens=200, **SMALL_TOWN) for seed in SEEDS[:4]]
    for column in ("maintenance_hours", "backlog"):
        early = np.mean([f[column].iloc[520:600].mean() for f in frames])
        late = np.mean([f[column].iloc[700:780].mean() for f in frames])
        assert late <= 1.5 * early + 5.0, column  # bounded: no growth without end
    facilities = np.mean([f["facilities_count"].iloc[-1] for f in frames])
    built_per_week = np.mean([f["facilities_count"].diff().clip(lower=0).sum() / weeks for f in frames])
    assert facilities < built_per_week * weeks  # facilities leave the stock (worn out or adopted)


# ------------------------------------------------------------- docs/long_run.py
def _long_run():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("long_run", Path(__file__).parents[1] / "docs" / "long_run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_long_run_verdicts_tell_levelling_from_growth_and_from_noise():
    import pandas as pd

    lr = _long_run()

    def rows(*cells):
        return pd.DataFrame(
            [dict(outcome=o, value=v, ci_low=lo, ci_high=hi) for o, (v, lo, hi) in zip(lr.LEVEL, cells, strict=True)]
        )

    assert lr.levelling_cells(rows((1.0, 0.95, 1.05), (1.02, 0.93, 1.08), (0.97, 0.91, 1.04))) == [
        "yes",
        "yes",
        "none",
    ]
    grows = lr.levelling_cells(rows((1.6, 1.3, 2.1), (1.05, 0.8, 1.3), (0.85, 0.7, 0.95)))
    assert grows == ["**no**", "**no**: backlog", "up backlog, down maintenance hours"]
    assert lr.levelling_cells(rows((1.05, 0.5, 1.8), (1.0, 0.6, 1.5), (1.0, 0.9, 1.1)))[:2] == ["yes", "undetermined"]


def test_long_run_prints_the_pages_tables_from_its_csv(tmp_path, capsys):
    lr = _long_run()
    out = tmp_path / "long_run.csv"
    baseline = str(lr.ROOT / "scenarios" / "npm_baseline.yaml")
    assert lr.main([baseline, "--replications", "2", "--horizon", "1040", "--workers", "1", "--out", str(out)]) == 0
    capsys.readouterr()
    assert lr.main(["--markdown", str(out)]) == 0
    text = capsys.readouterr().out
    assert text.count("| `npm_baseline` |") == 1 and "uptake, week 1,040" in text  # no week 2,080: no levelling
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense\n1\n")
    assert lr.main(["--markdown", str(bad)]) == 2
    assert "not a table this script wrote" in capsys.readouterr().err


def test_transition_arms_change_one_thing_each_within_its_range():
    import argparse
    import importlib.util
    from pathlib import Path

    import pytest

    from cocreate_sim.constants import CONSTANTS

    spec = importlib.util.spec_from_file_location("transition", Path(__file__).parents[1] / "docs" / "transition.py")
    tr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tr)
    arms = tr.settings([0.0, 0.7])
    assert [a[3] for a in arms[:2]] == [{}, {}] and [a[2]["zero_error_culture"] for a in arms[:2]] == [0.0, 0.7]
    shipped = arms[2][2]
    for _, _, levers, constants in arms[3:]:
        assert levers == shipped and len(constants) == 1
        ((name, value),) = constants.items()
        assert CONSTANTS[name].low <= value <= CONSTANTS[name].high and value != CONSTANTS[name].value
    with pytest.raises(argparse.ArgumentTypeError):
        tr.level_list("0.2,1.5")
    with pytest.raises(argparse.ArgumentTypeError):
        tr.level_list("none")
    relax = tr.relaxation_settings()
    assert relax[0][2]["zero_error_culture"] == 0.7 and relax[1][2] == shipped and relax[1][3] == {}
    for _, _, levers, constants in relax[2:]:  # one lever or one constant apart from the shipped file
        changed = {k: v for k, v in levers.items() if shipped.get(k) != v}
        assert len(changed) + len(constants) == 1


def test_the_relaxation_shocks_halve_or_raise_what_workers_learnt_and_nothing_else():
    import importlib.util
    from pathlib import Path

    from cocreate_sim.model import CoCreationModel

    spec = importlib.util.spec_from_file_location("transition", Path(__file__).parents[1] / "docs" / "transition.py")
    tr = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tr)
    model = CoCreationModel(rng=SEEDS[0], **SMALL_TOWN, n_citizens=400, zero_error_culture=0.2)
    for _ in range(30):
        model.step()
    before = [(w.practice, w.mindset, w.energy, w.weak_knowledge) for w in model.workers]
    backlog = [d.backlog for d in model.departments]
    tr.learning_shock(model)
    after = [(w.practice, w.mindset, w.energy, w.weak_knowledge) for w in model.workers]
    assert any(p > 0 for p, *_ in before)
    for (p0, m0, e0, k0), (p1, m1, e1, k1) in zip(before, after, strict=True):
        assert (p1, m1) == (p0 * tr.SHOCK_KEEP, m0 * tr.SHOCK_KEEP) and (e1, k1) == (e0, k0)
    assert [d.backlog for d in model.departments] == backlog
    tr.learning_gain(model)  # the other direction: half of what is not yet learnt, and nothing else
    for (p1, m1, e1, k1), w in zip(after, model.workers, strict=True):
        assert (w.practice, w.mindset) == (p1 + 0.5 * (1 - p1), m1 + 0.5 * (1 - m1))
        assert (w.energy, w.weak_knowledge) == (e1, k1)
    assert [d.backlog for d in model.departments] == backlog
    assert list(tr.SHOCKS.values()) == [tr.learning_shock, tr.learning_gain]


def test_the_ratchet_scripts_restoring_arms_are_refused_on_a_model_that_has_the_force(capsys):
    import importlib.util
    from pathlib import Path

    import pytest

    spec = importlib.util.spec_from_file_location("ratchet", Path(__file__).parents[1] / "docs" / "ratchet.py")
    rc = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rc)
    for arms in ("restoring", "shipped,both"):
        with pytest.raises(SystemExit) as stop:
            rc.main(["--arms", arms, "--replications", "2", "--out", "unused.csv"])
        assert stop.value.code == 2
        assert "has the restoring force already" in capsys.readouterr().err
