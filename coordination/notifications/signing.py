"""Webhook signatures: HMAC-SHA256 over "<timestamp>.<body>", sent as `X-TechFin-Signature: v1=<hex>`."""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-TechFin-Signature"
TIMESTAMP_HEADER = "X-TechFin-Timestamp"
DELIVERY_HEADER = "X-TechFin-Delivery"
TOPIC_HEADER = "X-TechFin-Topic"
TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None) -> bool:
    """The receiver's recipe: reject stale timestamps (replays), compare in constant time."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - ts) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
