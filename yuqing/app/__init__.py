"""The application layer: orchestration above the stages.

The stages (``yuqing.crawlers`` → ``yuqing.nlp``, ``yuqing.alerts``, ``yuqing.dashboards``)
each do one job over the ground layer (records, config, storage, time). This package wires
them into what runs: the scheduler and its jobs (:mod:`~yuqing.app.scheduler`,
:mod:`~yuqing.app.jobs`), the one-pass cycle, the crawl process the scheduler starts
(:mod:`~yuqing.app.crawl_process`) and the offline demo (:mod:`~yuqing.app.demo`). Only the
CLI (``yuqing.cli``, ``yuqing.commands``) sits above it; docs/architecture.md draws the layers
and ``tests/app/test_layers.py`` enforces them.
"""
