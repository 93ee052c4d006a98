"""Scrapy extensions of Yuqing Sentinel."""
