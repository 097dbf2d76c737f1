#!/usr/bin/env python3
"""Discover for the backlog example: the failing tests of the repository, one task each.

Runs the test suite (pytest, JUnit XML to a temporary file) and prints a JSON array of tasks,
`{"id": <test id>, "title": "Make <test> pass", "detail": <the failure>}`, in test order. No
failing test prints `[]`: no work left. Exits 0 whatever the tests do; only a suite that cannot
run at all exits non-zero.
"""

import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def main():
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.xml")
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=" + report],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(report):
            print("the test suite did not run", file=sys.stderr)
            return 2
        tasks = []
        for case in ET.parse(report).getroot().iter("testcase"):
            failure = case.find("failure")
            if failure is None:
                failure = case.find("error")
            if failure is None:
                continue
            name = case.get("name")
            tasks.append({
                "id": "%s::%s" % (case.get("classname"), name),
                "title": "Make %s pass" % name,
                "detail": (failure.get("message") or "").strip()[:500],
            })
    print(json.dumps(tasks, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
