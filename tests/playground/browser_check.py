#!/usr/bin/python3
"""The playground in a real browser: headless Chromium (Debian's `chromium`), driven over its
DevTools protocol with Debian's python3-websocket, loads runboxd's page, types into it, clicks
Run and reads what the page shows. Screenshots (PNG) go to --screenshots.

Run by tests/daemon/playground_test.cpp ("daemon: playground") against its own runboxd:
  browser_check.py --url http://127.0.0.1:PORT/ --screenshots DIR --name NAME
                   [--key KEY] [--editor yes|no] [--full]
--key: the daemon wants this key: the page must first say 401, then work once it is typed.
--editor: whether the page must have come up with CodeMirror (yes) or the plain textarea (no).
--full: after python's hello, a C program that does not compile and python judge tests too.
Exit 0 when every check passed, 1 with the reasons otherwise, 77 when chromium or the websocket
module is missing. Prints one JSON line of what the page showed.
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

try:
    import websocket  # Debian: python3-websocket
except ImportError:
    print("python3-websocket is not installed (scripts/lib/deps.sh installs it)", file=sys.stderr)
    sys.exit(77)


class Failed(Exception):
    pass


class Browser:
    """One headless Chromium with one page, and a DevTools connection to that page."""

    def __init__(self, profile):
        chromium = shutil.which("chromium")
        if not chromium:
            print("chromium is not installed (scripts/lib/deps.sh installs it)", file=sys.stderr)
            sys.exit(77)
        self.log = open(os.path.join(profile, "chromium.log"), "wb")
        # --no-sandbox: the test runs as root, where Chromium's own sandbox refuses to start.
        self.proc = subprocess.Popen(
            [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
             "--disable-sync", "--disable-component-update", "--mute-audio", "--hide-scrollbars",
             "--window-size=1360,1100", "--remote-debugging-port=0", "--user-data-dir=" + profile,
             "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True)  # its own process group: close() ends its helpers too
        port_file = os.path.join(profile, "DevToolsActivePort")
        deadline = time.time() + 30
        while not (os.path.exists(port_file) and open(port_file).read().count("\n") >= 1):
            if self.proc.poll() is not None or time.time() > deadline:
                raise Failed("chromium did not start: see " + self.log.name)
            time.sleep(0.05)
        port = int(open(port_file).read().split("\n")[0])
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10))
        page = next(t for t in targets if t["type"] == "page")
        # No Origin header: Chromium refuses DevTools connections from origins it was not told of.
        self.ws = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=30, suppress_origin=True)
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass
        # Chromium's renderer and utility processes are in the group of the one started here.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass
        deadline = time.time() + 10
        while time.time() < deadline:  # until every process of the group has gone
            try:
                os.killpg(self.proc.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.log.close()

    def call(self, method, **params):
        self.next_id += 1
        me = self.next_id
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == me:
                if "error" in msg:
                    raise Failed(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def js(self, expression):
        r = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise Failed(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def wait_for(self, expression, what, timeout=30):
        deadline = time.time() + timeout
        while True:
            v = self.js(expression)
            if v:
                return v
            if time.time() > deadline:
                raise Failed(f"timed out after {timeout} s waiting for {what} ({expression})")
            time.sleep(0.1)

    def click(self, selector):
        box = self.js(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); e.scrollIntoView({{block: 'center'}});"
                      " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=box[0], y=box[1], button="left", clickCount=1)

    def key(self, key, code, vk, modifiers=0, text=None, commands=None):
        down = {"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers}
        if text:
            down["text"] = text
        if commands:
            down["commands"] = commands
        self.call("Input.dispatchKeyEvent", **down)
        self.call("Input.dispatchKeyEvent", type="keyUp", key=key, code=code, windowsVirtualKeyCode=vk, modifiers=modifiers)

    def type_over(self, selector, text):
        """Clicks into the field (or the editor), selects everything and types text over it."""
        self.click(selector)
        self.key("a", "KeyA", 65, modifiers=2, commands=["selectAll"])  # Ctrl+A
        self.call("Input.insertText", text=text)

    def screenshot(self, path):
        data = base64.b64decode(self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"])
        with open(path, "wb") as f:
            f.write(data)

    def problems(self, allowed_urls=(), allowed_answers=()):
        """Console errors, uncaught exceptions, CSP violations the page caused, but for failed
        loads of allowed_urls and the (status, path) answers of allowed_answers."""
        out = []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:400])
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append("console." + p["type"] + ": " + json.dumps(p.get("args", []))[:400])
            elif m == "Log.entryAdded" and p["entry"]["level"] == "error":
                entry = p["entry"]
                url = entry.get("url", "")
                if entry.get("source") == "network" and any(u in url for u in allowed_urls):
                    continue
                if entry.get("source") == "network" and any(
                        f"status of {status} " in entry.get("text", "") and url.endswith(path)
                        for status, path in allowed_answers):
                    continue
                out.append(f"log ({entry.get('source')}): {entry.get('text')} {entry.get('url', '')}")
        return out


EDITOR = "document.querySelector('.CodeMirror')"
SOURCE = f"({EDITOR} ? {EDITOR}.CodeMirror.getValue() : document.getElementById('code').value)"
CODE_FIELD = ".CodeMirror textarea, textarea#code"


def text(b, element_id):
    return b.js(f"document.getElementById({json.dumps(element_id)}).textContent")


def visible(b, element_id):
    return b.js(f"!document.getElementById({json.dumps(element_id)}).hidden")


def pick_runtime(b, name):
    b.wait_for(f"[...document.querySelectorAll('#runtime option')].some(o => o.value === {json.dumps(name)} && !o.disabled)",
               f"runtime {name} in the picker")
    b.js(f"(() => {{ const s = document.getElementById('runtime'); s.value = {json.dumps(name)};"
         " s.dispatchEvent(new Event('change')); })()")


def set_program(b, code):
    # The editor's own input field when CodeMirror is up (its hidden textarea), else the textarea.
    field = ".CodeMirror-code" if b.js(f"!!{EDITOR}") else "textarea#code"
    b.type_over(field, code)
    got = b.js(SOURCE)
    if got != code:
        raise Failed(f"the editor holds {got!r} after typing {code!r}")


def run_and_wait(b):
    b.click("#run")
    b.wait_for("document.getElementById('run').disabled || document.getElementById('result-status').textContent !== ''",
               "the run to start", 10)
    b.wait_for("!document.getElementById('run').disabled && document.getElementById('result-status').textContent !== 'running…'",
               "the result", 60)


def expect(cond, message, failures):
    if not cond:
        failures.append(message)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--screenshots", required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--key")
    ap.add_argument("--editor", choices=("yes", "no"), default="yes")
    ap.add_argument("--full", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.screenshots, exist_ok=True)
    shot = lambda step: os.path.join(a.screenshots, f"{a.name}-{step}.png")
    failures, seen = [], {}
    with tempfile.TemporaryDirectory(prefix="runbox-chromium-") as profile:
        b = Browser(profile)
        try:
            b.call("Page.navigate", url=a.url)
            b.wait_for("document.readyState === 'complete' && !!document.getElementById('runtime')", "the page")
            if a.key:
                # The daemon wants a key: the page says so, then works once one is typed in.
                b.wait_for("!document.getElementById('runtimes-error').hidden", "the 401 message")
                seen["without_key"] = text(b, "runtimes-error")
                expect(seen["without_key"].startswith("HTTP 401 unauthorized"), f"without a key: {seen['without_key']!r}", failures)
                b.screenshot(shot("1-needs-key"))
                b.type_over("#key", a.key)
                b.key("Enter", "Enter", 13, text="\r")
                b.wait_for("document.getElementById('runtimes-error').hidden && "
                           "[...document.querySelectorAll('#runtime option')].some(o => o.value === 'python3')",
                           "the runtimes with the key")
                stored = b.js("sessionStorage.getItem('runbox.playground.key')")
                expect(stored == a.key, f"the key kept in sessionStorage: {stored!r}", failures)
            b.wait_for(f"!!{EDITOR} || document.getElementById('editor-note').textContent !== ''", "the editor")
            has_editor = b.js(f"!!{EDITOR}")
            expect(has_editor == (a.editor == "yes"), f"CodeMirror on the page: {has_editor}, expected {a.editor}", failures)
            if not has_editor:
                seen["editor_note"] = text(b, "editor-note")
            seen["runtimes"] = b.js("[...document.querySelectorAll('#runtime option')].map(o => [o.value, o.textContent, o.disabled])")

            # python3: hello.
            pick_runtime(b, "python3")
            if has_editor:
                b.wait_for(f"{EDITOR}.CodeMirror.getOption('mode') === 'python'", "python highlighting")
                expect(b.js("!!document.querySelector('.CodeMirror .cm-builtin, .CodeMirror .cm-keyword, .CodeMirror .cm-string')"),
                       "no highlighted token in the python program", failures)
            set_program(b, 'print("hello")')
            run_and_wait(b)
            seen["python"] = {k: text(b, k) for k in ("result-status", "result-exit", "result-usage", "run-stdout", "run-stderr", "error")}
            p = seen["python"]
            expect(p["result-status"] == "ok", f"python status {p['result-status']!r} (error: {p['error']!r})", failures)
            expect(p["run-stdout"] == "hello\n", f"python stdout {p['run-stdout']!r}", failures)
            expect(p["result-exit"] == "exit code 0", f"python exit {p['result-exit']!r}", failures)
            expect(p["result-usage"].startswith("cpu ") and " ms · wall " in p["result-usage"] and " KB" in p["result-usage"],
                   f"python usage {p['result-usage']!r}", failures)
            expect(visible(b, "run-stage") and not visible(b, "compile-stage"), "python: run stage only", failures)
            b.screenshot(shot("2-python-hello"))

            if a.full:
                # C: a program that does not compile.
                pick_runtime(b, "c")
                if has_editor:
                    b.wait_for(f"{EDITOR}.CodeMirror.getOption('mode') === 'text/x-csrc'", "C highlighting")
                set_program(b, "int main(void) {\n  return undeclared_thing;\n}\n")
                run_and_wait(b)
                seen["c"] = {k: text(b, k) for k in ("result-status", "result-exit", "compile-status", "compile-stderr", "error")}
                c = seen["c"]
                expect(c["result-status"] == "compile_error", f"C status {c['result-status']!r} (error: {c['error']!r})", failures)
                expect("undeclared_thing" in c["compile-stderr"] and "error" in c["compile-stderr"],
                       f"C compiler message {c['compile-stderr']!r}", failures)
                expect(c["result-exit"].startswith("exit code ") and c["result-exit"] != "exit code 0",
                       f"C compile exit {c['result-exit']!r}", failures)
                expect(visible(b, "compile-stage") and not visible(b, "run-stage"), "C: compile stage only", failures)
                b.screenshot(shot("3-c-compile-error"))

                # python3 with stdin, two arguments and limits; then a limit over the policy's
                # maximum, which the page must show as the API's 422.
                pick_runtime(b, "python3")
                set_program(b, "import sys\nprint(input()[::-1], sys.argv[1:])")
                b.type_over("#stdin", "olleh\n")
                b.type_over("#args", "a b\nc")
                b.type_over("#limit-cpu_ms", "1000")
                b.type_over("#limit-memory_mb", "64")
                run_and_wait(b)
                seen["io"] = {k: text(b, k) for k in ("result-status", "run-stdout", "error")}
                expect(seen["io"]["run-stdout"] == "hello ['a b', 'c']\n", f"stdin and args: {seen['io']}", failures)
                b.type_over("#limit-memory_mb", "99999999")
                run_and_wait(b)
                seen["refused"] = {k: text(b, k) for k in ("result-status", "error")}
                expect(seen["refused"]["error"].startswith("HTTP 422 limit_exceeds_policy: ") and
                       "limits.memory_mb" in seen["refused"]["error"], f"a refused limit: {seen['refused']}", failures)
                expect(visible(b, "error") and not visible(b, "run-stage"), "a refused limit: the error only", failures)
                b.screenshot(shot("4-refused-limit"))
                for field in ("#stdin", "#args", "#limit-cpu_ms", "#limit-memory_mb"):
                    b.js(f"document.querySelector({json.dumps(field)}).value = ''")

                # python3 with two judge tests: one passes, one does not.
                set_program(b, "print(int(input()) * 2)")
                for stdin, expected in (("21", "42"), ("1", "3")):
                    b.click("#add-test")
                    b.type_over("#test-rows .test-row:last-child .test-stdin", stdin)
                    b.type_over("#test-rows .test-row:last-child .test-expected", expected)
                run_and_wait(b)
                seen["tests"] = {"status": text(b, "result-status"),
                                 "verdicts": b.js("[...document.querySelectorAll('#test-result-rows tr')].map(r => r.children[1].textContent)"),
                                 "stdout": b.js("[...document.querySelectorAll('#test-result-rows tr')].map(r => r.children[7].textContent)")}
                t = seen["tests"]
                expect(t["status"] == "1/2 accepted", f"tests status {t['status']!r}", failures)
                expect(t["verdicts"] == ["accepted", "wrong_answer"], f"verdicts {t['verdicts']}", failures)
                expect(t["stdout"] == ["42\n", "2\n"], f"tests' stdout {t['stdout']}", failures)
                b.screenshot(shot("5-python-tests"))

            # Without the editor, its files' 404s are expected; nothing else may go wrong.
            # Refused on purpose: the first GET /v1/runtimes without the key, the limit too high.
            allowed = ("/playground/codemirror/",) if a.editor == "no" else ()
            seen["problems"] = b.problems(allowed, ((401, "/v1/runtimes"), (422, "/v1/run")))
            expect(not seen["problems"], f"the browser reported: {seen['problems']}", failures)
        except Failed as e:
            failures.append(str(e))
            try:
                b.screenshot(shot("failed"))
            except Exception:
                pass
        finally:
            b.close()
    print(json.dumps(seen))
    if failures:
        for f in failures:
            print("FAILED: " + f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
