"""benchmarks/bench.py runs end to end in its quick mode and writes every section.

Nothing here looks at how fast anything was: timings on a shared machine
prove nothing in a test. What is checked is the shape of the report: every
section, engine, target and machine detail is there, each measurement has
its samples, the table is printed, the temporary files are gone, and a
missed target doesn't make the script fail.
"""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("placebo")  # the bench extra
pytest.importorskip("moto")
pytest.importorskip("aiobotocore")  # the async row (the test extra installs it)
pytest.importorskip("msgspec")  # the rows without it (the test extra installs it)

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "benchmarks", "bench.py")

ENGINES = {
    "playback": {"placebo_unittest", "placebo", "stubber", "stubber_preloaded"},
    "setup": {"placebo_unittest", "placebo", "moto", "bare"},
    "recording": {"placebo_unittest", "placebo"},
    "suite": {"placebo_unittest", "placebo", "moto", "stubber"},
}
GROUPS = {
    "playback": {"small", "large", "small, first replays", "large, first replays"},
    "setup": {"one client"},
    "recording": {"20", "100", "500", "linearity"},
    "suite": {"suite"},
}


def run_bench(tmp_path, *arguments):
    """Run the script with its own empty TMPDIR; return the finished process and that TMPDIR."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = dict(os.environ, TMPDIR=str(scratch), PYTHONDONTWRITEBYTECODE="1")
    done = subprocess.run([sys.executable, BENCH, *arguments], cwd=str(tmp_path), env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done, scratch


def test_the_quick_mode_reports_every_section_engine_and_target(tmp_path):
    out = tmp_path / "results.json"
    # The quick mode's sizes, with one run of each measurement and a 5-test suite to keep this test short.
    done, scratch = run_bench(tmp_path, "--quick", "--repeats", "1", "--suite-repeats", "1",
                              "--suite-tests", "5", "--json-out", str(out))
    report = json.loads(out.read_text())

    assert set(report["sections"]) == set(ENGINES)
    for section, data in report["sections"].items():
        assert data["unit"]
        assert set(data["groups"]) == GROUPS[section], section
        for name, group in data["groups"].items():
            assert group["description"]
            engines = ENGINES[section] - ({"stubber", "stubber_preloaded"} if "first replays" in name else set())
            if (section, name) == ("playback", "small"):
                engines |= {"placebo_unittest_async"}  # async replay beside sync replay
            if "first replays" in name:
                engines |= {"placebo_unittest_json", "parse_floor"}  # without msgspec; the bare parse
            assert set(group["engines"]) == engines, (section, name)
            for engine, row in group["engines"].items():
                assert row["median"] > 0, (section, name, engine)
                if name != "linearity":
                    assert len(row["samples"]) == 1
                    assert row["min"] <= row["median"] <= row["max"]
                    assert row["ratio"] > 0
    for engine, row in report["sections"]["suite"]["groups"]["suite"]["engines"].items():
        assert row["peak_rss_mib"]["median"] > 0, engine
    for engine in ("placebo_unittest", "placebo"):
        for group in ("large", "large, first replays"):
            assert report["sections"]["playback"]["groups"][group]["engines"][engine]["file_bytes"] > 1_000_000

    targets = report["targets"]
    assert [(t["section"], t["comparison"], t["limit"]) for t in targets] == [
        ("suite", ">=", 10.0), ("suite", ">=", 25.0), ("suite", "<=", 3.0), ("setup", "<=", 0.1),
        ("setup", "<=", 0.1), ("playback", "<=", 1.3), ("playback", "<=", 0.2), ("playback", "<=", 0.8),
        ("playback", "<=", 0.5), ("playback", "<=", 1.5), ("recording", "<=", 6.0)]
    assert all(t["status"] in ("PASS", "FAIL") and t["value"] > 0 for t in targets)

    machine = report["machine"]
    assert machine["platform"] and machine["python"] and machine["cpu_count"] >= 1
    assert set(machine["versions"]) >= {"placebo_unittest", "placebo", "boto3", "botocore", "moto"}
    assert report["settings"]["mode"] == "quick"
    assert report["settings"]["suite_tests"] == 5

    for heading in ("1. playback", "2. setup", "3. recording", "4. suite", "versions: "):
        assert heading in done.stdout
    assert done.stdout.count("target: ") == len(targets)
    assert os.listdir(str(scratch)) == []  # every temporary directory removed


def test_only_runs_one_section_and_the_quick_mode_writes_its_json_to_a_temporary_file(tmp_path):
    done, scratch = run_bench(tmp_path, "--quick", "--only", "recording", "--repeats", "1")
    written = done.stdout.strip().splitlines()[-1].split("results written to ", 1)[1]
    assert os.path.dirname(written) == str(scratch)
    with open(written) as handle:
        report = json.load(handle)
    assert list(report["sections"]) == ["recording"]
    assert [t["section"] for t in report["targets"]] == ["recording"]
    assert "1. playback" not in done.stdout and "3. recording" in done.stdout
    assert os.listdir(str(scratch)) == [os.path.basename(written)]


@pytest.mark.parametrize("arguments", [["--repeats", "0"], ["--only", "everything"]])
def test_bad_arguments_are_refused(tmp_path, arguments):
    done = subprocess.run([sys.executable, BENCH, *arguments], cwd=str(tmp_path),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "usage:" in done.stderr
