"""Spiders: ``files`` reads saved pages from disk."""
