#!/usr/bin/env python3
"""Starts a shipped example loop through the HTTP API and follows it to its end.

Builds the example repository (<example>/repo, e.g. examples/slugify/repo, real Python source with
two bugs) as a git repository under the data directory, posts <example>/loop.json, prints each
iteration as it happens (and a backlog loop's tasks), approves the pending attempt when the gate
asks (as the demo's human, after showing the diff; DEMO_APPROVE=manual leaves it to you), and
prints the final state. Exits 0 when the loop ends with the status the example expects
(--expect, default SUCCEEDED). Standard library only.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request


def call(api, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(api + path, data=data, method=method,
                                 headers={"Content-Type": "application/json", "Accept": "application/json",
                                          "Authorization": "Bearer " + os.environ.get("API_TOKEN", "")})
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            text = resp.read().decode()
            return json.loads(text) if text and resp.headers.get_content_type().endswith("json") else text
    except urllib.error.HTTPError as e:
        raise SystemExit("%s %s -> %s %s" % (method, path, e.code, e.read().decode()))


def build_repository(example, data):
    repo = os.path.join(data, "examples", os.path.basename(os.path.normpath(example)) + "-repo")
    if os.path.isdir(os.path.join(repo, ".git")):
        return repo
    shutil.copytree(os.path.join(example, "repo"), repo)
    git = ["git", "-c", "user.name=durable-loops demo", "-c", "user.email=demo@durable-loops.invalid"]
    subprocess.run(git + ["init", "-q", "-b", "main"], cwd=repo, check=True)
    subprocess.run(git + ["add", "-A"], cwd=repo, check=True)
    subprocess.run(git + ["commit", "-q", "-m", "initial import"], cwd=repo, check=True)
    return repo


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--api", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--example", required=True)
    p.add_argument("--expect", default="SUCCEEDED", help="the status the example ends with")
    args = p.parse_args()

    repo = build_repository(args.example, args.data)
    text = open(os.path.join(args.example, "loop.json"), encoding="utf-8").read()
    text = text.replace("${REPOSITORY}", repo).replace("${EXAMPLE_DIR}", os.path.abspath(args.example))
    started = call(args.api, "POST", "/api/loops", json.loads(text))
    loop_id = started["id"]
    print("started %s" % loop_id)
    print("  state        %s%s" % (args.api, started["links"]["self"]))
    print("  Temporal UI  %s" % started["links"]["temporal"])

    seen_iterations = 0
    seen_reflections = 0
    manual = os.environ.get("DEMO_APPROVE") == "manual"
    last_tasks = None
    while True:
        state = call(args.api, "GET", "/api/loops/" + loop_id)
        # A loop whose first workflow task has not run yet answers without iterations or reflections.
        for record in (state.get("iterations") or [])[seen_iterations:]:
            print("iteration %d: %s  checks %s  -> %s (%s)" % (
                record["iteration"], record.get("diffStat"), " ".join(record["checks"]),
                record["verdict"], record["reason"]))
            seen_iterations += 1
        for reflection in (state.get("reflections") or [])[seen_reflections:]:
            print("  reflection on iteration %d:\n    %s" % (
                reflection["iteration"], reflection["text"].strip().replace("\n", "\n    ")))
            seen_reflections += 1
        pending = state.get("pendingDecision")
        if state["status"] == "AWAITING_APPROVAL" and pending:
            print("iteration %d awaits approval: %s, diff %s" % (pending["iteration"], pending["diffStat"], pending["diffHash"][:12]))
            if manual:
                print("  approve it in the web page, or: curl -X POST %s/api/loops/%s/decision -H 'Content-Type: application/json' "
                      "-H \"Authorization: Bearer $(cat %s/api-token)\" " % (args.api, loop_id, args.data) +
                      "-d '{\"decision\":\"APPROVE\",\"diffHash\":\"%s\"}'" % pending["diffHash"])
                while call(args.api, "GET", "/api/loops/" + loop_id).get("pendingDecision"):
                    time.sleep(2)
            else:
                diff = subprocess.run(["git", "-C", os.path.join(args.data, "loops", loop_id, "workspace"), "diff",
                                       state["headCommit"], pending["attemptCommit"]], capture_output=True, text=True).stdout
                print("  " + diff.strip().replace("\n", "\n  "))
                result = call(args.api, "POST", "/api/loops/%s/decision" % loop_id, {
                    "decision": "APPROVE", "diffHash": pending["diffHash"], "by": "demo script",
                    "comment": "looks right"})
                print("  approved: " + result["message"])
        tasks = state.get("tasks") or []
        summary = ", ".join("%s %s" % (t["id"].split("::")[-1], t["status"]) for t in tasks)
        if tasks and summary != last_tasks:
            print("  tasks: " + summary)
            last_tasks = summary
        if state["status"] in ("SUCCEEDED", "FAILED", "CAPPED", "STALLED", "CANCELLED"):
            break
        time.sleep(1)

    print("%s ended %s: %s" % (loop_id, state["status"], state["stopReason"]))
    for cp in state["checkpoints"]:
        print("  checkpoint %d (iteration %d): %s  tag %s" % (cp["number"], cp["iteration"], cp["commit"][:12], cp["tag"]))
    print("  diff of checkpoint 1: %s/api/loops/%s/checkpoints/1/diff" % (args.api, loop_id) if state["checkpoints"] else "")
    return 0 if state["status"] == args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
