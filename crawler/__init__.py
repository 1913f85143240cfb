"""The Scrapy project of cleanwire: settings, items and spiders."""
