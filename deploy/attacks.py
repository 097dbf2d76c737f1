#!/usr/bin/env python3
"""Prints the attack suite's tally from the JUnit reports of the last Maven run.

An attack test is a test class whose name ends in ``AttackTest`` (Surefire) or ``AttackIT``
(Failsafe): each test method plays one attack an untrusted step (or a caller with too few roles)
would try, and passes only when the platform stopped it. This reads
``*/target/{surefire,failsafe}-reports/TEST-*Attack*.xml`` and prints one line per attack and the
tally; it exits 1 when an attack got through (a failed or errored test), 0 otherwise. Skipped
attacks (a machine without bubblewrap, say) are listed with the reason the test gave.
"""
import glob
import os
import sys
import xml.etree.ElementTree as ET

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
reports = sorted(set(glob.glob(os.path.join(root, "*", "target", "surefire-reports", "TEST-*Attack*.xml"))
                     + glob.glob(os.path.join(root, "*", "target", "failsafe-reports", "TEST-*Attack*.xml"))))
stopped, through, skipped = [], [], []
for report in reports:
    for case in ET.parse(report).getroot().iter("testcase"):
        name = f"{case.get('classname', '').rsplit('.', 1)[-1]}: {case.get('name')}"
        if case.find("failure") is not None or case.find("error") is not None:
            through.append(name)
        elif case.find("skipped") is not None:
            reason = case.find("skipped").get("message") or ""
            skipped.append(f"{name} ({reason})")
        else:
            stopped.append(name)
for name in stopped:
    print(f"  stopped      {name}")
for name in skipped:
    print(f"  skipped      {name}")
for name in through:
    print(f"  GOT THROUGH  {name}")
total = len(stopped) + len(through) + len(skipped)
print(f"attacks: {total} tried, {len(stopped)} stopped, {len(through)} got through, {len(skipped)} skipped")
sys.exit(1 if through else 0)
