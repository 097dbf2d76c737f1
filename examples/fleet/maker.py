#!/usr/bin/env python3
"""A stand-in agent for the fleet example (no network, no model): reads its task from the goal
(`Task (one of a fan-out): Add the <name> helper`), writes `<name>.py`, and for `title` and
`reverse` also registers the helper at the end of registry.py. Those two children both append to
the same place of registry.py, so whichever lands second conflicts and goes back to a fresh child,
which starts from the new head and lands.
"""

import json
import os
import re

BODIES = {
    "title": "return text.title()",
    "reverse": "return text[::-1]",
    "upper": "return text.upper()",
    "lower": "return text.lower()",
}

match = re.search(r"Task \(one of a fan-out\): Add the (\w+) helper", os.environ.get("LOOP_GOAL", ""))
name = match.group(1) if match else None
if name in BODIES:
    with open(name + ".py", "w") as f:
        f.write("def %s(text):\n    %s\n" % (name, BODIES[name]))
    if name in ("title", "reverse"):
        with open("registry.py", "a") as f:
            f.write("\nfrom %s import %s\nREGISTRY[%r] = %s\n" % (name, name, name, name))
with open(os.environ["LOOP_RESULT_FILE"], "w") as f:
    json.dump({"summary": "added the %s helper" % name if name else "no task found in the goal", "costUsd": 0.01}, f)
