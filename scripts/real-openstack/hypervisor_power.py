#!/usr/bin/python3
"""Changes a server's power state inside a running nova-compute, behind Nova's back.

Each nova-compute of the test cloud runs Nova's own fake virt driver
(nova.virt.fake.FakeDriver), which keeps its guests in memory, and opens an
eventlet backdoor (a Python prompt) on a unix socket ([DEFAULT] backdoor_socket).
This tool types a few lines into that prompt to set a guest's power state,
which is what a real hypervisor reports when a guest powers off by itself.
Nova then notices through its own power-state sync and stops the server with an
admin context that has no user: instance action `stop` with user_id and
project_id null, event `compute_stop_instance`.

usage:
  hypervisor_power.py SOCKET list
  hypervisor_power.py SOCKET set UUID running|shutdown|crashed|paused [--event]

--event  also emits the matching lifecycle event, so nova-compute syncs that
         server at once instead of at its next periodic sync.
"""
import socket
import sys
import time

PROMPT = b">>> "
# state name: (nova.compute.power_state constant, nova.virt.event lifecycle event)
STATES = {
    "running": ("RUNNING", "EVENT_LIFECYCLE_STARTED"),
    "shutdown": ("SHUTDOWN", "EVENT_LIFECYCLE_STOPPED"),
    "crashed": ("CRASHED", "EVENT_LIFECYCLE_STOPPED"),
    "paused": ("PAUSED", "EVENT_LIFECYCLE_PAUSED"),
}
DONE = "__faultline_done__"

# Runs inside nova-compute. The driver object is found among live objects:
# the backdoor offers no handle on the compute manager.
FIND_DRIVER = """
import gc
from nova.virt import fake as _fake, event as _event
from nova.compute import power_state as _power
_drivers = [o for o in gc.get_objects() if isinstance(o, _fake.FakeDriver)]
if len(_drivers) != 1:
    raise RuntimeError('expected one FakeDriver in this nova-compute, found %d' % len(_drivers))
_driver = _drivers[0]
"""


class Backdoor:
    def __init__(self, path, timeout_s=20.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout_s)
        self.sock.connect(path)
        self._read_to_prompt()  # the banner

    def _read_to_prompt(self):
        data = b""
        while not data.endswith(PROMPT):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise SystemExit("backdoor closed the connection; output so far:\n" + data.decode(errors="replace"))
            data += chunk
        return data[: -len(PROMPT)].decode(errors="replace")

    def run(self, code):
        """Executes a block of code in nova-compute; returns what it printed."""
        source = code + "\nprint(%r)\n" % DONE
        # One physical line, so the interactive prompt runs it as one statement.
        self.sock.sendall(("exec(%r)\n" % source).encode())
        out = self._read_to_prompt()
        if DONE not in out:
            raise SystemExit("backdoor command failed inside nova-compute:\n" + out)
        return out.replace(DONE + "\n", "").replace(DONE, "")

    def close(self):
        self.sock.close()


def main(argv):
    if len(argv) < 3:
        raise SystemExit(__doc__)
    path, command = argv[1], argv[2]
    if command == "list":
        code = FIND_DRIVER + (
            "for _uuid, _guest in sorted(_driver.instances.items()):\n"
            "    print(_uuid, _power.STATE_MAP.get(_guest.state, _guest.state))\n")
    elif command == "set" and len(argv) >= 5 and argv[4] in STATES:
        uuid, (state_const, event_const) = argv[3], STATES[argv[4]]
        code = FIND_DRIVER + (
            "if %(u)r not in _driver.instances:\n"
            "    raise KeyError('no guest %(u)s on this hypervisor')\n"
            "_driver.instances[%(u)r].state = _power.%(s)s\n") % {"u": uuid, "s": state_const}
        if "--event" in argv[5:]:
            code += "_driver.emit_event(_event.LifecycleEvent(%r, _event.%s))\n" % (uuid, event_const)
        code += "print(%r, _power.STATE_MAP[_driver.instances[%r].state])\n" % (uuid, uuid)
    else:
        raise SystemExit(__doc__)
    started = time.time()
    door = Backdoor(path)
    try:
        sys.stdout.write(door.run(code))
    finally:
        door.close()
    if time.time() - started > 10:
        print("note: the backdoor took %.1f s" % (time.time() - started), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv)
