"""Paths the file system refuses (a link that loops, a name too long, a folder we may not read) and files with
thousands of mistakes: one clear paragraph and a non-zero exit, never a traceback (a tester's probes, Dec 2026)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from cocreate_sim import cli
from cocreate_sim.scenario import MAX_PROBLEMS_SHOWN

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "npm_baseline.yaml"
LONG = "a" * 300
"""A file name longer than any file system allows (255 bytes)."""


def _error(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "{loop}"],
        ["{loop}"],
        ["compare", str(BASELINE), "{loop}"],
        ["report", "{loop}"],
        ["new", "mine", "--from", "{loop}"],
    ],
)
def test_a_link_that_points_at_itself_is_a_clean_error(tmp_path, monkeypatch, capsys, argv):
    loop = tmp_path / "loop.yaml"
    os.symlink(loop.name, loop)
    monkeypatch.chdir(tmp_path)
    assert cli.main([a.replace("{loop}", str(loop)) for a in argv]) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "loop.yaml" in err and err.count("\n") <= 2


@pytest.mark.parametrize("argv", [[LONG], ["report", LONG], ["new", "mine", "--from", LONG]])
def test_a_name_too_long_for_the_file_system_is_a_clean_error(tmp_path, monkeypatch, capsys, argv):
    monkeypatch.chdir(tmp_path)
    assert cli.main(argv) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "too long" in err and "255" in err


@pytest.mark.parametrize("out", ["", LONG])
def test_an_empty_or_impossible_out_folder_is_refused_before_anything_runs(tmp_path, monkeypatch, capsys, out):
    monkeypatch.chdir(tmp_path)
    assert cli.main([str(BASELINE), "--steps", "1", "--point", "--replications", "2", "--out", out]) == 2
    assert "--out" in _error(capsys)
    assert list(tmp_path.iterdir()) == []  # nothing written, not even into the working folder


def test_an_os_error_that_no_command_expected_names_its_path(monkeypatch, capsys):
    def refuse(args):
        raise PermissionError(13, "Permission denied", "results/x/summary.csv")

    monkeypatch.setattr(cli, "cmd_validate", refuse)
    assert cli.main(["validate", str(BASELINE)]) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "summary.csv: Permission denied" in err and err.count("\n") == 1


def test_thousands_of_mistakes_in_one_file_are_not_a_page_of_errors(tmp_path, capsys):
    bad = tmp_path / "many.yaml"
    lines = "\n".join(f"  not_a_lever_{i}: 1" for i in range(500))
    bad.write_text(f"name: many\nparams:\n{lines}\n")
    assert cli.main(["validate", str(bad)]) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "500 problems" in err and f"and {500 - MAX_PROBLEMS_SHOWN} more" in err
    assert err.count("\n- ") == MAX_PROBLEMS_SHOWN + 1


@pytest.mark.parametrize("value", ["1:30", "0x10", "010", "-010", "0b11"])
def test_numbers_yaml_would_read_in_another_base_are_refused(tmp_path, capsys, value):
    scenario = tmp_path / "odd.yaml"
    scenario.write_text(f"name: odd\nhorizon: {value}\n")
    assert cli.main(["validate", str(scenario)]) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "odd.yaml, line 2" in err and "plain decimal" in err


@pytest.mark.parametrize("value", ["90", "+90", "1_000"])
def test_plain_decimals_are_still_read(tmp_path, capsys, value):
    scenario = tmp_path / "plain.yaml"
    scenario.write_text(f"name: plain\nhorizon: {value}\n")
    assert cli.main(["validate", str(scenario)]) == 0


def test_a_link_to_nothing_says_so_instead_of_suggesting_its_own_name(tmp_path, capsys):
    link = tmp_path / "mine.yaml"
    os.symlink("gone.yaml", link)
    assert cli.main(["validate", str(link)]) == cli.EXIT_USER_ERROR
    err = _error(capsys)
    assert "is a link to 'gone.yaml', which does not exist" in err and "Did you mean" not in err
