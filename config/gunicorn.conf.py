"""gunicorn for every web node: `gunicorn -c config/gunicorn.conf.py config.wsgi`.

The address comes from HOST/PORT/BIND like everywhere else (config/serving.py): gunicorn's own default
would bind 0.0.0.0:$PORT whenever PORT is set. Anything here can be overridden per node with
GUNICORN_CMD_ARGS, e.g. GUNICORN_CMD_ARGS="--timeout 60".
"""

import os

from config.serving import listen_address

bind = [listen_address().bind]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
proc_name = "techfin-web"

# A request slower than this is killed and logged; the load balancer's timeout should be a bit longer.
timeout = 30
# SIGTERM lets requests in flight finish for this long, well within systemd's and compose's stop timeouts.
graceful_timeout = 20
# Longer than nothing but shorter than a load balancer's idle timeout, so the balancer closes first.
keepalive = 5
# Recycle workers now and then so that a slow leak cannot grow without bound; jitter staggers restarts.
max_requests = 2000
max_requests_jitter = 200

accesslog = "-"
errorlog = "-"
# Client, request line, status, bytes, duration in ms, and the request id a balancer or client sent.
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'

# gunicorn's control socket defaults to one path per user: two nodes on one machine would fight over it.
control_socket_disable = True
