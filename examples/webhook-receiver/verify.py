# Receives a Nextbest audience webhook: checks the signature over the raw body and the timestamp,
# then acts on each delivery_id once. The standard library only.
import hashlib
import hmac
import json
import time

# How far X-Nextbest-Timestamp may be from your clock: a captured delivery cannot be sent again later.
TOLERANCE_MS = 5 * 60 * 1000


def verify_delivery(secret, headers, body, now_ms=None):
    """The payload of an authentic, fresh delivery, or None. `headers` maps header names (Flask's and
    Django's are case-insensitive; otherwise use lower case); `body` is the raw bytes as received."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    timestamp = headers.get("x-nextbest-timestamp") or ""
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(now_ms - int(timestamp)) > TOLERANCE_MS:
        return None
    expected = "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    # Several values, separated by commas, while a secret is rotated: any one may match.
    for value in (headers.get("x-nextbest-signature") or "").split(","):
        if hmac.compare_digest(value.strip().encode(), expected.encode()):
            return json.loads(body)
    return None


def receive(secret, headers, body, seen, apply, now_ms=None):
    """The status to answer: 401 unless it verifies; 200 for a delivery_id already applied (a retry or a
    replay); else apply(payload), then the id is remembered, and 204. Should apply raise, nothing is
    remembered and Nextbest sends it again. `seen` is your store of applied ids (a table with a unique
    key; a set in a test), kept as long as you may replay failed deliveries."""
    payload = verify_delivery(secret, headers, body, now_ms)
    if payload is None:
        return 401
    if payload["delivery_id"] in seen:
        return 200
    apply(payload)
    seen.add(payload["delivery_id"])
    return 204
