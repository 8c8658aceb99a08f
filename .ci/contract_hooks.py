"""Schemathesis hooks of the contract test (.ci/contract).

One extra check: the event log grows only by writes that answered 2xx. After every call (the
generated ones and those the checks make themselves) the `after_call` hook reads the tenant's
events after the last position seen (`GET /api/v1/events`, staff token); a call outside 2xx
that coincides with new events is an offence, which the next check reports. The run is
sequential (one worker), and nothing else writes to the test's tenant meanwhile, so every new
event belongs to the call just answered.
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


# Offences seen by `after_call`, reported by the next check (a call made by a check itself, such
# as the unauthenticated repeat of `ignored_auth`, has no check of its own).
_offences = []


@schemathesis.hook
def after_call(context, case, response):
    """Reads the events appended meanwhile; attributes them to this call, the only one running."""
    new = _new_events()
    if new and not 200 <= response.status_code < 300:
        kinds = ", ".join(sorted({e["event_type"] for e in new}))
        _offences.append(
            f"{case.method} {case.formatted_path} answered {response.status_code} "
            f"but {len(new)} event(s) were appended: {kinds}"
        )


@schemathesis.check
def log_grows_only_by_successful_writes(ctx, response, case):
    """A request that did not answer 2xx appended nothing."""
    if _offences:
        message = "; ".join(_offences)
        _offences.clear()
        raise AssertionError(message)
