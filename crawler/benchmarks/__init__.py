"""What the benchmark commands (:mod:`crawler.commands`) run, imported only when they run."""
