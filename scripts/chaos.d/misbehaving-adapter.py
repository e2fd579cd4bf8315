#!/usr/bin/env python3
"""A process adapter that misbehaves on purpose, for scripts/chaos (Docs/reliability.md, "Chaos").

Usage: misbehaving-adapter.py MODE STATE_FILE

It implements GetPartyById and ListAreas over a tiny in-memory POS (party "p-1" exists). It behaves until it
receives GetPartyByIdV1 for the party id "trigger", then does what MODE says:

  crash            exit with status 3 at once (the request is never answered)
  hang             stop reading and answering, forever
  garbage          write a non-JSON line and an answer to an id never sent, then answer correctly
  bigline          write a 10 MB line that is not JSON, then answer correctly
  exit-at-start    (no trigger) exit with status 1 before initialize, the first 3 launches (counted in STATE_FILE)
  ignore-shutdown  (no trigger) answer shutdown but ignore it: keep running after stdin closes, ignore SIGTERM

Every launch appends "start <pid>" to STATE_FILE, so the chaos run can count restarts. Whatever the mode, the
process exits when the agent that started it is gone.
"""

import json
import os
import signal
import sys
import threading
import time

MODE, STATE = sys.argv[1], sys.argv[2]


def log(text):
    print(f"misbehaving-adapter[{MODE}]: {text}", file=sys.stderr, flush=True)


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def launches():
    try:
        with open(STATE) as f:
            return sum(1 for line in f if line.startswith("start "))
    except FileNotFoundError:
        return 0


with open(STATE, "a") as f:
    f.write(f"start {os.getpid()}\n")


def exit_with_the_agent():
    """However this process misbehaves, it never outlives the agent that started it (a kill -9 of the agent
    closes no pipe this process is blocked on when it hangs or ignores EOF)."""
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


threading.Thread(target=exit_with_the_agent, daemon=True).start()

if MODE == "exit-at-start" and launches() <= 3:
    log("exiting at start, as told")
    sys.exit(1)

if MODE == "ignore-shutdown":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)

PARTY = {"id": "p-1", "name": "Ada", "covers": 2, "tableIds": ["t1"], "status": "Seated",
         "startTime": "2026-01-01T19:00:00.000Z"}
AREAS = [{"id": "a1", "name": "Main room"}]


def answer(message):
    method, params, ident = message.get("method"), message.get("params") or {}, message.get("id")
    if method == "initialize":
        return {"protocolVersion": "1", "capabilities": ["GetPartyById", "ListAreas"],
                "adapter": {"name": "misbehaving-adapter", "version": MODE}}
    if method in ("ping", "shutdown"):
        return {}
    if method == "ListAreasV1":
        return AREAS
    if method == "GetPartyByIdV1":
        party_id = params.get("partyId")
        if party_id == "trigger":
            if MODE == "crash":
                log("crashing, as told")
                os._exit(3)
            if MODE == "hang":
                log("hanging, as told")
                while True:
                    time.sleep(3600)
            if MODE == "garbage":
                sys.stdout.write("this is not JSON {{{\n")
                send({"jsonrpc": "2.0", "id": 987654, "result": {}})
                sys.stdout.flush()
            if MODE == "bigline":
                sys.stdout.write("x" * (10 * 1024 * 1024) + "\n")
                sys.stdout.flush()
            return dict(PARTY, id="trigger", name="Triggered")
        if party_id == "p-1":
            return PARTY
        raise LookupError(party_id)
    return None


for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    message = json.loads(line)
    if "method" not in message:
        continue
    try:
        result = answer(message)
        if result is None:
            send({"jsonrpc": "2.0", "id": message.get("id"),
                  "error": {"code": -32601, "message": f"{message.get('method')} not handled"}})
        else:
            send({"jsonrpc": "2.0", "id": message.get("id"), "result": result})
    except LookupError as missing:
        send({"jsonrpc": "2.0", "id": message.get("id"),
              "error": {"code": -32004, "message": f"party {missing} does not exist", "data": {"errorType": "NotFound"}}})

if MODE == "ignore-shutdown":
    log("stdin closed; ignoring it and staying up, as told")
    while True:
        time.sleep(3600)
log("stdin closed: exiting")
