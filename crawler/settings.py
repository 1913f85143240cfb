"""Scrapy settings for cleanwire. Every setting of our own is documented in the README."""

BOT_NAME = "cleanwire"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedupe.DedupePipeline": 300,
    "pipelines.store.StorePipeline": 400,
}

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

# The files spider (crawler/spiders/files.py)
FILES_MAX_BYTES = 20 * 1024 * 1024

# Crawling (Scrapy's default asyncio reactor is needed: the extract stage awaits on asyncio)
LOG_FORMATTER = "crawler.logformatter.PageLogFormatter"
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = "INFO"
