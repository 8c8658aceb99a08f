"""Schemathesis hooks of the contract test (.ci/contract).

One extra check: the event log grows only by writes that answered 2xx. After every call (the
generated ones and those the checks make themselves) the `after_call` hook counts the rows of
the log's table directly (PostgreSQL, `PORTAL_CONTRACT_DATABASE_URL`): a command commits before
it answers, so its events are there when the answer arrives, which the API's own event feed
does not promise (it holds events back until every older transaction has ended). A call outside
2xx that coincides with new rows is an offence, which the next check reports. The run is
sequential (one worker) and nothing else writes to the test's database meanwhile, so every new
row belongs to the call just answered. Except the events of a login-link request, which are
appended after the 202 by design (so that timing tells nothing about the address): they are
not counted.
"""

import os

import psycopg
import schemathesis

_db = psycopg.connect(os.environ["PORTAL_CONTRACT_DATABASE_URL"], autocommit=True)
_COUNTED = "FROM events WHERE event_type NOT IN ('LoginLinkRequested', 'UserRegistered')"
_seen = {row[0] for row in _db.execute(f"SELECT event_id {_COUNTED}")}

# Offences seen by `after_call`, reported by the next check (a call made by a check itself, such
# as the unauthenticated repeat of `ignored_auth`, has no check of its own).
_offences = []


def _new_events():
    (count,) = _db.execute(f"SELECT count(*) {_COUNTED}").fetchone()
    if count == len(_seen):
        return []
    new = [
        (event_id, event_type)
        for event_id, event_type in _db.execute(f"SELECT event_id, event_type {_COUNTED}")
        if event_id not in _seen
    ]
    _seen.update(event_id for event_id, _ in new)
    return new


@schemathesis.hook
def after_call(context, case, response):
    """Attributes the rows appended meanwhile to this call, the only one running."""
    new = _new_events()
    if new and not 200 <= response.status_code < 300:
        kinds = ", ".join(sorted({event_type for _, event_type in new}))
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


# The names schemathesis gives a parameter a schema does not declare.
_UNKNOWN = {"x-schemathesis-unknown-property", "schemathesis-unknown-property", "unknown-property-0"}


@schemathesis.hook
def filter_case(context, case):
    """Leaves out requests whose only flaw is an extra, undeclared header. HTTP servers take
    headers they do not know (browsers, proxies and clients add their own), so such a request is
    not invalid, and the server rightly answers it. This matters where an operation declares an
    optional header (`Portal-Min-Position` on reads). Undeclared query parameters and body fields
    are still sent and must be refused."""
    return not any(name.lower() in _UNKNOWN for name in (case.headers or {}))


@schemathesis.hook
def map_case(context, case):
    """Sends 0 where a read carries a valid `Portal-Min-Position`. The header holds a position
    that a write answered, and any position the log has not reached makes the read wait 5 s and
    answer 503 by design. The generator cannot know which positions exist, and 0 is always
    reached. Values that are not positions are left as generated, so they must still be refused
    (422). The waiting itself is tested in the Rust suite (read_your_writes)."""
    for name in list(case.headers or {}):
        value = str(case.headers[name])
        if name.lower() == "portal-min-position" and value.isascii() and value.isdigit():
            case.headers[name] = "0"
    return case
