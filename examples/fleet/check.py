#!/usr/bin/env python3
"""The fleet example's check: every helper module present works, and the registry imports."""

import importlib
import os
import sys

EXPECT = {"title": ("hello world", "Hello World"), "reverse": ("abc", "cba"), "upper": ("ab", "AB"), "lower": ("AB", "ab")}
sys.path.insert(0, os.getcwd())
failed = []
for name, (arg, want) in EXPECT.items():
    if os.path.exists(name + ".py"):
        got = getattr(importlib.import_module(name), name)(arg)
        if got != want:
            failed.append("%s(%r) = %r, want %r" % (name, arg, got, want))
registry = importlib.import_module("registry").REGISTRY
for name, fn in registry.items():
    if fn(EXPECT[name][0]) != EXPECT[name][1]:
        failed.append("registry %s is wrong" % name)
print("\n".join(failed) or "all helpers work")
sys.exit(1 if failed else 0)
