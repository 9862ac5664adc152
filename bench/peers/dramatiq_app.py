"""Dramatiq actors for the peer benchmark (bench/peers/peers.py): a counted no-op and an echo."""
import os

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.results import Results
from dramatiq.results.backends import RedisBackend

BROKER = os.environ["PEERS_REDIS_URL"]
broker = RedisBroker(url=BROKER)
broker.add_middleware(Results(backend=RedisBackend(url=BROKER)))
dramatiq.set_broker(broker)
counter = redis.Redis.from_url(BROKER)


@dramatiq.actor(max_retries=0)
def count():
    """A no-op that counts itself, so the driver sees the last completion."""
    counter.incr("peers:done")


@dramatiq.actor(max_retries=0, store_results=True)
def echo(value):
    """Returns its argument through the result backend (latency and chain figures)."""
    return value
