"""The official Standard Webhooks library (PyPI `standardwebhooks`) as a peer of our signing.

Reads one JSON request on stdin and prints one JSON answer:
  {"op": "verify", "secret", "body", "headers": {name: value}}
      -> {"ok": true, "payload": <parsed body>} or {"ok": false, "error": "<class>: <text>"}
  {"op": "sign", "secret", "msg_id", "timestamp": <unix seconds>, "body"}
      -> {"signature": "v1,..."}
"""

import datetime
import json
import sys

from standardwebhooks.webhooks import Webhook


def main() -> None:
    req = json.load(sys.stdin)
    wh = Webhook(req["secret"])
    if req["op"] == "verify":
        try:
            payload = wh.verify(req["body"], req["headers"])
            out = {"ok": True, "payload": payload}
        except Exception as e:  # the library's own verification errors, named in the answer
            out = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    elif req["op"] == "sign":
        ts = datetime.datetime.fromtimestamp(req["timestamp"], tz=datetime.timezone.utc)
        out = {"signature": wh.sign(req["msg_id"], ts, req["body"])}
    else:
        raise SystemExit(f"unknown op {req['op']!r}")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
