"""The WSGI application uwsgi serves: Keystone or Placement, chosen by the
FAULTLINE_WSGI_APP environment variable (keystone | placement)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sqlite_immediate  # noqa: E402,F401

_which = os.environ.get("FAULTLINE_WSGI_APP")
if _which == "keystone":
    from keystone.server.wsgi import initialize_public_application
    application = initialize_public_application()
elif _which == "placement":
    from placement.wsgi import init_application
    application = init_application()
else:
    raise RuntimeError("FAULTLINE_WSGI_APP must be keystone or placement, not %r" % _which)
