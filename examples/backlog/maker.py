#!/usr/bin/env python3
"""A stand-in coding agent for the backlog example: no model, no network, real edits.

It reads its task from the prompt durable-loops wrote ($LOOP_PROMPT_FILE, under "# Task for
iteration N") and applies the repair its small catalogue has for that failing test. One test
(test_rot13_keeps_upper_case_letters) has no repair here, so that task keeps failing and the
loop sets it aside, as it would for a task beyond the agent. Writes what it did to
$LOOP_RESULT_FILE, with a made-up cost.
"""

import json
import os
import pathlib
import sys

SOURCE = pathlib.Path("textkit.py")

REPAIRS = {
    "test_word_count_ignores_repeated_spaces": ('    return len(text.split(" "))\n', "    return len(text.split())\n"),
    "test_truncate_keeps_the_width": ('    return text[:width] + "..."\n', '    return text[:max(width - 3, 0)] + "..."\n'),
    "test_initials_are_upper_case": ('    return "".join(part[0] for part in name.split())\n',
                                     '    return "".join(part[0].upper() for part in name.split())\n'),
}


def task_of(prompt):
    lines = prompt.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# Task for iteration"):
            body = []
            for rest in lines[i + 1:]:
                if rest.startswith("#"):
                    break
                body.append(rest)
            return "\n".join(body)
    return ""


def main():
    task = task_of(pathlib.Path(os.environ["LOOP_PROMPT_FILE"]).read_text(encoding="utf-8"))
    source = SOURCE.read_text(encoding="utf-8")
    done = "no repair known for this task"
    for test, (old, new) in REPAIRS.items():
        if test in task and old in source:
            SOURCE.write_text(source.replace(old, new, 1), encoding="utf-8")
            done = "repaired the code behind " + test
            break
    print("maker (iteration %s): %s" % (os.environ.get("LOOP_ITERATION"), done))
    result = {"summary": done, "costUsd": 0.02, "tokens": 1200}
    pathlib.Path(os.environ["LOOP_RESULT_FILE"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
