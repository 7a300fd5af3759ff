#!/usr/bin/python3
"""Fills a freshly started real OpenStack with what faultline's tests need.

Runs under Debian's python3 with openstacksdk (from python3-openstackclient),
all in one process: one `openstack` CLI call per object would cost a second each.

usage:
  seed.py identity             service project and users, catalog, two tenant
                               projects (alpha, beta) with one member user each
  seed.py images-and-flavors IMAGE_FILE
  seed.py fleet OUT_JSON       ~50 servers over both projects, a few of them
                               stopped by their owners; writes a summary
  seed.py bulk COUNT           builds servers named bulk-* until COUNT of them
                               exist (for the benchmark, not the tests)

Passwords come from the environment the start script sets:
REAL_OS_ADMIN_PASSWORD, REAL_OS_USER_PASSWORD (service users use their name).
Existing objects are reused, so every step can be run again.
"""
import collections
import json
import os
import sys
import time

import openstack

# openstacksdk merges a cloud named by OS_CLOUD into every connection, and the
# explicit credentials below then lose to it: all servers would land in that
# cloud's project. Connections here are described by arguments alone.
for _name in [n for n in os.environ if n.startswith("OS_")]:
    del os.environ[_name]

AUTH_URL = "http://127.0.0.1:5000/v3"
REGION = "RegionOne"
MICROVERSION = "2.79"
ADMIN_PASSWORD = os.environ.get("REAL_OS_ADMIN_PASSWORD", "real-admin")
USER_PASSWORD = os.environ.get("REAL_OS_USER_PASSWORD", "real-user")

CATALOG = {
    # service name: (type, endpoint URL)
    "nova": ("compute", "http://127.0.0.1:8774/v2.1"),
    "placement": ("placement", "http://127.0.0.1:8778"),
    "glance": ("image", "http://127.0.0.1:9292"),
    "neutron": ("network", "http://127.0.0.1:9696"),
}
# project: (member user, [(server name prefix, flavor, count)], servers its owner stops)
TENANTS = {
    "alpha": ("alpha-ops", [("alpha-web", "m1.tiny", 18), ("alpha-db", "m1.small", 8)], ["alpha-web-3", "alpha-db-2"]),
    "beta": ("beta-ops", [("beta-app", "m1.tiny", 24)], ["beta-app-5"]),
}
FLAVORS = [("m1.tiny", 1, 64, 1), ("m1.small", 1, 256, 1), ("m1.medium", 2, 1024, 2)]


def say(*parts):
    print("seed:", *parts, flush=True)


def connect(username="admin", password=None, project="admin"):
    return openstack.connect(
        auth_url=AUTH_URL, username=username, password=password or ADMIN_PASSWORD,
        project_name=project, user_domain_name="Default", project_domain_name="Default",
        region_name=REGION, compute_api_version=MICROVERSION)


def ensure_user(idc, name, password, domain, project, role):
    user = idc.find_user(name, domain_id=domain.id)
    if user is None:
        user = idc.create_user(name=name, password=password, domain_id=domain.id,
                               default_project_id=project.id)
    idc.assign_project_role_to_user(project, user, role)
    return user


def ensure_project(idc, name, domain, description):
    project = idc.find_project(name, domain_id=domain.id)
    if project is None:
        project = idc.create_project(name=name, domain_id=domain.id, description=description)
    return project


def identity():
    conn = connect()
    idc = conn.identity
    domain = idc.find_domain("default")
    admin_role = idc.find_role("admin")
    member_role = idc.find_role("member")
    service = ensure_project(idc, "service", domain, "OpenStack service users")
    for name in CATALOG:
        ensure_user(idc, name, name, domain, service, admin_role)
    known = {s.name: s for s in idc.services()}
    for name, (stype, url) in CATALOG.items():
        svc = known.get(name) or idc.create_service(name=name, type=stype)
        have = {e.interface for e in idc.endpoints(service_id=svc.id)}
        for interface in ("public", "internal", "admin"):
            if interface not in have:
                idc.create_endpoint(service_id=svc.id, interface=interface, url=url, region_id=REGION)
    for project_name, (user, _, _) in TENANTS.items():
        project = ensure_project(idc, project_name, domain, "faultline test tenant")
        ensure_user(idc, user, USER_PASSWORD, domain, project, member_role)
    say("identity done: service users, catalog of", len(CATALOG), "services, projects", ", ".join(TENANTS))


def images_and_flavors(image_file):
    conn = connect()
    for name, vcpus, ram, disk in FLAVORS:
        if conn.compute.find_flavor(name) is None:
            conn.compute.create_flavor(name=name, vcpus=vcpus, ram=ram, disk=disk, is_public=True)
    image = conn.image.find_image("cirros-fake")
    if image is None:
        with open(image_file, "rb") as f:
            image = conn.image.create_image(name="cirros-fake", data=f.read(), disk_format="raw",
                                            container_format="bare", visibility="public")
    deadline = time.time() + 60
    while conn.image.get_image(image.id).status != "active":
        if time.time() > deadline:
            raise SystemExit("image %s never became active" % image.id)
        time.sleep(0.5)
    say("flavors", ", ".join(f[0] for f in FLAVORS), "and image cirros-fake", image.id)


def all_servers(conn):
    return list(conn.compute.servers(details=True, all_projects=True))


