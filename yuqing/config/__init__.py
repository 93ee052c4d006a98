"""Configuration: typed models and the loader (see docs/configuration.md)."""

from yuqing.config.loader import Config, ConfigError, Problem, load_config
from yuqing.config.models import Settings, Source
from yuqing.config.types import Duration, parse_duration

__all__ = [
    "Config",
    "ConfigError",
    "Problem",
    "Settings",
    "Source",
    "load_config",
    "Duration",
    "parse_duration",
]
