#!/usr/bin/python3
"""Runs an OpenStack console entry point by module name.

The python3-nova/-glance/-neutron packages ship the modules but not the
/usr/bin scripts (those come with the service packages, whose postinsts want
a database server and systemd). This launcher stands in for all of them:

    service.py nova.cmd.compute --config-file ...
    service.py --neutron-models neutron.cmd.eventlet.server --config-file ...

Every process it starts shares SQLite files with others, so it loads
sqlite_immediate first. --neutron-models imports every Neutron model and
configures the SQLAlchemy mappers before the service starts: with no service
plugins loaded, a fresh API worker otherwise fails its first port listing on
a backref (Port.port_forwardings) that only exists once mappers are configured.
"""
import importlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sqlite_immediate  # noqa: E402,F401


def main():
    args = sys.argv[1:]
    if args and args[0] == "--neutron-models":
        args = args[1:]
        from neutron.db.migration.models import head  # noqa: F401
        import sqlalchemy.orm
        sqlalchemy.orm.configure_mappers()
    if not args:
        raise SystemExit("usage: service.py [--neutron-models] MODULE [ARGS...]")
    module = importlib.import_module(args[0])
    sys.argv = [args[0].rsplit(".", 1)[-1]] + args[1:]
    return module.main()


if __name__ == "__main__":
    sys.exit(main())
