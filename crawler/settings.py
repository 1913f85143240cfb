"""Scrapy settings for cleanwire. Every setting of our own is documented in docs/settings.md."""

from scrapy.settings import default_settings

BOT_NAME = "cleanwire"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ITEM_PIPELINES = {
    "pipelines.revisit.RevisitPipeline": 50,
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.languages.LanguagePipeline": 250,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
    "pipelines.similar.SimilarityPipeline": 500,
    "pipelines.stories.StoryPipeline": 600,
}

SPIDER_MIDDLEWARES = {
    # Pages a feed or sitemap dates before our last read are not requested (revisits)
    "crawler.middlewares.ListingDateFilter": 600,
}

DOWNLOADER_MIDDLEWARES = {
    # A redirect to a URL requested already is recorded, not sent (crawler/redirects.py)
    "crawler.redirects.RedirectAccounting": 50,
    "scrapy.downloadermiddlewares.useragent.UserAgentMiddleware": None,
    "crawler.middlewares.ContactUserAgentMiddleware": 500,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.RevisitMiddleware": 560,
    # In cluster mode, one gap between requests to a site for the whole cluster
    "crawler.site_pace.ClusterSitePace": 900,
    # Closest to the downloader: archives each response as received (crawler/warc.py)
    "crawler.warc.WarcArchiveMiddleware": 950,
    # Requests left unsent by a closing crawl go back to the scheduler (crawler/stopping.py)
    "crawler.stopping.KeepUnsent": 990,
}
# Once a crawl is closing (Ctrl-C, SIGTERM, a time limit), the requests queued are not sent
DOWNLOADER = "crawler.stopping.StoppingDownloader"

# Extraction (pipelines/extract.py)
EXTRACT_WORKERS = 0
EXTRACT_TIMEOUT = 60.0
EXTRACT_FOCUS = "balanced"
EXTRACT_INCLUDE_TABLES = True

# Validation (pipelines/validate.py)
VALIDATE_MIN_WORDS = 40

# Storage (pipelines/store.py)
SQLITE_PATH = "data/news.db"
SQLITE_BATCH_SIZE = 100
SQLITE_BATCH_SECONDS = 2.0
# One crawl at a time per database (pipelines/lease.py): a lease from another machine is taken
# over once it is this many seconds old; 0: no lease
SQLITE_LEASE_SECONDS = 60.0

# Copies and reuse between stored articles (pipelines/similar.py)
SIMILAR_ENABLED = True
SIMILAR_LSH_THRESHOLD = 0.08
SIMILAR_DUPLICATE_JACCARD = 0.8
SIMILAR_REUSE_CONTAINMENT = 0.35
SIMILAR_MAX_CANDIDATES = 50

# Same-story clustering across outlets (pipelines/stories.py)
STORIES_ENABLED = True
STORIES_THRESHOLD = 0.22
STORIES_WINDOW_DAYS = 3.0

# Bounds on sitemaps (crawler/sitemap_bounds.py): sitemap indexes nested below the first, and
# sitemap files read from one host
NEWS_SITEMAP_MAX_DEPTH = 3
NEWS_SITEMAPS_PER_SITE = 5000

# The files spider (crawler/spiders/files.py)
FILES_MAX_BYTES = 20 * 1024 * 1024
FILES_PAGES_IN_FLIGHT = 64

# Common Crawl's news archive (crawler/ccnews.py): where `-a month=YYYY/MM` finds its files
CCNEWS_BASE = "https://data.commoncrawl.org/"
# Copy each record read into our own archive (WARC_DIR) as well: Common Crawl keeps them
CCNEWS_ARCHIVE = False

# Raw archive: every response as received, in WARC files (crawler/warc.py)
WARC_ENABLED = True
WARC_DIR = ""
WARC_MAX_BYTES = 1024**3
WARC_GZIP_LEVEL = 1

# Incremental re-crawls (crawler/middlewares.py)
REVISIT_ENABLED = True

