"""The shared cache keeps one Redis client per connection pool (config/redis_cache.py)."""

import threading

from django.core.cache import caches

from config.redis_cache import RedisCache


def test_given_the_shared_cache_when_calls_are_made_then_one_client_serves_them_all():
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    # Given the shared cache
    client = cache._cache.get_client(write=True)
    # When it is written and read
    cache.set("reused-client", 1)
    assert cache.get("reused-client") == 1
    # Then the same client served both, and reads and writes share it (one server)
    assert cache._cache.get_client(write=True) is client
    assert cache._cache.get_client(write=False) is client


def test_given_one_client_when_threads_share_it_then_each_reads_its_own_values():
    cache = caches["default"]
    shared = cache._cache
    errors: list[str] = []

    def work(index: int) -> None:
        for step in range(50):
            shared.set(f"thread-{index}", step, timeout=60)
            if shared.get(f"thread-{index}", None) != step:
                errors.append(f"thread {index} step {step}")

    # Given one client object (Django keeps a cache per thread; the client here is shared on purpose)
    threads = [threading.Thread(target=work, args=(index,)) for index in range(4)]
    # When four threads write and read through it at once
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then no thread read another's value or failed
    assert errors == []
