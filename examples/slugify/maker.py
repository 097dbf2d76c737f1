#!/usr/bin/env python3
"""A stand-in coding agent for the durable-loops demo: no model, no network, real edits.

It behaves like a cautious agent that only fixes what it has evidence for. It reads its
prompt ($LOOP_PROMPT_FILE), which durable-loops composes from the goal, the Reflexion notes
and the last evidence, and applies each repair from its small catalogue whose failing test
it sees named there. With no evidence yet it makes its first guess. It then writes what it
did to $LOOP_RESULT_FILE, as a real agent wrapper would.
"""

import json
import os
import pathlib
import sys

SOURCE = pathlib.Path("slugify.py")

# Each repair: the failing test that calls for it, the text it replaces, the replacement.
REPAIRS = [
    {
        "name": "strip separators left at the end by max_length",
        "test": "test_max_length_leaves_no_trailing_separator",
        "old": "        value = value[:max_length]\n",
        "new": "        value = value[:max_length].rstrip(separator)\n",
    },
    {
        "name": "transliterate accented letters to ASCII before slugging",
        "test": "test_transliterates_accents",
        "old": "    value = text.lower() if lowercase else text\n",
        "new": (
            "    value = unicodedata.normalize(\"NFKD\", text)\n"
            "    value = value.encode(\"ascii\", \"ignore\").decode(\"ascii\")\n"
            "    value = value.lower() if lowercase else value\n"
        ),
        "import": "import unicodedata\n",
    },
]


def main():
    prompt = pathlib.Path(os.environ["LOOP_PROMPT_FILE"]).read_text(encoding="utf-8")
    chosen = [r for r in REPAIRS if r["test"] in prompt]
    if not chosen:
        chosen = [REPAIRS[0]]  # First guess, before any evidence exists.
    source = SOURCE.read_text(encoding="utf-8")
    done = []
    for repair in chosen:
        if repair["old"] not in source:
            continue
        source = source.replace(repair["old"], repair["new"], 1)
        if "import" in repair and repair["import"] not in source:
            source = source.replace("import re\n", "import re\n" + repair["import"], 1)
        done.append(repair["name"])
    SOURCE.write_text(source, encoding="utf-8")
    summary = "; ".join(done) if done else "nothing to change"
    print("maker (iteration %s): %s" % (os.environ.get("LOOP_ITERATION"), summary))
    result = {"summary": summary, "costUsd": 0.0, "tokens": 0}
    pathlib.Path(os.environ["LOOP_RESULT_FILE"]).write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