# Cluster mode (crawler/cluster.py): with REDIS_URL set, this process is one worker of a crawl
# that shares a scrapy-redis frontier; `python -m pipelines.writer` stores what workers send
ADDONS = {"crawler.cluster.ClusterMode": 0}
REDIS_URL = ""
REDIS_IDLE_CLOSE = 30.0
REDIS_WORKER_TIMEOUT = 60.0
# Seconds between two requests to one site from the whole cluster (crawler/site_pace.py);
# None: DOWNLOAD_DELAY; 0: off
REDIS_SITE_DELAY = None

# At a glance: a progress line every PROGRESS_INTERVAL seconds (crawler/progress.py; it replaces
# Scrapy's "Crawled N pages" line), the summary at the end and the exit status of `scrapy crawl`
# (crawler/summary.py, crawler/commands/crawl.py). Messages below LOG_LEVEL are not made at all
# (crawler/loglevel.py). A failed page is one line (`Dropped <uri>: error: ...`): Scrapy's
# "Gave up retrying" line goes to DEBUG, and a robots.txt that cannot be read is one warning
# line without its traceback (crawler/robotslog.py).
EXTENSIONS = {
    "crawler.loglevel.RootLogLevel": 0,
    "crawler.robotslog.QuietRobotsTxtErrors": 0,
    "crawler.malloc.FixedMmapThreshold": 0,
    "crawler.progress.ProgressExtension": 500,
    "crawler.summary.CrawlSummaryExtension": 510,
    "crawler.cluster.ClusterRun": 520,
}
PROGRESS_INTERVAL = 10.0
LOGSTATS_INTERVAL = 0
CRAWL_MAX_ERROR_SHARE = 0.5

# Who we are: the User-Agent is "cleanwire/<version> (+CONTACT_URL)"
CONTACT_URL = "https://github.com/cleanwire/cleanwire"

# Politeness and robustness of web crawls
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_DELAY = 0.5
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
RETRY_TIMES = 3
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 120.0
COOKIES_ENABLED = False

# Memory: page bodies of MALLOC_MMAP_THRESHOLD bytes or more are given back to the system when
# freed, so that the heap does not grow with the pages read (crawler/malloc.py; glibc only)
MALLOC_MMAP_THRESHOLD = 128 * 1024

# Memory: the requests waiting are queued on disk, also without JOBDIR (crawler/frontier.py)
SCHEDULER = "crawler.frontier.DiskFrontier"
FRONTIER_MEMORY_REQUESTS = 1000

# Memory: the duplicate-request filter remembers the newest 2 x DUPEFILTER_MAX_ENTRIES at most
DUPEFILTER_CLASS = "crawler.dupefilter.BoundedDupeFilter"
DUPEFILTER_MAX_ENTRIES = 500_000

# Crawling (Scrapy's default asyncio reactor is needed: the extract stage awaits on asyncio)
# A response gives at most one item; Scrapy starts CONCURRENT_ITEMS tasks for each response.
CONCURRENT_ITEMS = 8
LOG_FORMATTER = "crawler.logformatter.PageLogFormatter"
# Scrapy's stats, without the wrapper its collector puts around each update (crawler/stats.py)
STATS_CLASS = "crawler.stats.PlainStatsCollector"
TELNETCONSOLE_ENABLED = False
# Scrapy's remote control is left out, not only off: Scrapy imports every component its settings
# name, also one switched off or set to None, and this one imports aiohttp (0.1 s of each start).
EXTENSIONS_BASE = {
    name: order
    for name, order in default_settings.EXTENSIONS_BASE.items()
    if not name.endswith(".RemoteControl")
}
LOG_LEVEL = "INFO"
# Scrapy's check of each callback for `return value` in a generator parses the callback's
# source for every request when callbacks are bound methods (its cache misses): ours have none.
WARN_ON_GENERATOR_RETURN_VALUE = False
COMMANDS_MODULE = "crawler.commands"
