#!/usr/bin/env python3
"""The example Python adapter (Examples/python-adapter), changed the way a vendor's adapter might be, for the
tests of `dojo-sim check`:

  --only CAP,CAP,...   declare only these capabilities (e.g. the five reservation ones)
  --broken update      UpdateReservationV1 patches instead of replacing (vendor guide §2 rule 4)
  --broken paging      every search repeats the last item of a page at the start of the next (rule 6)
  --broken not-ready   refuses Dojo's requests for its first 1.5 s after `initialize`, as a POS that answers
                       `initialize` before its database is open would
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "Examples", "python-adapter"))
import adapter  # noqa: E402


def patching_update(self, params):
    current = self._reservation(params["id"])
    self._require_tables(params["tableIds"])
    merged = dict(current)
    merged.update({field: params[field] for field in self.RESERVATION_FIELDS if field in params})
    self.reservations[current["id"]] = merged
    return self._public(merged)


def repeating_paginate(original):
    def paginate(items, order_key, kind, cursor):
        page = original(items, order_key, kind, cursor)
        data = page["data"]
        if "after" in page and len(data) >= 2:
            page["after"] = "%s:%d:%d" % ((kind,) + tuple(order_key(data[-2])))
        return page
    return paginate


parser = argparse.ArgumentParser()
parser.add_argument("--only")
parser.add_argument("--broken", action="append", default=[])
arguments, rest = parser.parse_known_args()
sys.argv = [sys.argv[0]] + rest
if arguments.only:
    adapter.CAPABILITIES = arguments.only.split(",")
if "update" in arguments.broken:
    adapter.Store.update_reservation = patching_update
if "paging" in arguments.broken:
    adapter.paginate = repeating_paginate(adapter.paginate)
if "not-ready" in arguments.broken:
    original_handle = adapter.Connection.handle
    ready_at = []

    def handle(self, message):
        method = message.get("method")
        if method == "initialize":
            ready_at.append(time.monotonic() + 1.5)
        elif method and "/" not in method and method not in ("ping", "shutdown") and \
                (not ready_at or time.monotonic() < ready_at[-1]):
            self.send({"id": message.get("id"), "error": {"code": -32000, "message": "the POS is still starting",
                                                          "data": {"errorType": "UnexpectedError"}}})
            return
        original_handle(self, message)
    adapter.Connection.handle = handle
adapter.main()
