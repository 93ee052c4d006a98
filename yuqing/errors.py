"""The one exception root of Yuqing Sentinel (ground layer: imports nothing of ours).

Every *expected* failure — bad configuration or input, a store that cannot be read, a model file
that is damaged, a server that does not answer — is a :class:`YuqingError`. Its message is one
line that says what failed and where (file and key, path, URL, rule id); ``what`` names the
area. The CLI catches ``YuqingError`` once and prints ``error: <what>: <message>`` (exit status
1); ``yuqing -v`` adds the traceback. Any other exception is a programming error and keeps its
traceback.

::

    YuqingError
    ├── InputError              yuqing.errors               bad command-line option or stdin
    ├── ConfigError             yuqing.config.loader        every problem, each file + key + hint
    ├── StorageError            yuqing.storage.base         store unreadable, corrupt, missing,
    │   └── LayoutGone          yuqing.storage.es_docs        unreachable, or newer than us
    ├── CrawlError              yuqing.crawlers.errors      a crawl could not be run
    ├── NLPError                yuqing.nlp.errors
    │   ├── TrainingDataError                               bad training/evaluation data
    │   ├── SegmenterBackendError                           nlp.segmenter cannot be used
    │   ├── DictionaryFileError                             a dictionary file is missing
    │   └── ModelError
    │       ├── ModelFileError                              not a model file, or damaged
    │       └── ModelVersionError                           written by incompatible versions
    ├── RuleSetupError          yuqing.alerts.rules.base    a rule cannot be built
    ├── WorkflowError           yuqing.alerts.workflow      ack/resolve refused
    ├── DeliveryError           yuqing.alerts.channels.base a channel could not deliver
    ├── LinkError               yuqing.alerts.links         a console link tampered, expired, foreign
    ├── ConsoleSetupError       yuqing.console.context      the console cannot start as configured
    ├── SmtpError               yuqing.mail                 the SMTP server did not take a message
    ├── DigestDeliveryError     yuqing.dashboards.mail      the digest reached not every recipient
    └── KibanaError             yuqing.dashboards.kibana.importer  Kibana refused or is unreachable
"""

from __future__ import annotations

__all__ = ["InputError", "YuqingError", "one_line"]


class YuqingError(Exception):
    """An expected failure: the message says what failed and where, in one line."""

    #: the area named before the message on the command line (``error: storage: …``)
    what: str = ""

    def line(self) -> str:
        """``<what>: <message>`` as one line (whitespace, including newlines, collapsed)."""
        message = one_line(str(self)) or type(self).__name__
        return f"{self.what}: {message}" if self.what else message


class InputError(YuqingError):
    """Bad input given on the command line or on stdin (an option value, a stdin line)."""


def one_line(text: str) -> str:
    """``text`` with every run of whitespace (newlines included) replaced by one space."""
    return " ".join(text.split())
