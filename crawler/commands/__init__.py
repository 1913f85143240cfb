"""cleanwire's own ``scrapy`` commands (``COMMANDS_MODULE``): the benchmarks."""
