"""Cluster mode: many crawler processes share one Redis frontier; one writer stores for all.

``scrapy crawl news -s REDIS_URL=redis://HOST:PORT/DB [-a start=...]`` switches it on
(:class:`ClusterMode`, an add-on): the scheduler and the duplicate-request filter are
scrapy-redis's, so every process that runs the command takes requests from the same frontier
and a URL is requested once per run whichever process found it. Each process fetches and
extracts; the stages that write the database (dedupe, store, copies, stories) give way to
:class:`pipelines.redis_queue.RedisQueuePipeline`, which sends every page to the writer
(``python -m pipelines.writer``) through Redis.

:class:`ClusterRun` keeps the processes of a run together:

- A run starts when a process starts and no other is working: nothing is queued and no
  process is busy, or none is alive at all. The duplicate filter is then emptied (each run
  requests its start pages again, conditionally), and so is the frontier when the new process
  has start URLs (it finds again whatever is left). A process that starts while others work
  joins their run: its start URLs that they already queued are not queued twice.
- The run's scope (the start URLs' domains, ``-a depth``, ``-a domains``) is kept in Redis,
  so that a process started without ``-a start`` follows links as the others do.
- Every process marks itself alive and busy in Redis (``REDIS_WORKER_TIMEOUT``); a process
  whose marks are older than that is taken for dead.
- A process leaves once the frontier has been empty, and no other live process busy, for
  ``REDIS_IDLE_CLOSE`` seconds; scrapy-redis's spiders would otherwise wait for ever. A
  process killed while busy holds the others back until its marks are stale, so the last
  one out leaves a frontier that the next run can start afresh.

A killed process loses the requests it had taken from the frontier and not finished (at most
``CONCURRENT_REQUESTS`` and the pages in its pipeline): the next run finds them again from its
start URLs, and asks conditionally for what was stored already.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
import warnings
from dataclasses import dataclass
from typing import Any

from redis import Redis
from redis.exceptions import RedisError
from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured, ScrapyDeprecationWarning
from scrapy.settings import BaseSettings
from scrapy_redis.connection import get_redis_from_settings
from scrapy_redis.defaults import SCHEDULER_DUPEFILTER_KEY, SCHEDULER_QUEUE_KEY
from twisted.internet.task import LoopingCall

from pipelines.shared_history import COMPLETE_RUNS_KEY

logger = logging.getLogger(__name__)

# scrapy-redis 0.9 still calls Spider.log() and passes spider= to the stats: one warning each
# in every worker's log, about code that is not ours.
warnings.filterwarnings("ignore", category=ScrapyDeprecationWarning, module="scrapy_redis")

WRITER_STAGES = (
    "pipelines.dedupe.DedupePipeline",
    "pipelines.store.StorePipeline",
    "pipelines.similar.SimilarityPipeline",
    "pipelines.stories.StoryPipeline",
)
"""The item pipelines that write the database: in cluster mode they run in the writer."""
QUEUE_STAGE = "pipelines.redis_queue.RedisQueuePipeline"

_QUEUED = """
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind == 'zset' then return redis.call('ZCARD', KEYS[1]) end
if kind == 'list' then return redis.call('LLEN', KEYS[1]) end
return 0
"""
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
"""
_PRUNE = """
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - tonumber(ARGV[2])) > 0 then
  redis.call('SET', KEYS[8], '1')
end
"""
"""Forget workers silent for the timeout; one that was busy leaves the run incomplete."""
JOIN = f"""
local function queued() {_QUEUED} end
{_NOW}{_PRUNE}
local new = redis.call('ZCARD', KEYS[2]) == 0
  or (queued() == 0 and redis.call('ZCARD', KEYS[3]) == 0)
if new then
  redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[8])
  if ARGV[3] == '1' then redis.call('DEL', KEYS[1]) end
  redis.call('SET', KEYS[7], ARGV[4])
else
  redis.call('SET', KEYS[7], ARGV[4], 'NX')
end
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZADD', KEYS[3], now, ARGV[1])
return {{new and 1 or 0, redis.call('GET', KEYS[7])}}
"""
"""ARGV: worker, timeout, whether it has start URLs, a new run's id. Whether the worker
starts a new run, and the run's id."""
BEAT = f"""
{_NOW}
redis.call('ZADD', KEYS[2], now, ARGV[1])
if ARGV[3] == '1' then redis.call('ZADD', KEYS[3], now, ARGV[1])
else redis.call('ZREM', KEYS[3], ARGV[1]) end
return redis.call('GET', KEYS[7])
"""
"""ARGV: worker, timeout, whether it is busy. The run's id (a worker that starts while the
others are idle starts a new one, which the idle ones are then part of)."""
IDLE = f"""
local function queued() {_QUEUED} end
{_NOW}{_PRUNE}
redis.call('ZADD', KEYS[2], now, ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return {{queued(), redis.call('ZCARD', KEYS[3]), redis.call('GET', KEYS[7])}}
"""
"""ARGV: worker, timeout. The requests queued, the live workers busy besides this one, and
the run's id."""
LEAVE = f"""
local function queued() {_QUEUED} end
{_NOW}
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
{_PRUNE}
if redis.call('ZCARD', KEYS[2]) > 0 then return {{0, 0}} end
local complete = 0
if ARGV[3] == '1' and redis.call('EXISTS', KEYS[8]) == 0 and queued() == 0 then
  local run = redis.call('GET', KEYS[7])
  if run then
    redis.call('SADD', KEYS[9], run)
    complete = 1
  end
end
redis.call('DEL', KEYS[4], KEYS[5], KEYS[6], KEYS[7], KEYS[8])
return {{1, complete}}
"""
"""ARGV: worker, timeout, whether this worker finished normally. Whether it was the last live
worker (the run's filter and scope go with it), and whether the run is complete: no worker
was lost while busy, nothing is left queued, and this last one finished. A complete run's
reads of pages that list others can be trusted by the next run (``COMPLETE_RUNS_KEY``)."""
POLL_SECONDS = 0.5
"""How often an idle worker has its engine look again: for requests other workers queued, and
at whether it may leave. Scrapy itself looks only every 5 seconds (its engine's heartbeat)."""


