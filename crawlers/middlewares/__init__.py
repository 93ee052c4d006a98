"""Downloader middlewares of Yuqing Sentinel."""
