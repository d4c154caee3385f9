// axe-core in headless Chromium on every HTML page under a directory, at a
// phone's and a laptop's width, in light and dark colour schemes, and with
// every text edited over its network's limit. Chromium is driven over the
// DevTools pipe (file descriptors 3 and 4, NUL-separated JSON), as the Rust
// browser test does: no browser download, no port. axe is evaluated
// through the protocol, which the pages' strict Content-Security-Policy
// does not govern (an injected <script> would be refused). Exits 1 on any
// violation or page error.
//
// node axe.js DIRECTORY [CHROMIUM]
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const dir = path.resolve(process.argv[2]);
const chromium = process.argv[3] || '/usr/bin/chromium';
const axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const pages = [];
(function walk(at) {
  for (const entry of fs.readdirSync(at, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(at, entry.name);
    if (entry.isDirectory()) { walk(full); } else if (entry.name.endsWith('.html')) { pages.push(full); }
  }
}(dir));
if (pages.length === 0) {
  console.error(`axe: no HTML page under ${dir}`);
  process.exit(1);
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'onmessage-axe-'));
const log = path.join(profile, 'chromium.log');
const child = spawn(chromium, [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--remote-debugging-pipe', `--user-data-dir=${path.join(profile, 'profile')}`, 'about:blank',
], { stdio: ['ignore', 'ignore', fs.openSync(log, 'w'), 'pipe', 'pipe'] });
const timer = setTimeout(() => fail('timed out after 300 s'), 300000);

function fail(message) {
  console.error(`axe: ${message} (Chromium's log: ${log})`);
  child.kill('SIGKILL');
  process.exit(1);
}
child.on('exit', (code, signal) => { if (!done) { fail(`Chromium exited (${code ?? signal})`); } });

let nextId = 0;
let done = false;
let session;
const waiting = new Map();
const listeners = [];
let buffer = Buffer.alloc(0);
child.stdio[4].on('data', (chunk) => {
  buffer = Buffer.concat([buffer, chunk]);
  let end;
  while ((end = buffer.indexOf(0)) >= 0) {
    const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
    buffer = buffer.subarray(end + 1);
    if (message.id !== undefined && waiting.has(message.id)) {
      const { resolve, reject, method } = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.error) { reject(new Error(`${method}: ${JSON.stringify(message.error)}`)); } else { resolve(message.result); }
    } else {
      listeners.forEach((listener) => listener(message));
    }
  }
});

function call(method, params = {}) {
  const id = ++nextId;
  const message = { id, method, params };
  if (session) { message.sessionId = session; }
  child.stdio[3].write(JSON.stringify(message) + '\0');
  return new Promise((resolve, reject) => waiting.set(id, { resolve, reject, method }));
}

function next(method) {
  return new Promise((resolve) => {
    const listener = (message) => {
      if (message.method === method) {
        listeners.splice(listeners.indexOf(listener), 1);
        resolve(message);
      }
    };
    listeners.push(listener);
  });
}

async function evaluate(expression) {
  const result = await call('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
  if (result.exceptionDetails) { throw new Error(`${expression.slice(0, 60)}: ${JSON.stringify(result.exceptionDetails)}`); }
  return result.result.value;
}

const RUN = `axe.run(document).then((r) => r.violations.map((v) =>
  \`\${v.id} (\${v.impact}): \${v.help}\\n      \${v.nodes.map((n) => n.target.join(' ')).join('\\n      ')}\`))`;

const OVER_THE_LIMIT = `document.querySelectorAll('.panel').forEach((panel) => {
  panel.hidden = false;
  const text = panel.querySelector('textarea');
  text.value = 'a'.repeat(Number(panel.dataset.limit) + 1);
  text.dispatchEvent(new Event('input'));
}); true`;

(async () => {
  const { targetId } = await call('Target.createTarget', { url: 'about:blank' });
  ({ sessionId: session } = await call('Target.attachToTarget', { targetId, flatten: true }));
  const errors = [];
  listeners.push((message) => {
    if (message.method === 'Runtime.exceptionThrown' ||
        (message.method === 'Log.entryAdded' && message.params.entry.level === 'error')) {
      errors.push(JSON.stringify(message.params));
    }
  });
  for (const domain of ['Page.enable', 'Runtime.enable', 'Log.enable']) { await call(domain); }
  let violations = 0;
  let runs = 0;
  for (const page of pages) {
    const name = path.relative(dir, page);
    for (const [width, height, mobile] of [[390, 844, true], [1280, 900, false]]) {
      await call('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile });
      const loaded = next('Page.loadEventFired');
      await call('Page.navigate', { url: `file://${page}` });
      await loaded;
      await evaluate(`${axeSource}\n;true`);
      for (const scheme of ['light', 'dark']) {
        await call('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: scheme }] });
        const found = await evaluate(RUN);
        runs += 1;
        for (const violation of found) {
          console.error(`${name} at ${width}px, ${scheme}: ${violation}`);
        }
        violations += found.length;
      }
      // The states the script makes: every network's panel shown, and
      // each text over its limit (Share off, the reason shown).
      await call('Emulation.setEmulatedMedia', { features: [{ name: 'prefers-color-scheme', value: 'light' }] });
      await evaluate(OVER_THE_LIMIT);
      const found = await evaluate(RUN);
      runs += 1;
      for (const violation of found) {
        console.error(`${name} at ${width}px, every text over its limit: ${violation}`);
      }
      violations += found.length;
    }
  }
  errors.forEach((error) => console.error(`page error: ${error}`));
  done = true;
  clearTimeout(timer);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill();
  await exited;
  fs.rmSync(profile, { recursive: true, force: true });
  if (violations > 0 || errors.length > 0) {
    console.error(`axe: ${violations} violation(s), ${errors.length} page error(s) in ${pages.length} pages`);
    process.exit(1);
  }
  console.log(`axe: ${pages.length} pages, ${runs} runs (390 and 1280 px wide, light and dark, over the limit), no violation`);
})().catch((error) => fail(error.stack || String(error)));
