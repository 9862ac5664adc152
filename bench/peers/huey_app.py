"""huey tasks for the peer benchmark (bench/peers/peers.py): a counted no-op and an echo."""
import os

import redis
from huey import RedisHuey

BROKER = os.environ["PEERS_REDIS_URL"]
# notify_result: a client waiting on a result blocks on a Redis list (BLPOP) instead of
# polling the result hash with a back-off, huey's fastest way to hand a result back.
huey = RedisHuey("peers", url=BROKER, notify_result=True)
counter = redis.Redis.from_url(BROKER)


@huey.task()
def count():
    """A no-op that counts itself, so the driver sees the last completion."""
    counter.incr("peers:done")


@huey.task()
def echo(value):
    """Returns its argument through the result store (latency and chain figures)."""
    return value
