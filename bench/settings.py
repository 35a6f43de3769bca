"""config.settings.local plus the bench's query counter, for bench/load.py only: every response carries
`X-Bench-Queries`, the number of SQL queries the request ran on the default connection. Never in the
project's own settings."""

from config.settings.local import *  # noqa: F403
from config.settings.local import MIDDLEWARE

MIDDLEWARE = ["bench.querycount.QueryCountMiddleware", *MIDDLEWARE]
