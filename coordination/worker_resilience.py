"""Two fixes that keep the worker alive through broker outages (issue 9; kombu and Celery 5.7.0).

1. Kombu's Redis transport, made to report a torn-down connection as the connection error it is.

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

2. Celery's prefork pool, made to finish reading a child's result across the event loop's reset on a
broker loss (see `ResultHandler`).
"""

from inspect import GEN_SUSPENDED, getgeneratorstate

from celery.concurrency import asynpool, prefork
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


class ResultHandler(asynpool.ResultHandler):
    """Keeps a half-read result message across the event loop's reset on a broker loss.

    The prefork pool reads each child's result with a resumable generator that it registers on the
    event loop while the rest of the message is still to come. On a connection error Celery 5.7 resets
    the loop (`hub.reset()` in `asynloop`), which drops that generator; after the reconnection the
    pipe is read afresh, from the middle of the message, and the worker dies of
    `UnpicklingError: invalid load key` or blocks for ever on a garbage length. Here the generator is
    remembered per pipe until its message is complete, and resumed.
    """

    def _make_process_result(self, hub):
        # One map for the handler's lifetime: the pool registers with the loop again (calling this
        # again) after every reconnection. Keyed by pipe, with the process, since pipes' fds are reused.
        in_flight = self.__dict__.setdefault("_in_flight", {})
        fileno_to_outq = self.fileno_to_outq
        on_state_change = self.on_state_change
        recv_message = self._recv_message

        def message_read(fd, *reader):
            # `_recv_message` calls this once the message is whole, just before handling it.
            in_flight.pop(fd, None)
            hub.add_reader(fd, *reader)

        def on_result_readable(fileno):
            process = fileno_to_outq.get(fileno)
            owner, it = in_flight.pop(fileno, (None, None))
            if process is None:  # the process is gone
                return hub.remove_reader(fileno)
            if owner is not process or getgeneratorstate(it) != GEN_SUSPENDED:
                it = recv_message(message_read, fileno, on_state_change)
            try:
                next(it)
            except StopIteration:
                pass
            except (OSError, EOFError):
                hub.remove_reader(fileno)
            else:
                in_flight[fileno] = (process, it)
                hub.add_reader(fileno, it)

        return on_result_readable


class AsynPool(asynpool.AsynPool):
    ResultHandler = ResultHandler


class PreforkPool(prefork.TaskPool):
    """Celery's prefork pool with the result handler above."""

    Pool = AsynPool