@dataclass(frozen=True)
class RunKeys:
    """The Redis keys of one spider's cluster runs.

    ``requests`` and ``dupefilter`` are scrapy-redis's (``SCHEDULER_QUEUE_KEY``,
    ``SCHEDULER_DUPEFILTER_KEY``); the others are ours, beside them: the live workers and the
    busy ones (sorted sets by time of their last mark), the run's scope and domains, its id,
    whether a busy worker was lost in it, and the runs that completed.
    """

    requests: str
    dupefilter: str
    workers: str
    busy: str
    scope: str
    domains: str
    run: str
    broken: str
    complete_runs: str = COMPLETE_RUNS_KEY

    @classmethod
    def of(cls, spider: str, settings: BaseSettings) -> RunKeys:
        names = {"spider": spider}
        return cls(
            requests=settings.get("SCHEDULER_QUEUE_KEY", SCHEDULER_QUEUE_KEY) % names,
            dupefilter=settings.get("SCHEDULER_DUPEFILTER_KEY", SCHEDULER_DUPEFILTER_KEY) % names,
            workers=f"{spider}:workers",
            busy=f"{spider}:busy",
            scope=f"{spider}:scope",
            domains=f"{spider}:domains",
            run=f"{spider}:run",
            broken=f"{spider}:run:broken",
        )

    def all(self) -> list[str]:
        """The keys, in the order the scripts above name them ``KEYS[1]`` to ``KEYS[9]``."""
        return [
            *(self.requests, self.workers, self.busy, self.dupefilter, self.scope),
            *(self.domains, self.run, self.broken, self.complete_runs),
        ]


