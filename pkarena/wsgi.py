"""WSGI entry point for production: `gunicorn -k gevent -w 1 --bind 127.0.0.1:8000 'pkarena.wsgi:app'`.

gevent monkey-patches the standard library before anything else imports sockets or threads
(psycopg 3 and redis-py then cooperate with it); Socket.IO runs in gevent mode, with WebSocket
support from simple-websocket. Settings come from the environment (DATABASE_URL,
PKARENA_STORE_URL, SOCKETIO_MESSAGE_QUEUE, SECRET_KEY, …), see README.
"""

from gevent import monkey

monkey.patch_all()

from pkarena import create_app  # noqa: E402  (must come after monkey-patching)
from pkarena.config import Config  # noqa: E402

app = create_app(Config.from_env(SOCKETIO_ASYNC_MODE="gevent"))
