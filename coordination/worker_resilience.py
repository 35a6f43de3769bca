"""Kombu's Redis transport, made to report a torn-down connection as the connection error it is.

When the broker goes away, Celery's consumer closes the connection (kombu detaches the transport:
`transport.client = None`) while channels of that connection still hold work: unacknowledged messages
to restore, acknowledgements from tasks that finish after the loss, fan-out queues to delete. Those
reach `Channel._connparams`, which reads `self.connection.client.hostname` and raises
`AttributeError: 'NoneType' object has no attribute 'hostname'` (kombu 5.7.0, the latest release;
same root as celery/kombu#582). Celery only absorbs connection errors there, so the AttributeError
escapes the consumer and the worker exits ("Unrecoverable error").

Raising a connection error instead lets Celery do what it does for any broker error: log "Couldn't
ack", or ignore the failed close, and reconnect. Nothing is lost by it: an unacknowledged task message
stays in Redis's unacked set and comes back after the visibility timeout, and the outbox sweep retries
every delivery whose task vanished with the broker.
"""

from kombu.transport import TRANSPORT_ALIASES, _transport_cache
from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class DetachedChannelError(RedisConnectionError):
    """The channel's connection was closed after a broker loss; it can no longer reach Redis."""


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        transport = self.connection
        if transport is None or transport.client is None:
            raise DetachedChannelError("channel of a closed broker connection")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel


def install() -> None:
    """Serve `redis://` and `rediss://` broker URLs with this transport, wherever the app connects."""
    for scheme in ("redis", "rediss"):
        TRANSPORT_ALIASES[scheme] = f"{__name__}:Transport"
        _transport_cache.pop(scheme, None)
