#!/usr/bin/env python3
"""The backlog example's check: the attempt fixes at least one failing test and breaks none.

Runs the suite at the attempt (the working tree) and at its parent, the last checkpoint (exported
with `git archive` to a temporary directory), and passes only when the attempt's failing tests
are a strict subset of the checkpoint's.
"""

import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET


def failing(cwd):
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.xml")
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--junitxml=" + report],
                       cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not os.path.exists(report):
            raise SystemExit("the test suite did not run in %s" % cwd)
        return {c.get("name") for c in ET.parse(report).getroot().iter("testcase")
                if c.find("failure") is not None or c.find("error") is not None}


def main():
    now = failing(".")
    with tempfile.TemporaryDirectory() as parent:
        archive = subprocess.run(["git", "archive", "HEAD^"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", parent], input=archive, check=True)
        before = failing(parent)
    fixed, broken = before - now, now - before
    print("fixed: %s" % (", ".join(sorted(fixed)) or "none"))
    print("broken: %s" % (", ".join(sorted(broken)) or "none"))
    print("still failing: %d" % len(now))
    return 0 if fixed and not broken else 1


if __name__ == "__main__":
    sys.exit(main())
