"""Structured logs: one JSON object per line on stderr, each carrying the request id it belongs to.

Log collectors (Loki, CloudWatch, Elastic) parse a JSON line without a grok pattern, and the
``request_id`` field ties a client's report (the ``X-Request-Id`` header it got) to the server's
lines about that request.
"""

from __future__ import annotations

import logging
import logging.config
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

import orjson

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request the current task serves; set by the HTTP layer."""

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName", "color_message"}


class JsonFormatter(logging.Formatter):
    """A record as one JSON line: time, level, logger, message, request id, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return orjson.dumps(entry, default=str).decode()


LOG_CONFIG: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": JsonFormatter}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
    "root": {"handlers": ["stderr"], "level": "INFO"},
    # uvicorn's loggers write through the root handler; its access log is replaced by the
    # catalog's own request line, which carries the request id, operation and duration.
    "loggers": {
        "uvicorn": {"handlers": [], "propagate": True},
        "uvicorn.error": {"handlers": [], "propagate": True},
        "uvicorn.access": {"handlers": [], "propagate": False, "level": "WARNING"},
        "neo4j": {"level": "CRITICAL"},
    },
}
"""For ``logging.config.dictConfig`` and uvicorn's ``log_config``."""


def configure() -> None:
    logging.config.dictConfig(LOG_CONFIG)
