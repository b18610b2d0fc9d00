#!/usr/bin/env python3
"""Loads an HTML file in headless Chromium over the DevTools protocol (a pipe: no network port, no third-party
package) and checks what a reader would see:

* every <svg> rendered with a non-zero bounding box;
* no request left the page (every network request must be the file itself or a data: URI);
* no console error and no uncaught exception;
and saves a full-page screenshot (PNG) for a person to look at.

Usage: python3 scripts/browser_check.py PAGE.html SCREENSHOT.png [--chromium PATH]
Exit codes: 0 all checks passed; 1 a check failed (each failure on one line); 2 Chromium could not be started.
"""
import base64
import json
import os
import subprocess
import sys
import time


class DevTools:
    def __init__(self, chromium):
        r_in, w_in = os.pipe()    # we write commands -> chromium reads fd 3
        r_out, w_out = os.pipe()  # chromium writes fd 4 -> we read
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
             "--remote-debugging-pipe", "--window-size=1000,1400", "about:blank"],
            close_fds=False, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: self._child_fds(r_in, w_out))
        os.close(r_in)
        os.close(w_out)
        self.w = os.fdopen(w_in, "wb", buffering=0)
        self.r = os.fdopen(r_out, "rb", buffering=0)
        self.next_id = 0
        self.buffer = b""
        self.events = []

    @staticmethod
    def _child_fds(r_in, w_out):
        # Chromium's --remote-debugging-pipe reads commands on fd 3 and writes on fd 4: move our pipe ends there
        # (through high numbers first, so that neither end is overwritten by the other).
        a, b = os.dup2(r_in, 200), os.dup2(w_out, 201)
        os.dup2(a, 3)
        os.dup2(b, 4)

    def _read_message(self):
        while b"\0" not in self.buffer:
            chunk = self.r.read(65536)
            if not chunk:
                raise RuntimeError("Chromium closed the DevTools pipe")
            self.buffer += chunk
        msg, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self.w.write(json.dumps(msg).encode() + b"\0")
        while True:
            m = self._read_message()
            if m.get("id") == self.next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_event(self, name, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            for k, e in enumerate(self.events):
                if e.get("method") == name:
                    return self.events.pop(k)
            self.events.append(self._read_message())
        raise RuntimeError(f"timed out waiting for {name}")

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        self.proc.wait(timeout=10)


def main(argv):
    if len(argv) < 3:
        print("usage: browser_check.py PAGE.html SCREENSHOT.png [--chromium PATH]")
        return 2
    page, shot = os.path.abspath(argv[1]), argv[2]
    chromium = argv[argv.index("--chromium") + 1] if "--chromium" in argv else "chromium"
    try:
        dt = DevTools(chromium)
        target = dt.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = dt.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    except Exception as e:  # noqa: BLE001
        print(f"browser_check: cannot start Chromium ({chromium}): {e}")
        return 2
    for domain in ("Page", "Network", "Runtime", "Log"):
        dt.call(f"{domain}.enable", session=session)
    url = "file://" + page
    dt.call("Page.navigate", {"url": url}, session=session)
    dt.wait_event("Page.loadEventFired")
    time.sleep(0.5)
    boxes = dt.call("Runtime.evaluate", {
        "expression": "JSON.stringify(Array.from(document.querySelectorAll('svg')).map(s => { const r = s.getBoundingClientRect(); return [r.width, r.height]; }))",
        "returnByValue": True}, session=session)["result"]["value"]
    metrics = dt.call("Page.getLayoutMetrics", session=session)
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    dt.call("Emulation.setDeviceMetricsOverride", {"width": 1000, "height": int(size["height"]), "deviceScaleFactor": 1, "mobile": False}, session=session)
    png = dt.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}, session=session)["data"]
    # Drain pending events.
    dt.call("Runtime.evaluate", {"expression": "1"}, session=session)
    dt.close()
    os.makedirs(os.path.dirname(os.path.abspath(shot)), exist_ok=True)
    with open(shot, "wb") as f:
        f.write(base64.b64decode(png))

    failures = []
    svgs = json.loads(boxes)
    if not svgs:
        failures.append("no <svg> element on the page")
    for k, (w, h) in enumerate(svgs):
        if not (w > 0 and h > 0):
            failures.append(f"svg #{k} rendered with an empty bounding box ({w}×{h})")
    for e in dt.events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Network.requestWillBeSent":
            u = params.get("request", {}).get("url", "")
            if u != url and not u.startswith("data:"):
                failures.append(f"a request left the page: {u}")
        elif method == "Runtime.exceptionThrown":
            failures.append(f"uncaught exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            failures.append(f"console error: {params.get('args')}")
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            failures.append(f"console error: {params['entry'].get('text')}")
    print(f"browser_check: {len(svgs)} SVG figures rendered, screenshot {shot} ({int(size['height'])} px tall)")
    for f in failures:
        print(f"browser_check: FAIL {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
