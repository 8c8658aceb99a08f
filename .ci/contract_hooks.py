"""Schemathesis hooks of the contract test (.ci/contract).

One extra check: the event log grows only by writes that answered 2xx. After every response it
reads the tenant's events after the last position seen (`GET /api/v1/events`, staff token); a
response outside 2xx that coincides with new events fails. The run is sequential (one worker),
and nothing else writes to the test's tenant meanwhile, so every new event belongs to the
request just answered.
"""

import json
import os
import urllib.request

import schemathesis

BASE = os.environ["PORTAL_BASE"]
STAFF_TOKEN = os.environ["PORTAL_STAFF_TOKEN"]


def _events_after(position):
    events = []
    while True:
        request = urllib.request.Request(
            f"{BASE}/api/v1/events?after={position}&limit=1000",
            headers={"Authorization": f"Bearer {STAFF_TOKEN}"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            page = json.load(answer)
        events.extend(page["items"])
        if page["next"] == position:
            return events, position
        position = page["next"]


# The log's head when the hooks load (the set-up's events are before it).
_last = {"position": _events_after(0)[1]}


def _new_events():
    events, _last["position"] = _events_after(_last["position"])
    return events


@schemathesis.check
def log_grows_only_by_successful_writes(ctx, response, case):
    """A request that did not answer 2xx appended nothing."""
    new = _new_events()
    if new and not 200 <= response.status_code < 300:
        kinds = ", ".join(sorted({e["event_type"] for e in new}))
        raise AssertionError(
            f"{case.method} {case.formatted_path} answered {response.status_code} "
            f"but {len(new)} event(s) were appended: {kinds}"
        )
