"""Rewrites pytest's JUnit report as the little of a TRX file that tests/run.sh reads (the Counters element and one
UnitTestResult per test, with the message and the test-code lines of a failure), so the closing "N passed, N failed"
line and the list of failures count the Python tests like every .NET test module.

    python3 junit_to_trx.py sparkportal.junit.xml sparkportal.trx

A skipped test counts as failed: no test may be skipped. A missing report (pytest crashed) is one failure."""

import os
import sys
import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape, quoteattr

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def result(name, outcome, message="", lines=()):
    body = ""
    if outcome != "Passed":
        # run.sh shows the stack lines that name a path under /tests/.
        stack = "\n".join("   at " + os.path.join(ROOT, line.strip()) for line in lines if line.strip().startswith("tests/python/"))
        body = "<Output><ErrorInfo><Message>{}</Message><StackTrace>{}</StackTrace></ErrorInfo></Output>".format(
            escape(message), escape(stack))
    return "<UnitTestResult testName={} outcome=\"{}\">{}</UnitTestResult>".format(quoteattr(name), outcome, body)


def main(junit, trx):
    results, passed, failed = [], 0, 0
    if os.path.exists(junit):
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = "python: {}.{}".format(case.get("classname"), case.get("name"))
            problem = next((case.find(tag) for tag in ("failure", "error", "skipped") if case.find(tag) is not None), None)
            if problem is None:
                passed += 1
                results.append(result(name, "Passed"))
                continue
            failed += 1
            message = ("skipped, and no test may be skipped: " if problem.tag == "skipped" else "") + (problem.get("message") or "")
            results.append(result(name, "Failed", message, (problem.text or "").splitlines()))
    else:
        failed += 1
        results.append(result("python: pytest", "Failed", "pytest wrote no report " + junit + " (see its output above)"))
    with open(trx, "w", encoding="utf-8") as f:
        f.write("<TestRun><Results>{}</Results><ResultSummary><Counters total=\"{}\" passed=\"{}\" failed=\"{}\" "
                "error=\"0\" timeout=\"0\" aborted=\"0\" /></ResultSummary></TestRun>\n".format(
                    "".join(results), passed + failed, passed, failed))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
