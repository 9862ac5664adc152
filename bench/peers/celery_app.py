"""Celery tasks for the peer benchmark (bench/peers/peers.py): a counted no-op and an echo."""
import os

import redis
from celery import Celery

BROKER = os.environ["PEERS_REDIS_URL"]
app = Celery("peers", broker=BROKER, backend=BROKER)
app.conf.update(
    task_ignore_result=True,
    broker_connection_retry_on_startup=True,
    worker_hijack_root_logger=False,
)
counter = redis.Redis.from_url(BROKER)


@app.task
def count():
    """A no-op that counts itself, so the driver sees the last completion."""
    counter.incr("peers:done")


@app.task(ignore_result=False)
def echo(value):
    """Returns its argument through the result backend (latency and chain figures)."""
    return value