def wait_settled(conn, limit_s, what):
    deadline = time.time() + limit_s
    while True:
        servers = all_servers(conn)
        busy = [s for s in servers if s.status == "BUILD" or s.task_state]
        if not busy:
            return servers
        if time.time() > deadline:
            raise SystemExit("%s: %d servers still busy after %d s: %s" % (
                what, len(busy), limit_s, ", ".join("%s %s/%s" % (s.name, s.status, s.task_state) for s in busy[:10])))
        time.sleep(1)


def fleet(out_json):
    admin = connect()
    image = admin.image.find_image("cirros-fake")
    started = time.time()
    owners = {}
    for project_name, (user, groups, _) in TENANTS.items():
        conn = connect(user, USER_PASSWORD, project_name)
        owners[project_name] = conn
        have = {s.name for s in conn.compute.servers()}
        for prefix, flavor_name, count in groups:
            if any(n.startswith(prefix + "-") for n in have):
                continue
            flavor = conn.compute.find_flavor(flavor_name)
            # One request builds them all: Nova names them prefix-1 .. prefix-N.
            body = {"server": {"name": prefix, "imageRef": image.id, "flavorRef": flavor.id,
                               "networks": "none", "min_count": count, "max_count": count,
                               "metadata": {"tier": prefix.split("-")[1], "owner": project_name}}}
            r = conn.compute.post("/servers", json=body, microversion=MICROVERSION)
            if r.status_code != 202:
                raise SystemExit("creating %s x%d in %s: HTTP %d %s" % (prefix, count, project_name, r.status_code, r.text))
    servers = wait_settled(admin, 600, "building")
    broken = [s for s in servers if s.status != "ACTIVE" and s.status != "SHUTOFF"]
    if broken:
        raise SystemExit("servers did not build: " + ", ".join("%s %s %s" % (s.name, s.status, (s.fault or {}).get("message")) for s in broken))
    say("%d servers built in %.1f s" % (len(servers), time.time() - started))
    for project_name, (_, _, to_stop) in TENANTS.items():
        conn = owners[project_name]
        for name in to_stop:
            # find_server answers from the plain listing, which has no status.
            server = conn.compute.get_server(conn.compute.find_server(name, ignore_missing=False))
            if server.status == "ACTIVE":
                conn.compute.stop_server(server)
    servers = wait_settled(admin, 120, "stopping")
    projects = {p.name: p.id for p in admin.identity.projects()}
    summary = {
        "projects": {name: projects[name] for name in TENANTS},
        "users": {name: user for name, (user, _, _) in TENANTS.items()},
        "stoppedByOwner": sorted(n for _, (_, _, stops) in TENANTS.items() for n in stops),
        "servers": sorted(({"id": s.id, "name": s.name, "projectId": s.project_id, "host": s.compute_host,
                            "status": s.status} for s in servers), key=lambda s: s["name"]),
    }
    with open(out_json, "w") as f:
        json.dump(summary, f, indent=2)
    per_host = collections.Counter(s.compute_host for s in servers)
    say("fleet: %d servers, per hypervisor %s, stopped by owner: %s" % (
        len(servers), dict(sorted(per_host.items())), ", ".join(summary["stoppedByOwner"])))


def bulk(count):
    """Extra ACTIVE servers, so that listing them is real work for Nova: one
    multi-create request per batch, spread over both tenant projects."""
    admin = connect()
    image = admin.image.find_image("cirros-fake")
    started = time.time()
    missing = count - sum(1 for s in all_servers(admin) if s.name.startswith("bulk-"))
    batch_size = 100
    batch = 0
    while missing > 0:
        project_name = list(TENANTS)[batch % len(TENANTS)]
        conn = connect(TENANTS[project_name][0], USER_PASSWORD, project_name)
        n = min(batch_size, missing)
        body = {"server": {"name": "bulk-%d-%d" % (int(started), batch), "imageRef": image.id,
                           "flavorRef": conn.compute.find_flavor("m1.tiny").id, "networks": "none",
                           "min_count": n, "max_count": n, "metadata": {"tier": "bulk", "owner": project_name}}}
        r = conn.compute.post("/servers", json=body, microversion=MICROVERSION)
        if r.status_code != 202:
            raise SystemExit("creating bulk x%d in %s: HTTP %d %s" % (n, project_name, r.status_code, r.text))
        # Building one batch at a time keeps SQLite's writers from starving each other.
        wait_settled(admin, 600, "building bulk servers")
        missing -= n
        batch += 1
    servers = all_servers(admin)
    broken = [s for s in servers if s.name.startswith("bulk-") and s.status != "ACTIVE"]
    if broken:
        raise SystemExit("bulk servers did not build: " + ", ".join("%s %s" % (s.name, s.status) for s in broken[:10]))
    say("%d servers in all, %d batches built in %.1f s" % (len(servers), batch, time.time() - started))


def main(argv):
    if len(argv) >= 2 and argv[1] == "identity":
        identity()
    elif len(argv) == 3 and argv[1] == "images-and-flavors":
        images_and_flavors(argv[2])
    elif len(argv) == 3 and argv[1] == "fleet":
        fleet(argv[2])
    elif len(argv) == 3 and argv[1] == "bulk":
        bulk(int(argv[2]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
