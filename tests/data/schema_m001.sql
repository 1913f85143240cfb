-- A database as the first release (migration m001 only) left it, with one article.
CREATE TABLE IF NOT EXISTS "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE TABLE IF NOT EXISTS "crawls" (
   "spider" TEXT NOT NULL,
   "args" TEXT NOT NULL,
   "started_at" TEXT NOT NULL,
   "versions" TEXT NOT NULL,
   "finished_at" TEXT,
   "finish_reason" TEXT,
   "stats" TEXT,
   "id" INTEGER PRIMARY KEY
) STRICT;
CREATE TABLE IF NOT EXISTS "articles" (
   "id" TEXT PRIMARY KEY NOT NULL,
   "url" TEXT NOT NULL,
   "text" TEXT NOT NULL,
   "text_sha256" TEXT NOT NULL,
   "word_count" INTEGER NOT NULL,
   "extractor" TEXT NOT NULL,
   "extracted_at" TEXT NOT NULL,
   "first_seen" TEXT NOT NULL,
   "last_seen" TEXT NOT NULL,
   "title" TEXT,
   "author" TEXT,
   "date_published" TEXT,
   "language" TEXT,
   "sitename" TEXT,
   "description" TEXT,
   "fetch_id" INTEGER REFERENCES "fetches"("id")
) STRICT;
CREATE INDEX "idx_articles_date_published"
    ON "articles" ("date_published");
CREATE INDEX "idx_articles_sitename"
    ON "articles" ("sitename");
CREATE INDEX "idx_articles_last_seen"
    ON "articles" ("last_seen");
CREATE INDEX "idx_articles_fetch_id"
    ON "articles" ("fetch_id");
CREATE TABLE IF NOT EXISTS "fetches" (
   "uri" TEXT NOT NULL,
   "fetched_at" TEXT NOT NULL,
   "final_url" TEXT,
   "status" INTEGER,
   "content_type" TEXT,
   "encoding" TEXT,
   "body_bytes" INTEGER,
   "body_sha256" TEXT,
   "outcome" TEXT,
   "reason" TEXT,
   "article_id" TEXT REFERENCES "articles"("id"),
   "crawl_id" INTEGER REFERENCES "crawls"("id"),
   "id" INTEGER PRIMARY KEY
) STRICT;
CREATE INDEX "idx_fetches_body_sha256"
    ON "fetches" ("body_sha256");
CREATE INDEX "idx_fetches_outcome"
    ON "fetches" ("outcome");
CREATE INDEX "idx_fetches_uri"
    ON "fetches" ("uri");
CREATE INDEX "idx_fetches_article_id"
    ON "fetches" ("article_id");
CREATE INDEX "idx_fetches_crawl_id"
    ON "fetches" ("crawl_id");
INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('cleanwire', 'm001_create_tables', '2026-11-01 00:00:00+00:00');
INSERT INTO crawls (id, spider, args, started_at, versions, finished_at, finish_reason) VALUES (1, 'files', '{}', '2026-11-01T00:00:00+00:00', '{}', '2026-11-01T00:01:00+00:00', 'finished');
INSERT INTO articles (id, url, text, text_sha256, word_count, extractor, extracted_at, first_seen, last_seen, title, fetch_id) VALUES ('0123456789abcdef', 'https://news.example/a', 'Old text.', 'h1', 2, 'trafilatura 2.3.1', '2026-11-01T00:00:30+00:00', '2026-11-01T00:00:30+00:00', '2026-11-01T00:00:30+00:00', 'Old title', 1);
INSERT INTO fetches (id, uri, fetched_at, final_url, status, body_sha256, outcome, article_id, crawl_id) VALUES (1, 'https://news.example/a', '2026-11-01T00:00:30+00:00', 'https://news.example/a', 200, 'b1', 'article', '0123456789abcdef', 1);
