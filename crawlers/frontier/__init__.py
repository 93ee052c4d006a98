"""The shared crawl frontier on Redis (scrapy-redis), for ``cluster:`` deployments.

* ``queue`` — scrapy-redis' priority queue with acknowledgements: a popped request stays in
  its worker's in-flight hash until its callback and items are done; a worker that stops
  heart-beating has its in-flight requests put back for the others.
* ``scheduler`` — scrapy-redis' scheduler and dupefilter, the dupefilter scoped to one
  source crawl.
* ``politeness`` — the per-host download delay held across every worker.
* ``spider`` — the worker's one spider: routes each request to the source spider it came from.
* ``ledger`` — per source crawl counters in Redis; the scheduler role closes finished crawls.
* ``enqueue`` — the scheduler role: put the start requests of due sources on the frontier.
* ``worker`` — the Scrapy settings of ``yuqing worker`` (``yuqing.app.worker`` runs it).
"""
