"""Options and files that ask for the impossible (a tester's probes of sweep, screen, calibrate, regime, robust,
robustness and patterns, Dec 2026): refused in one paragraph before anything starts or is written."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cocreate_sim import cli
from cocreate_sim.calibration.abc import _check_history
from cocreate_sim.calibration.targets import load_targets
from cocreate_sim.errors import UserError
from cocreate_sim.limits import MAX_WORKERS
from cocreate_sim.robustness import SHOWN_UNKNOWN, parse_constant_names
from cocreate_sim.sweep.design import load_sweep
from cocreate_sim.yamlio import load_mapping

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ROOT / "calibration" / "targets.yaml"


def _refused_by_argparse(argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        cli.main(argv)
    assert stop.value.code == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def _sweep_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(body)
    return path


GRID = "design: grid\nreplications: 1\nhorizon: 2\nvary:\n  zero_error_culture: [0.1, 0.2]\n"


def test_a_malformed_cluster_address_is_refused_before_the_sweep_folder_is_made(tmp_path, capsys):
    out = tmp_path / "out"
    err = _refused_by_argparse(
        ["sweep", str(_sweep_file(tmp_path, GRID)), "--cluster", "nonsense", "--out", str(out)], capsys
    )
    assert "not a Dask scheduler address" in err and "tcp://" in err
    assert not out.exists()


def test_more_worker_processes_than_any_machine_has_is_refused(tmp_path, capsys):
    code = cli.main(
        ["sweep", str(_sweep_file(tmp_path, GRID)), "--workers", str(MAX_WORKERS + 1), "--out", str(tmp_path / "o")]
    )
    assert code == cli.EXIT_USER_ERROR
    assert f"from 1 to {MAX_WORKERS:,}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv, option",
    [
        (["regime", "leader_dialogue", "--levels", "100000000000"], "--levels"),
        (["regime", "leader_dialogue", "--burn-in", "999999"], "--burn-in"),
        (["screen", str(TARGETS), "--trajectories", "100000000000"], "--trajectories"),
        (["screen", str(TARGETS), "--draws", "100000000000"], "--draws"),
        (["calibrate", str(TARGETS), "--budget", "99999999999999999999"], "--budget"),
        (["calibrate", str(TARGETS), "--population", "1000000000000"], "--population"),
        (["patterns", "--replications", "1"], "--replications"),
        (["patterns", "--base-seed", "-1"], "--base-seed"),
    ],
)
def test_counts_no_study_needs_are_refused_before_memory_is_reserved(capsys, argv, option):
    err = _refused_by_argparse(argv, capsys)
    assert f"argument {option}: must be from" in err


def test_regime_names_both_options_when_burn_in_and_horizon_are_too_long_together(tmp_path, capsys):
    argv = ["regime", "leader_dialogue", "--burn-in", "5000", "--horizon", "520", "--out", str(tmp_path)]
    assert cli.main(argv) == cli.EXIT_USER_ERROR
    err = capsys.readouterr().err
    assert "--burn-in 5,000 and --horizon 520" in err and "5,200" in err


def test_a_sweep_never_writes_into_a_system_folder(tmp_path, capsys):
    code = cli.main(["sweep", str(_sweep_file(tmp_path, GRID)), "--workers", "1", "--out", "/etc/cocreate-test"])
    assert code == cli.EXIT_USER_ERROR
    assert "system folder" in capsys.readouterr().err
    assert not Path("/etc/cocreate-test").exists()


def test_a_lever_both_fixed_and_varied_is_refused(tmp_path):
    with pytest.raises(UserError, match="under both 'params' and 'vary'"):
        load_sweep(_sweep_file(tmp_path, GRID + "params:\n  zero_error_culture: 0.5\n"))


def test_a_misspelt_bound_is_named(tmp_path):
    body = "design: lhs\nsamples: 4\nvary:\n  zero_error_culture: {low: 0.5, hi: 0.9}\n"
    with pytest.raises(UserError, match="unknown key 'hi'.*Did you mean 'high'"):
        load_sweep(_sweep_file(tmp_path, body))


def test_a_folder_as_base_scenario_is_called_a_folder(tmp_path):
    body = f"design: grid\nbase: {tmp_path}\nvary:\n  zero_error_culture: [0.1, 0.2]\n"
    with pytest.raises(UserError, match="is a folder, not a scenario file"):
        load_sweep(_sweep_file(tmp_path, body))


@pytest.mark.parametrize("name", ["../../../tmp/evil", "/tmp/evil", "[1, 2]", "..", "a/b"])
def test_a_targets_name_is_one_plain_folder_name(tmp_path, name):
    text = TARGETS.read_text()
    bad = tmp_path / "t.yaml"
    bad.write_text(text.replace("name: denmark_national", f"name: {name}", 1))
    with pytest.raises(UserError, match="'name' becomes part of a results folder's name"):
        load_targets(bad)


def test_numbers_in_exponent_form_are_numbers(tmp_path):
    path = tmp_path / "n.yaml"
    path.write_text("a: 1e-2\nb: 5E1\nc: -2e+1\nd: e5\n")
    data, _ = load_mapping(path)
    assert data == {"a": 0.01, "b": 50.0, "c": -20.0, "d": "e5"}


def test_a_pasted_list_of_unknown_constants_is_not_a_page_of_names():
    with pytest.raises(UserError) as refused:
        parse_constant_names(",".join(f"nonsense_{i}" for i in range(2000)))
    text = str(refused.value)
    assert f"and {2000 - 1 - SHOWN_UNKNOWN:,} more" in text and len(text) < 1000


def test_a_damaged_history_is_refused_before_pyabc_reads_it(tmp_path):
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"\x00not a database" * 100)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for db in (garbage, empty):
        with pytest.raises(UserError, match="is not a pyabc history"):
            _check_history(db)
    good = tmp_path / "good.db"
    with sqlite3.connect(good) as con:
        con.execute("CREATE TABLE abc_smc (id INTEGER PRIMARY KEY)")
        con.execute("INSERT INTO abc_smc (id) VALUES (1)")
    con.close()
    _check_history(good)


def test_text_that_looks_like_a_number_survives_the_round_trip_through_a_results_folder():
    from cocreate_sim.yamlio import _Loader, dump

    data = {"name": "2e3", "code": "123e456", "x": "1.04e2", "n": 1.04e2}
    assert _Loader(dump(data)).get_single_data() == data


@pytest.mark.parametrize("text, number", [("1.04e2", 104.0), (".5E1", 5.0), ("1e-3", 0.001)])
def test_every_exponent_form_is_a_number(tmp_path, text, number):
    path = tmp_path / "n.yaml"
    path.write_text(f"a: {text}\n")
    assert load_mapping(path)[0] == {"a": number}


def test_a_file_without_a_name_is_named_after_the_file_made_plain(tmp_path):
    from cocreate_sim.scenario import load_scenario

    plan = tmp_path / "my plan (v2).yaml"
    plan.write_text("horizon: 10\n")
    assert load_scenario(plan).name == "my_plan_v2_"
    (tmp_path / "calibration").mkdir()
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    targets = tmp_path / "calibration" / "my targets.yaml"
    targets.write_text(TARGETS.read_text().replace("name: denmark_national\n", "", 1))
    assert load_targets(targets).name == "my_targets"
    swept = tmp_path / "my sweep.yaml"
    swept.write_text(GRID)
    assert load_sweep(swept).name == "my_sweep"


@pytest.mark.parametrize("address", ["ucx://127.0.0.1:13337", "tls://127.0.0.1:1", "inproc://x", "host"])
def test_cluster_addresses_this_package_cannot_use_are_refused_up_front(capsys, address):
    err = _refused_by_argparse(["screen", str(TARGETS), "--cluster", address], capsys)
    assert "not a Dask scheduler address" in err


def test_a_pasted_cluster_address_with_a_trailing_space_is_read():
    from cocreate_sim.executor import cluster_address

    assert cluster_address(" tcp://10.0.0.5:8786 ") == "tcp://10.0.0.5:8786"
    assert cluster_address("[fe80::1%eth0]:8786") == "[fe80::1%eth0]:8786"


def test_an_os_error_without_a_path_keeps_its_reason(monkeypatch, capsys):
    def refuse(args):
        raise TimeoutError("Timed out trying to connect to tcp://10.0.0.5:8786")

    monkeypatch.setattr(cli, "cmd_validate", refuse)
    assert cli.main(["validate", str(TARGETS)]) == cli.EXIT_FAILED
    assert "Timed out trying to connect to tcp://10.0.0.5:8786" in capsys.readouterr().err
