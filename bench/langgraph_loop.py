#!/usr/bin/env python3
"""The no-op loop as a LangGraph graph with its SQLite checkpointer: six nodes (discover, plan,
make, check, gate, reflect), each running the same no-op command as the durable-loops benchmark
(`sh -c true`), looping N times; every super-step is checkpointed to SQLite. Prints ms/iteration."""

import sqlite3
import subprocess
import sys
import tempfile
import time
from typing import TypedDict

from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.graph import END, StateGraph

STEPS = ["discover", "plan", "make", "check", "gate", "reflect"]


class State(TypedDict):
    i: int


def node(_name):
    def run(_state):
        subprocess.run(["sh", "-c", "true"], check=False)
        return {}
    return run


def main():
    n = int(sys.argv[1])
    graph = StateGraph(State)
    for name in STEPS:
        graph.add_node(name, node(name))
    graph.add_node("next", lambda s: {"i": s["i"] + 1})
    graph.set_entry_point("discover")
    for a, b in zip(STEPS, STEPS[1:]):
        graph.add_edge(a, b)
    graph.add_edge("reflect", "next")
    graph.add_conditional_edges("next", lambda s: END if s["i"] >= n else "discover")
    with tempfile.TemporaryDirectory() as tmp:
        conn = sqlite3.connect(tmp + "/checkpoints.db", check_same_thread=False)
        app = graph.compile(checkpointer=SqliteSaver(conn))
        start = time.perf_counter()
        app.invoke({"i": 0}, {"configurable": {"thread_id": "bench"}, "recursion_limit": n * 8 + 10})
        elapsed = time.perf_counter() - start
    print("%.3f" % (elapsed * 1000 / n))


if __name__ == "__main__":
    main()
