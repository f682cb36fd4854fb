// runbox playground (docs/api.md, "Playground"): a form over the same API every client uses,
// GET /v1/runtimes and POST /v1/run, sent from this browser with the key typed into the page.
// Everything the server or the program says is put into the page as text (textContent), never
// as markup. The editor is CodeMirror 5 when runboxd serves it, a plain textarea otherwise.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const KEY_NAME = 'runbox.playground.key';
  const EDITOR = '/playground/codemirror/';

  // A runtime's CodeMirror mode: the mode (name or MIME type) and the mode files it needs, in
  // load order. Runtimes not listed get plain text.
  const MODES = {
    python3: ['python', ['python']],
    c: ['text/x-csrc', ['clike']],
    cpp: ['text/x-c++src', ['clike']],
    csharp: ['text/x-csharp', ['clike']],
    java: ['text/x-java', ['clike']],
    kotlin: ['text/x-kotlin', ['clike']],
    scala: ['text/x-scala', ['clike']],
    groovy: ['groovy', ['groovy']],
    dart: ['dart', ['clike', 'dart']],
    javascript: ['javascript', ['javascript']],
    typescript: ['text/typescript', ['javascript']],
    bash: ['shell', ['shell']],
    go: ['go', ['go']],
    rust: ['rust', ['rust']],
    ruby: ['ruby', ['ruby']],
    elixir: ['ruby', ['ruby']],
    perl: ['perl', ['perl']],
    php: ['application/x-httpd-php', ['xml', 'javascript', 'css', 'htmlmixed', 'clike', 'php']],
    lua: ['lua', ['lua']],
    haskell: ['haskell', ['haskell']],
    ocaml: ['text/x-ocaml', ['mllike']],
    erlang: ['erlang', ['erlang']],
    clojure: ['clojure', ['clojure']],
    commonlisp: ['commonlisp', ['commonlisp']],
    racket: ['scheme', ['scheme']],
    r: ['r', ['r']],
    fortran: ['fortran', ['fortran']],
    cobol: ['cobol', ['cobol']],
    pascal: ['pascal', ['pascal']],
    d: ['d', ['d']],
    swift: ['swift', ['swift']],
    nim: ['python', ['python']],
  };

  // A first program per runtime, shown while the editor holds nothing of the user's.
  const HELLO = {
    python3: 'print("hello")\n',
    c: '#include <stdio.h>\n\nint main(void) {\n  printf("hello\\n");\n  return 0;\n}\n',
    cpp: '#include <iostream>\n\nint main() {\n  std::cout << "hello\\n";\n}\n',
    java: 'public class Main {\n  public static void main(String[] args) {\n    System.out.println("hello");\n  }\n}\n',
    javascript: 'console.log("hello");\n',
    typescript: 'const who: string = "hello";\nconsole.log(who);\n',
    bash: 'echo hello\n',
    go: 'package main\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("hello")\n}\n',
    rust: 'fn main() {\n    println!("hello");\n}\n',
    ruby: 'puts "hello"\n',
    perl: 'print "hello\\n";\n',
    php: '<?php\necho "hello\\n";\n',
    lua: 'print("hello")\n',
    haskell: 'main :: IO ()\nmain = putStrLn "hello"\n',
    kotlin: 'fun main() {\n    println("hello")\n}\n',
    csharp: 'using System;\n\nclass Program {\n    static void Main() {\n        Console.WriteLine("hello");\n    }\n}\n',
  };

  let runtimes = [];
  let editor = null;  // CodeMirror, once loaded
  let shownHello = '';
  const loadedScripts = new Map();

  // ---- the key: typed here, kept in this browser only ----
  const storedKey = () => localStorage.getItem(KEY_NAME) ?? sessionStorage.getItem(KEY_NAME) ?? '';
  function saveKey() {
    const key = $('key').value.trim();
    localStorage.removeItem(KEY_NAME);
    sessionStorage.removeItem(KEY_NAME);
    if (key) ($('remember-key').checked ? localStorage : sessionStorage).setItem(KEY_NAME, key);
  }

  async function api(method, path, body) {
    const headers = {};
    const key = $('key').value.trim();
    if (key) headers.Authorization = 'Bearer ' + key;
    const init = { method, headers, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    const text = await res.text();
    let data = null;
    try { data = JSON.parse(text); } catch (_) { /* not JSON: shown as text */ }
    return { status: res.status, data, text };
  }

  // "HTTP 401 unauthorized: no API key ..." from an error answer, whatever its shape.
  function describeError(r) {
    const e = r.data && r.data.error;
    if (e && typeof e === 'object') return `HTTP ${r.status} ${e.code}: ${e.message}`;
    return `HTTP ${r.status}: ${r.text.slice(0, 500)}`;
  }

  function show(el, on) { el.hidden = !on; }
  function setText(id, text) { $(id).textContent = text == null ? '' : String(text); }

  // ---- the editor ----
  function loadScript(src) {
    if (!loadedScripts.has(src)) {
      loadedScripts.set(src, new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = src;
        s.onload = resolve;
        s.onerror = () => reject(new Error('could not load ' + src));
        document.head.appendChild(s);
      }));
    }
    return loadedScripts.get(src);
  }

  function code() { return editor ? editor.getValue() : $('code').value; }
  function setCode(text) {
    if (editor) editor.setValue(text);
    else $('code').value = text;
  }

  async function startEditor() {
    try {
      await loadScript(EDITOR + 'lib/codemirror.js');
    } catch (_) {
      setText('editor-note', 'Plain text editor (runboxd serves no CodeMirror: install libjs-codemirror).');
      return;
    }
    // Its style first: CodeMirror measures its gutter and lines once, when it is made.
    await new Promise((resolve) => {
      const css = document.createElement('link');
      css.rel = 'stylesheet';
      css.href = EDITOR + 'lib/codemirror.css';
      css.onload = resolve;
      css.onerror = resolve;
      document.head.insertBefore(css, document.head.querySelector('link[rel=stylesheet]'));
    });
    editor = window.CodeMirror.fromTextArea($('code'), {
      lineNumbers: true, indentUnit: 4, tabSize: 4, indentWithTabs: false, viewportMargin: Infinity,
      extraKeys: { 'Ctrl-Enter': run, 'Cmd-Enter': run },
    });
    setMode();
  }

  async function setMode() {
    if (!editor) return;
    const m = MODES[$('runtime').value];
    if (!m) { editor.setOption('mode', null); return; }
    try {
      for (const f of m[1]) await loadScript(`${EDITOR}mode/${f}/${f}.js`);
      editor.setOption('mode', m[0]);
    } catch (_) {
      editor.setOption('mode', null);  // this mode's file is not served: plain text
    }
  }

  // ---- runtimes ----
  async function loadRuntimes() {
    const box = $('runtimes-error');
    show(box, false);
    let r;
    try {
      r = await api('GET', '/v1/runtimes');
    } catch (e) {
      box.textContent = 'runboxd did not answer: ' + e.message;
      show(box, true);
      return;
    }
    if (r.status !== 200 || !Array.isArray(r.data)) {
      box.textContent = describeError(r) + (r.status === 401 ? ' (enter an API key above)' : '');
      show(box, true);
      fillRuntimes([]);
      return;
    }
    fillRuntimes(r.data);
  }

  function fillRuntimes(list) {
    runtimes = list;
    const sel = $('runtime');
    const previous = sel.value || sessionStorage.getItem('runbox.playground.runtime') || 'python3';
    sel.replaceChildren();
    for (const rt of list) {
      const o = document.createElement('option');
      o.value = rt.name;
      o.textContent = rt.error ? `${rt.name} (unavailable)` : `${rt.name} ${rt.version || ''}`.trim();
      if (rt.error) {
        o.disabled = true;
        o.title = rt.error;
      }
      sel.appendChild(o);
    }
    if (!list.length) {
      const o = document.createElement('option');
      o.value = '';
      o.textContent = 'no runtimes';
      sel.appendChild(o);
    }
    const keep = list.find((rt) => rt.name === previous && !rt.error) || list.find((rt) => !rt.error);
    if (keep) sel.value = keep.name;
    else if (list.length) {
      const o = document.createElement('option');
      o.value = '';
      o.textContent = 'no runtime can run now';
      sel.prepend(o);
      sel.value = '';
    }
    runtimeChanged();
  }

  function runtimeChanged() {
    const name = $('runtime').value;
    const rt = runtimes.find((x) => x.name === name);
    if (name) sessionStorage.setItem('runbox.playground.runtime', name);
    let info = '';
    if (rt) {
      info = [rt.version, rt.backend && `${rt.backend} backend`, rt.compiled ? 'compiled' : 'interpreted',
        rt.aliases && rt.aliases.length ? 'aliases: ' + rt.aliases.join(', ') : ''].filter(Boolean).join(' · ');
      if (rt.error) info = 'unavailable: ' + rt.error;
    }
    setText('runtime-info', info);
    // Replace the program only while it is empty or still the previous runtime's first one.
    const now = code();
    if (now.trim() === '' || now === shownHello) {
      shownHello = HELLO[name] || '';
      setCode(shownHello);
    }
    setMode();
  }

  // ---- judge tests ----
  function addTest(stdin = '', expected = '') {
    const row = document.createElement('div');
    row.className = 'test-row';
    const mk = (label, value) => {
      const l = document.createElement('label');
      l.textContent = label;
      const t = document.createElement('textarea');
      t.rows = 2;
      t.spellcheck = false;
      t.value = value;
      l.appendChild(t);
      row.appendChild(l);
      return t;
    };
    mk('stdin', stdin).className = 'test-stdin';
    mk('expected stdout', expected).className = 'test-expected';
    const rm = document.createElement('button');
    rm.type = 'button';
    rm.textContent = 'Remove';
    rm.addEventListener('click', () => row.remove());
    row.appendChild(rm);
    $('test-rows').appendChild(row);
  }

  // ---- a run ----
  function request() {
    const body = { runtime: $('runtime').value, code: code() };
    const stdin = $('stdin').value;
    if (stdin) body.stdin = stdin;
    const args = $('args').value;
    if (args) body.args = args.replace(/\n$/, '').split('\n');
    const limits = {};
    for (const name of ['cpu_ms', 'wall_ms', 'memory_mb']) {
      const v = $('limit-' + name).value.trim();
      if (v === '') continue;
      if (!/^\d+$/.test(v)) throw new Error(`limits.${name} must be a whole number`);
      limits[name] = Number(v);
    }
    if (Object.keys(limits).length) body.limits = limits;
    const rows = [...document.querySelectorAll('#test-rows .test-row')];
    if (rows.length) {
      body.tests = rows.map((r) => ({
        stdin: r.querySelector('.test-stdin').value,
        expected_stdout: r.querySelector('.test-expected').value,
      }));
      body.compare = $('compare').value;
    }
    return body;
  }

  function exitText(stage) {
    if (!stage) return '';
    if (stage.signal) return `signal ${stage.signal}`;
    if (stage.exit_code != null) return `exit code ${stage.exit_code}`;
    return '';
  }
  function usageText(stage) {
    if (!stage) return '';
    return `cpu ${stage.cpu_ms} ms · wall ${stage.wall_ms} ms · memory ${stage.memory_kb} KB`;
  }
  function statusClass(el, status) {
    el.classList.remove('good', 'bad');
    if (status) el.classList.add(status === 'ok' || status === 'accepted' ? 'good' : 'bad');
  }
  function truncated(stage, stream) { return stage[stream + '_truncated'] ? '\n[cut at the output limit]' : ''; }

  function clearResult() {
    show($('result-hint'), false);
    show($('error'), false);
    for (const id of ['result-status', 'result-exit', 'result-usage', 'result-meta', 'compile-stdout', 'compile-stderr',
      'run-stdout', 'run-stderr', 'compile-status', 'compile-exit', 'run-status', 'run-exit']) setText(id, '');
    $('test-result-rows').replaceChildren();
    show($('compile-stage'), false);
    show($('run-stage'), false);
    show($('test-results'), false);
    statusClass($('result-status'), '');
  }

  function showStage(prefix, stage) {
    show($(prefix + '-stage'), !!stage);
    if (!stage) return;
    setText(prefix + '-status', stage.status);
    statusClass($(prefix + '-status'), stage.status);
    setText(prefix + '-exit', [exitText(stage), usageText(stage)].filter(Boolean).join(' · '));
    setText(prefix + '-stdout', (stage.stdout || '') + truncated(stage, 'stdout'));
    setText(prefix + '-stderr', (stage.stderr || '') + truncated(stage, 'stderr'));
  }

  function showResult(a) {
    const compileFailed = a.compile && a.compile.status !== 'ok';
    showStage('compile', a.compile);
    showStage('run', a.run);
    let status;
    let main = null;
    if (compileFailed) {
      status = a.compile.status;
      main = a.compile;
    } else if (a.run) {
      status = a.run.status;
      main = a.run;
    } else if (Array.isArray(a.tests)) {
      const ok = a.tests.filter((t) => t.verdict === 'accepted').length;
      status = `${ok}/${a.tests.length} accepted`;
      statusClass($('result-status'), ok === a.tests.length ? 'ok' : 'failed');
    }
    setText('result-status', status);
    if (main) statusClass($('result-status'), status);
    setText('result-exit', exitText(main));
    setText('result-usage', usageText(main));
    setText('result-meta', [a.runtime, a.version, a.backend && `${a.backend} backend`, a.cached ? 'cached answer' : '',
      a.compile && a.compile.cached ? 'compile cached' : '', a.id && `id ${a.id}`].filter(Boolean).join(' · '));
    if (Array.isArray(a.tests)) {
      show($('test-results'), true);
      a.tests.forEach((t, i) => {
        const tr = document.createElement('tr');
        const cells = [i + 1, t.verdict, t.status, t.signal || (t.exit_code == null ? '' : t.exit_code), t.cpu_ms, t.wall_ms, t.memory_kb,
          t.hidden ? '(hidden)' : t.stdout, t.hidden ? '' : t.stderr];
        cells.forEach((c, j) => {
          const td = document.createElement('td');
          if (j >= 7) {
            const pre = document.createElement('pre');
            pre.textContent = c == null ? '' : String(c);
            td.appendChild(pre);
          } else {
            td.textContent = c == null ? '' : String(c);
          }
          if (j === 1) { td.className = 'verdict'; statusClass(td, t.verdict); }
          tr.appendChild(td);
        });
        $('test-result-rows').appendChild(tr);
      });
    }
  }

  async function run() {
    const button = $('run');
    if (button.disabled) return;
    clearResult();
    let body;
    try {
      body = request();
    } catch (e) {
      setText('error', e.message);
      show($('error'), true);
      return;
    }
    if (!body.runtime) {
      setText('error', 'Pick a runtime first.');
      show($('error'), true);
      return;
    }
    button.disabled = true;
    setText('result-status', 'running…');
    try {
      const r = await api('POST', '/v1/run', body);
      setText('result-status', '');
      if (r.status === 200 && r.data) showResult(r.data);
      else {
        setText('error', describeError(r));
        show($('error'), true);
        setText('result-status', 'error');
        statusClass($('result-status'), 'error');
      }
    } catch (e) {
      setText('result-status', 'error');
      setText('error', 'runboxd did not answer: ' + e.message);
      show($('error'), true);
    } finally {
      button.disabled = false;
    }
  }

  async function showVersion() {
    try {
      const r = await api('GET', '/health');
      if (r.data && r.data.version) setText('server-version', 'runbox ' + r.data.version);
    } catch (_) { /* the version is decoration */ }
  }

  function init() {
    const key = storedKey();
    $('key').value = key;
    $('remember-key').checked = localStorage.getItem(KEY_NAME) !== null;
    // Enter, and leaving the field, both end an edit of the key: the runtimes are asked for
    // once per new key (two answers landing one after the other would refill the picker).
    let lastKey = key;
    const keyChanged = () => {
      if ($('key').value.trim() === lastKey) return;
      lastKey = $('key').value.trim();
      saveKey();
      loadRuntimes();
    };
    $('key-form').addEventListener('submit', (e) => { e.preventDefault(); keyChanged(); });
    $('key').addEventListener('change', keyChanged);
    $('remember-key').addEventListener('change', saveKey);
    $('runtime').addEventListener('change', runtimeChanged);
    $('run').addEventListener('click', run);
    $('add-test').addEventListener('click', () => addTest());
    $('code').addEventListener('keydown', (e) => { if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) run(); });
    showVersion();
    startEditor().then(loadRuntimes);
  }

  init();
})();
