"""The command line: solve to a file, check a plan, exit codes, progress on stderr."""

from __future__ import annotations

import io
import json
import subprocess
import sys

from test_optimizer_solve import two_members

from optimizer.__main__ import main


def run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def write(tmp_path, name, data) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def test_solve_writes_the_plan_and_check_accepts_it(tmp_path):
    instance = write(tmp_path, "i.json", two_members())
    plan_path = str(tmp_path / "plan.json")
    code, _, err = run(["solve", instance, "-o", plan_path, "--time-limit", "20", "--gap", "0",
                        "--threads", "1"])
    assert code == 0
    assert "optimal: total 232.50" in err and "validate" in err  # progress line, then summary
    plan = json.loads((tmp_path / "plan.json").read_text())
    assert plan["total_cost"] == "232.50"
    code, out, _ = run(["check", instance, plan_path])
    assert (code, out) == (0, "plan keeps every rule\n")


def test_check_lists_every_broken_rule(tmp_path):
    instance = write(tmp_path, "i.json", two_members())
    plan = {"version": 1, "status": "feasible", "total_cost": "1.00",
            "lines": [{"site": "s1", "offer": "milk-dairy", "packs": 2, "amount": "1.00"}],
            "deliveries": []}
    code, out, _ = run(["check", instance, write(tmp_path, "p.json", plan)])
    assert code == 1
    assert "rule 2: site s1 needs 24 of milk but gets 8" in out
    assert "rule 2: site s2 needs 24 of milk but gets 0" in out
    assert "rule 5: delivery of dairy to s1 is not listed" in out
    assert "rule 6: total_cost 1.00 stated, 42.00 by the rules" in out


def test_invalid_and_infeasible_instances_have_their_own_exit_codes(tmp_path):
    bad = two_members()
    bad["demands"][0]["item"] = "cheese"
    code, _, err = run(["solve", write(tmp_path, "bad.json", bad), "--quiet"])
    assert code == 3 and "unknown item 'cheese'" in err
    infeasible = two_members()
    infeasible["vendors"][1]["regions"] = ["elsewhere"]
    code, out, err = run(["solve", write(tmp_path, "inf.json", infeasible), "--quiet"])
    assert code == 2 and json.loads(out)["status"] == "infeasible"
    assert "cannot be met: site s1 needs bread, but no vendor offering it (grocer) serves " \
           "region 97401" in err
    code, _, err = run(["check", str(tmp_path / "missing.json"), str(tmp_path / "p.json")])
    assert code == 1 and "error:" in err


def test_python_dash_m_entry_point(tmp_path):
    instance = write(tmp_path, "i.json", two_members())
    done = subprocess.run([sys.executable, "-m", "optimizer", "solve", instance, "--quiet",
                           "--no-standalone"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    assert json.loads(done.stdout)["total_cost"] == "232.50"
