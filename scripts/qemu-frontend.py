#!/usr/bin/env python3
"""
QEMU's QAPI front end as a batch oracle for scripts/fuzz-frontend.mjs.

Usage: qemu-frontend.py QEMU_SCRIPTS_DIR

Reads one schema path per line on stdin; for each prints one JSON line on
stdout:
  {"ok": true}                       the schema is accepted
  {"ok": false, "msg": "..."}        rejected: str(QAPIError), what qapi-gen prints
  {"crash": "ExcType: text"}         QEMU's front end itself raised something else

Only QEMU's own front end (QAPISchema) is called; nothing is generated.
"""
import json
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[1])
sys.setrecursionlimit(1000)

from qapi.error import QAPIError  # noqa: E402
from qapi.schema import QAPISchema  # noqa: E402


def verdict(path):
    try:
        QAPISchema(path)
        return {"ok": True}
    except QAPIError as err:
        return {"ok": False, "msg": str(err)}
    except BaseException as err:  # noqa: B902 - a crash of the oracle is a verdict too
        if isinstance(err, KeyboardInterrupt):
            raise
        return {"crash": "%s: %s" % (type(err).__name__, str(err)[:200])}


def main():
    out = sys.stdout
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        out.write(json.dumps(verdict(path)) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