def worker_name() -> str:
    """A name for this crawler process, unique in the cluster: ``host:pid:id``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def redis_client(settings: BaseSettings) -> Redis:
    """A client of the server ``REDIS_URL`` names (with scrapy-redis's connection settings)."""
    client: Redis = get_redis_from_settings(settings)
    return client


class ClusterMode:
    """Add-on: with ``REDIS_URL`` set, the crawl is one worker of a cluster (module docstring).

    Scheduler and duplicate filter come from scrapy-redis; the frontier persists across the
    processes' ends (``SCHEDULER_PERSIST``: :class:`ClusterRun` decides when a run starts
    afresh); the stages that write the database give way to the Redis queue the writer reads.
    """

    def update_settings(self, settings: BaseSettings) -> None:
        if not settings.get("REDIS_URL"):
            return
        for name, value in {
            "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
            # scrapy-redis's, letting redirects to URLs seen through (crawler/redirects.py)
            "DUPEFILTER_CLASS": "crawler.redirects.ClusterDupeFilter",
            "SCHEDULER_PERSIST": True,
        }.items():
            settings.set(name, value, priority=max(settings.getpriority(name) or 0, 20))
        stages = dict(settings.getdict("ITEM_PIPELINES"))
        for stage in WRITER_STAGES:
            stages.pop(stage, None)
        stages[QUEUE_STAGE] = 400
        priority = max(settings.getpriority("ITEM_PIPELINES") or 0, 20)
        settings.set("ITEM_PIPELINES", stages, priority=priority)


class ClusterRun:
    """Joins the cluster's current run (or starts one), keeps this worker's marks fresh,
    shares the crawl's scope, and ends the worker once the cluster is idle.

    Settings: ``REDIS_URL`` (off without it), ``REDIS_IDLE_CLOSE`` (seconds of an empty
    frontier before leaving), ``REDIS_WORKER_TIMEOUT`` (seconds after which a silent worker is
    taken for dead). Stats: ``cluster/new_run`` (1 when this worker started the run),
    ``cluster/idle_waits``.
    """

    def __init__(self, crawler: Crawler, server: Redis, idle_close: float, timeout: float):
        self.crawler = crawler
        self.server = server
        self.idle_close = idle_close
        self.timeout = timeout
        self.worker = worker_name()
        self.keys: RunKeys | None = None
        self.run: str | None = None
        """The id of the run this worker is in, once it has joined one."""
        self._join = server.register_script(JOIN)
        self._beat = server.register_script(BEAT)
        self._idle = server.register_script(IDLE)
        self._leave = server.register_script(LEAVE)
        self._busy = False
        self._idle_since: float | None = None
        self._timer = LoopingCall(self.beat)
        self._poll = LoopingCall(self.poll)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterRun:
        settings = crawler.settings
        if not settings.get("REDIS_URL"):
            raise NotConfigured  # a crawl of its own: nothing to say
        spidercls = crawler.spidercls
        if not getattr(spidercls, "cluster_worker", False):
            # Each process would read every file or archived response, and send it twice.
            raise ValueError(
                f"the {spidercls.name} spider does not run as a cluster worker: run it as one"
                " process, without REDIS_URL"
            )
        timeout = settings.getfloat("REDIS_WORKER_TIMEOUT")
        idle_close = settings.getfloat("REDIS_IDLE_CLOSE")
        if timeout <= 0 or idle_close < 0:
            raise ValueError("REDIS_WORKER_TIMEOUT must be above 0, REDIS_IDLE_CLOSE at least 0")
        server = redis_client(settings)
        try:
            server.ping()
        except RedisError as error:
            raise RuntimeError(
                f"Cannot reach Redis at {settings.get('REDIS_URL')}: {error}"
            ) from None
        run = cls(crawler, server, idle_close, timeout)
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(run.working, signal=signals.request_reached_downloader)
        return run

    def spider_opened(self, spider: Spider) -> None:
        self.keys = RunKeys.of(spider.name, self.crawler.settings)
        scope: dict[str, Any] = spider.scope() if hasattr(spider, "scope") else {}
        has_start = "1" if scope.get("domains") else "0"
        new_run, run = self._join(
            keys=self.keys.all(), args=[self.worker, self.timeout, has_start, uuid.uuid4().hex[:12]]
        )
        self.run = run.decode()
        self._busy = True
        stats = self.crawler.stats
        assert stats is not None
        stats.set_value("cluster/new_run", int(new_run))
        logger.info(
            "Cluster worker %s %s the run on %s",
            self.worker,
            "starts" if new_run else "joins",
            self.crawler.settings.get("REDIS_URL"),
        )
        if hasattr(spider, "scope"):
            self._share_scope(spider, scope)
        self._timer.start(self.timeout / 4, now=False)

    def _share_scope(self, spider: Any, scope: dict[str, Any]) -> None:
        """Add this worker's scope to the run's, and take the run's as this worker's."""
        assert self.keys is not None
        if scope["domains"]:
            self.server.sadd(self.keys.domains, *scope["domains"])
            self.server.hsetnx(self.keys.scope, "depth", scope["depth"])
            self.server.hsetnx(self.keys.scope, "any_domain", int(scope["any_domain"]))
        self._refresh_scope(spider)

    def _refresh_scope(self, spider: Any) -> None:
        assert self.keys is not None
        shared = self.server.hgetall(self.keys.scope)
        members = self.server.smembers(self.keys.domains)
        domains = {m.decode() if isinstance(m, bytes) else m for m in members}
        if shared:
            spider.widen_scope(
                domains, int(shared[b"depth"]), bool(int(shared.get(b"any_domain", b"0")))
            )

    def working(self, **_: Any) -> None:
        """A request of this worker reached the downloader: mark the worker busy now, so that
        a worker starting meanwhile does not take the run for over."""
        self._idle_since = None
        if self._poll.running:
            self._poll.stop()
        if not self._busy:
            self._busy = True
            self.beat()

    def poll(self) -> None:
        """While idle: have the engine look at the frontier again now, rather than at its next
        heartbeat, so that the worker takes requests other workers queued, or leaves, within
        :data:`POLL_SECONDS`."""
        engine = self.crawler.engine
        # Scrapy has no public call for "look at the scheduler again": its engine does this on
        # the next call it schedules, or on its 5-second heartbeat.
        slot = getattr(engine, "_slot", None)
        if slot is not None:
            slot.nextcall.schedule()

    def beat(self) -> None:
        """Refresh this worker's marks (and the run's scope, which later workers may widen)."""
        if self.keys is None:
            return
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None and engine.spider_is_idle():
            self._busy = False
        try:
            run = self._beat(
                keys=self.keys.all(), args=[self.worker, self.timeout, int(self._busy)]
            )
            self._follow(run)
            if engine is not None and engine.spider is not None and hasattr(engine.spider, "scope"):
                self._refresh_scope(engine.spider)
        except RedisError:
            logger.warning("Cannot reach Redis to mark worker %s alive", self.worker)

    def _follow(self, run: bytes | None) -> None:
        """Take the run in Redis as this worker's: a worker that started while this one was
        idle may have started a new one."""
        if run is not None and run.decode() != self.run:
            logger.debug("Cluster worker %s is now in run %s", self.worker, run.decode())
            self.run = run.decode()

    def spider_idle(self, spider: Spider) -> None:
        """Stay while requests are queued or another live worker is busy, and for
        ``REDIS_IDLE_CLOSE`` seconds after; then let the worker close."""
        assert self.keys is not None
        self._busy = False
        queued, others_busy, run = self._idle(
            keys=self.keys.all(), args=[self.worker, self.timeout]
        )
        self._follow(run)
        now = time.monotonic()
        if queued or others_busy:
            self._idle_since = None
        elif self._idle_since is None:
            self._idle_since = now
        if self._idle_since is None or now - self._idle_since < self.idle_close:
            stats = self.crawler.stats
            assert stats is not None
            stats.inc_value("cluster/idle_waits")
            if not self._poll.running:
                self._poll.start(POLL_SECONDS, now=False)
            raise DontCloseSpider("the cluster is still working")

    def spider_closed(self, reason: str) -> None:
        for timer in (self._timer, self._poll):
            if timer.running:
                timer.stop()
        if self.keys is None:
            return
        try:
            last, complete = self._leave(
                keys=self.keys.all(), args=[self.worker, self.timeout, int(reason == "finished")]
            )
        except RedisError:
            logger.warning("Cannot reach Redis to take worker %s out of the run", self.worker)
            return
        over = ""
        if last:
            over = ": the run is over" + ("" if complete else ", incomplete (a worker was lost)")
        logger.info("Cluster worker %s leaves (%s)%s", self.worker, reason, over)
