"""Same-story clustering: article features (:mod:`.features`), incremental assignment of
articles to stories (:mod:`.engine`) and its state in the database (:mod:`.state`).

Nothing here knows Scrapy: the story stage (``pipelines/stories.py``), the evaluation on
labelled pages and the benchmark share it.
"""
