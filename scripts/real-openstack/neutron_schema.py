#!/usr/bin/python3
"""Creates Neutron's tables straight from its models.

Neutron's alembic migrations alter constraints in ways SQLite cannot; the
models are what the migrations end at, so creating them and then running
`neutron-db-manage stamp heads` gives the same schema.

usage: neutron_schema.py SQLALCHEMY_URL
"""
import sys

import sqlalchemy
from neutron.db.migration.models import head

if len(sys.argv) != 2:
    raise SystemExit(__doc__)
head.get_metadata().create_all(sqlalchemy.create_engine(sys.argv[1]))
