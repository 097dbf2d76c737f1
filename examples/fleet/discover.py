#!/usr/bin/env python3
"""Discover for the fleet example: one task per helper in FEATURES without its module.

Prints a JSON array of tasks, `{"id": <name>, "title": "Add the <name> helper"}`, in FEATURES order;
`[]` when every helper exists (no work left).
"""

import json
import os

tasks = []
with open("FEATURES") as f:
    for name in (line.strip() for line in f):
        if name and not os.path.exists(name + ".py"):
            tasks.append({"id": name, "title": "Add the " + name + " helper"})
print(json.dumps(tasks))
