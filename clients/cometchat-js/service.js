'use strict';
/**
 * ringside test service for the CometChat JS Chat SDK (docs/adapter-protocol.md, version 1).
 *
 *   node service.js [--port N]      (default 0 = any free port; also accepts --port=N)
 *
 * Listens on 127.0.0.1 and prints exactly one line on stdout when ready:
 *   ringside-adapter: listening on http://127.0.0.1:<port>
 * Everything else (instance logs) goes to stderr.
 *
 * Each instance (`POST /`) runs instance.js in a V8 isolate of its own, with its own copy of the
 * SDK: a worker thread (RINGSIDE_INSTANCE_MODE=thread, the default) trusting exactly
 * <server.caFile>, or a child process (RINGSIDE_INSTANCE_MODE=process, child_process.fork)
 * started with NODE_EXTRA_CA_CERTS=<server.caFile>. Either is usually taken from a warm pool
 * started ahead of need (RINGSIDE_POOL_SIZE, default 3; 0 = start on demand) or recycled from a
 * deleted instance (RINGSIDE_INSTANCE_USES, default 250; see recycleChild). The configuration
 * and then the commands are forwarded as messages; the instance answers with the protocol reply.
 */

const http = require('node:http');
const path = require('node:path');
const { fork } = require('node:child_process');
const { performance } = require('node:perf_hooks');
const { Worker } = require('node:worker_threads');

const NAME = 'ringside-cometchat-js';
const VERSION = require('./package.json').version;

/**
 * `--sdk DIR`: the SDK package to drive, another version of it or the v3 package (@cometchat-pro/chat),
 * installed apart from this adapter (ringside installs one folder per package@version in its cache).
 * Without it: the version this adapter's package.json pins. The instances read it from
 * RINGSIDE_SDK_DIR (threads and processes inherit this process' environment); see sdk.js.
 */
const SDK_DIR = parseOption(process.argv.slice(2), '--sdk');
if (SDK_DIR) process.env.RINGSIDE_SDK_DIR = path.resolve(SDK_DIR);
const sdk = require('./sdk');

const sdkInfo = sdk.describe();
/** Every capability of the adapter; an SDK that lacks an API declares fewer (sdk.js, `capabilitiesFor`). */
const CAPABILITIES = [
  'group-calls',
  'custom-timeout',
  'multi-device',
  'virtual-time',
  'active-call',
  'generate-token',
  'listeners',
  'call-session',
];
const COMMANDS = new Set([
  'login',
  'logout',
  'initiateCall',
  'acceptCall',
  'rejectCall',
  'endCall',
  'addCallListener',
  'removeCallListener',
  'getActiveCall',
  'clearActiveCall',
  'generateToken',
  'startSession',
  'sessionEvent',
  'getSession',
  'advanceTime',
  'sync',
]);
/** Real ms to wait for a child to load the SDK and run CometChat.init. */
const START_TIMEOUT_MS = 20000;
/** Real ms a DELETE waits for the SDK's logout before the child is killed anyway. */
const LOGOUT_TIMEOUT_MS = 3000;

/**
 * RINGSIDE_ADAPTER_TRACE=<file>: at exit, append one JSON line per request (start, real ms taken,
 * what it was) and per deleted instance (its process' CPU ms, start-up included) to <file>.
 */
const TRACE_FILE = process.env.RINGSIDE_ADAPTER_TRACE || '';
const traceLines = [];

/**
 * `thread` (default): each instance is a worker thread of this process. `process`: each instance
 * is a process of its own (the mode before worker threads; kept to diagnose a difference).
 */
const INSTANCE_MODE = process.env.RINGSIDE_INSTANCE_MODE || 'thread';
if (INSTANCE_MODE !== 'thread' && INSTANCE_MODE !== 'process') {
  process.stderr.write(`[service] RINGSIDE_INSTANCE_MODE must be "thread" or "process", not ${JSON.stringify(INSTANCE_MODE)}\n`);
  process.exit(2);
}

/**
 * Node options of the instance processes. `--liftoff-only`: WebAssembly is compiled by V8's
 * baseline compiler only. The one WebAssembly module an instance runs is undici's HTTP parser
 * (llhttp, behind fetch); without this flag V8 also compiles all of it with its optimising
 * compiler on a background thread, about 150 ms of CPU per process that a process living for
 * one scenario never gets back. (V8 flags are process-wide: instance threads run with the
 * service's own flags, which do not include it; measured per worker, with and without it, the
 * difference was within noise.) RINGSIDE_INSTANCE_NODE_ARGS adds options (for example
 * "--cpu-prof --cpu-prof-dir=/tmp/prof"; in thread mode they are the workers' execArgv).
 */
const EXTRA_NODE_ARGS = (process.env.RINGSIDE_INSTANCE_NODE_ARGS || '').split(/\s+/).filter(Boolean);
const CHILD_EXEC_ARGV = ['--liftoff-only', ...EXTRA_NODE_ARGS];

/**
 * Heap limit (MB) of an instance thread's isolate: an instance that runs away fails alone
 * (ERR_WORKER_OUT_OF_MEMORY ends its thread) instead of taking the service down with it.
 */
const THREAD_HEAP_MB = Number(process.env.RINGSIDE_INSTANCE_HEAP_MB || 512);

/** `--name VALUE` or `--name=VALUE` from argv, else null. */
function parseOption(argv, name) {
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === name && i + 1 < argv.length) return argv[i + 1];
    if (argv[i].startsWith(`${name}=`)) return argv[i].slice(name.length + 1);
  }
  return null;
}

function parsePort(argv) {
  return Number(parseOption(argv, '--port') ?? 0);
}

class ProtocolError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Environment of an instance: this service's, less the hand-started instance's configuration. */
function instanceEnv() {
  const env = { ...process.env };
  delete env.RINGSIDE_INSTANCE_CONFIG; // the configuration comes as a message
  return env;
}

/**
 * One instance.js process, forked with NODE_EXTRA_CA_CERTS=<caFile> (Node reads it only at
 * start-up, so a process serves instances of that CA only). It loads the SDK and waits for its
 * configuration; it serves one instance at a time, then is ended or recycled (recycleChild).
 */
class ProcessChild {
  constructor(caFile) {
    this.caFile = caFile;
    this.exited = false;
    this.exitReason = null;
    const env = instanceEnv();
    if (caFile) env.NODE_EXTRA_CA_CERTS = caFile;
    this.process = fork(path.join(__dirname, 'instance.js'), [], {
      env,
      execArgv: CHILD_EXEC_ARGV,
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    this.process.on('exit', (code, signal) => {
      this.exited = true;
      this.exitReason = String(signal || code);
    });
  }

  get what() {
    return 'instance process';
  }

  send(msg) {
    this.process.send(msg);
  }

  onMessage(fn) {
    this.process.on('message', fn);
  }

  offMessage(fn) {
    this.process.off('message', fn);
  }

  /** `fn(reason)` once the process has exited; returns what offExit takes. */
  onExit(fn) {
    const listener = (code, signal) => fn(String(signal || code));
    this.process.on('exit', listener);
    return listener;
  }

  offExit(listener) {
    this.process.off('exit', listener);
  }

  kill() {
    if (!this.exited) this.process.kill('SIGKILL');
  }
}

/**
 * One instance.js worker thread: a fresh V8 isolate (its own globals, its own copy of every
 * module, the SDK's module state included, its own event loop) in this process. It trusts exactly
 * <caFile> (given in workerData; NODE_EXTRA_CA_CERTS is process-wide), so it too serves instances
 * of that CA only. Serves one instance at a time; terminated when it is deleted, unless recycled.
 * What it writes to stdout goes to stderr (stdout carries only the ready line).
 */
class ThreadChild {
  constructor(caFile) {
    this.caFile = caFile;
    this.exited = false;
    this.exitReason = null;
    this.exitListeners = [];
    this.worker = new Worker(path.join(__dirname, 'instance.js'), {
      workerData: { ringsideInstance: true, caFile },
      env: instanceEnv(),
      execArgv: EXTRA_NODE_ARGS,
      stdout: true,
      resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB },
    });
    this.worker.stdout.on('data', (chunk) => process.stderr.write(chunk));
    // An error the instance did not handle ends its thread only: note why, for its pending requests.
    this.worker.on('error', (e) => {
      this.exitReason = `${(e && (e.code || e.name)) || 'error'}: ${e && e.message ? e.message : e}`;
      process.stderr.write(`[service] instance thread ${this.worker.threadId} failed: ${e && e.stack ? e.stack : e}\n`);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      if (this.exitReason === null) this.exitReason = String(code);
      for (const fn of this.exitListeners.splice(0)) fn(this.exitReason);
    });
  }

  get what() {
    return 'instance thread';
  }

  send(msg) {
    this.worker.postMessage(msg);
  }

  onMessage(fn) {
    this.worker.on('message', fn);
  }

  offMessage(fn) {
    this.worker.off('message', fn);
  }

  onExit(fn) {
    if (this.exited) fn(this.exitReason);
    else this.exitListeners.push(fn);
    return fn;
  }

  offExit(fn) {
    this.exitListeners = this.exitListeners.filter((f) => f !== fn);
  }

  /** Resolves once the thread has stopped (Worker.terminate's promise; its isolate is then gone). */
  kill() {
    if (this.exited) return Promise.resolve();
    return this.worker.terminate().then(() => {}, () => {});
  }
}

const Child = INSTANCE_MODE === 'thread' ? ThreadChild : ProcessChild;

/**
 * The warm pool: POOL_SIZE instance threads / processes started ahead of need (the SDK bundle,
 * undici, the TLS trust) while the previous scenario runs, so that `POST /` only has to send the
 * configuration and run CometChat.init. Filled for the CA file of the latest `POST /` (none is
 * known before the first); one started for another CA is discarded rather than used.
 */
const POOL_SIZE = Math.max(0, Number(process.env.RINGSIDE_POOL_SIZE ?? 3) || 0);
/**
 * How many instances one isolate may serve, one after another (RINGSIDE_INSTANCE_USES, default 250;
 * 1 = each serves one, as before). A deleted instance's isolate is recycled — logged out, checked
 * clean and reset by instance.js' recycle() — and put back in the pool; one that is not clean, ran
 * on the real clock, or has served its share is ended instead. Needs the pool (POOL_SIZE > 0).
 */
const INSTANCE_USES = POOL_SIZE > 0 ? Math.max(1, Number(process.env.RINGSIDE_INSTANCE_USES ?? 250) || 1) : 1;
/** Real ms a recycle may take (the logged-out SDK's socket to close, its last callbacks) before the isolate is ended. */
const RECYCLE_TIMEOUT_MS = 5000;
const pool = [];
let refillScheduled = false;
let poolCaFile = null;
/** Isolates being recycled, and the requests waiting for one of them. */
let recycling = 0;
let recycleWaiters = [];

/** An isolate for an instance of `caFile`: a pooled one (recycled ones first), else one being recycled, else a new one. */
async function takeChild(caFile) {
  for (;;) {
    while (pool.length > 0) {
      const child = pool.shift();
      if (!child.exited && child.caFile === caFile) return child;
      child.kill();
    }
    if (recycling === 0) return new Child(caFile);
    await new Promise((resolve) => recycleWaiters.push(resolve));
  }
}

/** Isolates that will be back in the pool without starting one: pooled, being recycled, serving an instance. */
function expectedIdle() {
  return pool.length + (INSTANCE_USES > 1 ? recycling + instances.size : 0);
}

/** Top the pool up for `caFile`, after the current request's own work (starting one blocks briefly). */
function refillPool(caFile) {
  poolCaFile = caFile;
  if (refillScheduled || POOL_SIZE === 0) return;
  refillScheduled = true;
  setImmediate(() => {
    refillScheduled = false;
    if (shuttingDown) return;
    for (let i = pool.length - 1; i >= 0; i -= 1) {
      if (pool[i].exited || pool[i].caFile !== poolCaFile) pool.splice(i, 1)[0].kill();
    }
    while (expectedIdle() < POOL_SIZE) pool.push(new Child(poolCaFile));
  });
}

/** A recycled isolate goes back to the pool, ahead of never-used ones (its code is compiled); at most POOL_SIZE wait. */
function returnToPool(child) {
  if (shuttingDown || child.exited || child.caFile !== poolCaFile || pool.length >= POOL_SIZE) {
    child.kill();
    return;
  }
  pool.unshift(child);
}

/**
 * After its instance's logout: ask the isolate to make itself fresh (instance.js recycle()) and put it
 * back in the pool, or end it when it says why not (or does not answer). Wakes requests waiting for one.
 */
function recycleChild(child, id) {
  recycling += 1;
  let timer = null;
  let exitListener = null;
  const finish = (reason, dropped = []) => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    child.offMessage(onMessage);
    child.offExit(exitListener);
    recycling -= 1;
    if (TRACE_FILE) traceLines.push(JSON.stringify({ t: Date.now(), recycled: id, reused: reason === null, reason, dropped }));
    if (reason === null) {
      returnToPool(child);
    } else {
      child.kill();
      refillPool(poolCaFile);
    }
    for (const wake of recycleWaiters.splice(0)) wake();
  };
  const onMessage = (msg) => {
    if (msg.type === 'recycled') finish(msg.ok ? null : String(msg.reason), msg.dropped || []);
  };
  timer = setTimeout(() => finish('no answer to recycle'), RECYCLE_TIMEOUT_MS);
  child.onMessage(onMessage);
  exitListener = child.onExit((why) => finish(`exited (${why})`));
  if (timer !== null) child.send({ type: 'recycle' });
}

/** One SDK instance: an instance thread / process given its configuration, and its pending requests. */
class Instance {
  constructor(id, config) {
    this.id = id;
    this.config = config;
    this.pending = new Map();
    this.nextRequest = 1;
    this.caFile = config.server.caFile || '';
    this.child = null; // until start() took one
    this.exited = false;
  }

  /** Take an isolate and configure it: resolves once CometChat.init has run there. */
  async start() {
    const child = await takeChild(this.caFile);
    child.uses = (child.uses || 0) + 1;
    refillPool(this.caFile);
    this.child = child;
    this.exited = child.exited;
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('instance did not start in time')), START_TIMEOUT_MS);
      const exited = (reason) => {
        this.exited = true;
        clearTimeout(timer);
        const error = new Error(`${child.what} exited (${reason})`);
        reject(error);
        for (const p of this.pending.values()) p.reject(error);
        this.pending.clear();
      };
      if (child.exited) {
        exited(child.exitReason);
        return;
      }
      this.onChildMessage = (msg) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (msg.type === 'initError') {
          clearTimeout(timer);
          reject(Object.assign(new Error(`CometChat.init failed: ${msg.error.code}: ${msg.error.message}`), msg));
        } else if (msg.type === 'reply') {
          const p = this.pending.get(msg.id);
          if (p) {
            this.pending.delete(msg.id);
            p.resolve(msg);
          }
        }
      };
      child.onMessage(this.onChildMessage);
      this.onChildExit = child.onExit(exited);
      child.send({ type: 'config', config: this.config });
    });
    return this.ready;
  }

  send(command, params) {
    if (this.child === null) return Promise.reject(new Error('instance has not started'));
    if (this.exited) return Promise.reject(new Error(`${this.child.what} has exited`));
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'command', id, command, params });
    });
  }

  /**
   * Log out; then recycle the isolate for a later instance (see recycleChild) when it may serve
   * another and the logout succeeded, else end it. Answers before a recycle is done (the next
   * `POST /` waits for it rather than start an isolate).
   */
  async destroy() {
    let loggedOut = false;
    if (this.child === null) return;
    if (!this.exited) {
      await Promise.race([
        this.send('logout', {}).then((msg) => {
          loggedOut = msg.ok === true;
        }, () => {}),
        new Promise((r) => setTimeout(r, LOGOUT_TIMEOUT_MS)),
      ]);
    }
    if (TRACE_FILE && !this.exited) await this.traceUsage();
    if (loggedOut && !this.exited && !shuttingDown && this.child.uses < INSTANCE_USES && this.pending.size === 0) {
      this.child.offMessage(this.onChildMessage);
      this.child.offExit(this.onChildExit);
      recycleChild(this.child, this.id);
      return;
    }
    await this.kill();
  }

  /** Adapter tests: what the isolate still holds (instance.js isolationState). */
  isolation() {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no answer')), 5000);
      const onMessage = (msg) => {
        if (msg.type !== 'isolation') return;
        this.child.offMessage(onMessage);
        clearTimeout(timer);
        resolve(msg.state);
      };
      this.child.onMessage(onMessage);
      this.child.send({ type: 'isolation' });
    });
  }

  /** RINGSIDE_ADAPTER_TRACE: log the instance's CPU time (start-up included) before it is ended. */
  traceUsage() {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 1000);
      const onMessage = (msg) => {
        if (msg.type !== 'usage') return;
        this.child.offMessage(onMessage);
        clearTimeout(timer);
        // The isolate's CPU since its previous instance was logged (start-up and recycling included).
        const total = (msg.cpu.user + msg.cpu.system) / 1000;
        const cpuMs = total - (this.child.cpuMsLogged || 0);
        this.child.cpuMsLogged = total;
        traceLines.push(JSON.stringify({ t: Date.now(), usage: this.id, mode: INSTANCE_MODE, cpuMs, uptimeMs: msg.uptimeMs, uses: this.child.uses, heapMb: msg.heapMb }));
        resolve();
      };
      this.child.onMessage(onMessage);
      this.child.send({ type: 'usage' });
    });
  }

  /** End the instance's thread / process; resolves once a thread has ended (its memory is freed). */
  kill() {
    return this.child === null ? Promise.resolve() : this.child.kill();
  }
}

const instances = new Map();
let instanceCounter = 0;
let baseUrl = '';

function reply(res, status, body, headers = {}) {
  const data = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    'content-length': Buffer.byteLength(data),
    ...headers,
  });
  res.end(data);
}

/** A reply whose JSON text was made by the instance. */
function replyJson(res, status, json) {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

function protocolError(res, status, code, message, details = null) {
  reply(res, status, { error: { code, message, details } });
}

async function readJson(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ProtocolError(400, 'BAD_REQUEST', `body is not JSON: ${e.message}`);
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function validateCreate(body) {
  const need = (cond, what) => {
    if (!cond) throw new ProtocolError(400, 'BAD_REQUEST', what);
  };
  need(isObject(body), 'body must be an object');
  need(typeof body.appId === 'string' && body.appId, 'appId must be a non-empty string');
  need(isObject(body.server), 'server must be an object');
  need(typeof body.server.clientHost === 'string' && body.server.clientHost, 'server.clientHost is required');
  need(isObject(body.user) && typeof body.user.uid === 'string', 'user.uid is required');
  need(typeof body.callbackUrl === 'string' && body.callbackUrl, 'callbackUrl is required');
  const clock = body.clock || { mode: 'real' };
  need(clock.mode === 'real' || clock.mode === 'virtual', 'clock.mode must be "real" or "virtual"');
  if (clock.mode === 'virtual') need(Number.isFinite(Number(clock.now)), 'clock.now is required with mode "virtual"');
  if (!body.server.baseUrl) body.server.baseUrl = `https://${body.server.clientHost}`;
  return { ...body, clock };
}

async function createInstance(req, res) {
  const config = validateCreate(await readJson(req));
  instanceCounter += 1;
  const id = String(instanceCounter);
  const inst = new Instance(id, config);
  instances.set(id, inst);
  try {
    await inst.start();
  } catch (e) {
    instances.delete(id);
    inst.kill();
    throw new ProtocolError(500, 'INSTANCE_START_FAILED', e.message);
  }
  const url = `${baseUrl}/instances/${id}`;
  reply(res, 201, { url }, { location: url });
}

async function runCommand(inst, req, res) {
  const body = await readJson(req);
  if (!isObject(body) || typeof body.command !== 'string') {
    throw new ProtocolError(400, 'BAD_REQUEST', 'body must be {"command": "...", "params": {...}}');
  }
  if (!COMMANDS.has(body.command)) {
    throw new ProtocolError(400, 'UNKNOWN_COMMAND', `unknown command ${body.command}`);
  }
  req.ringsideCommand = body.command;
  const params = body.params === undefined || body.params === null ? {} : body.params;
  if (!isObject(params)) throw new ProtocolError(400, 'BAD_REQUEST', 'params must be an object');
  let msg;
  try {
    msg = await inst.send(body.command, params);
  } catch (e) {
    throw new ProtocolError(500, 'INSTANCE_CRASHED', e.message);
  }
  if (msg.protocolError) {
    const pe = msg.protocolError;
    throw new ProtocolError(pe.status, pe.code, pe.message);
  }
  replyJson(res, 200, msg.json);
}

let shuttingDown = false;

function shutdown() {
  shuttingDown = true;
  for (const inst of instances.values()) inst.kill();
  instances.clear();
  for (const child of pool.splice(0)) child.kill();
}

async function route(req, res) {
  const url = new URL(req.url, baseUrl);
  const parts = url.pathname.split('/').filter(Boolean);
  if (parts.length === 0) {
    if (req.method === 'GET') {
      return reply(res, 200, {
        name: NAME,
        version: VERSION,
        protocolVersion: 1,
        capabilities,
        sdk: { name: sdkInfo.name, version: sdkInfo.version },
      });
    }
    if (req.method === 'POST') return createInstance(req, res);
    if (req.method === 'DELETE') {
      reply(res, 204);
      res.on('finish', () => {
        shutdown();
        server.close();
        setTimeout(() => process.exit(0), 50);
      });
      return undefined;
    }
    throw new ProtocolError(405, 'BAD_REQUEST', `${req.method} / is not supported`);
  }
  if (parts[0] === 'instances' && parts.length === 3 && parts[2] === '_isolation' && req.method === 'GET') {
    // Not in the protocol: the adapter's own tests read what a (recycled) isolate holds.
    const inst = instances.get(parts[1]);
    if (!inst) throw new ProtocolError(404, 'UNKNOWN_INSTANCE', `no instance ${parts[1]}`);
    return reply(res, 200, await inst.isolation());
  }
  if (parts[0] === 'instances' && parts.length === 2) {
    const inst = instances.get(parts[1]);
    if (!inst) throw new ProtocolError(404, 'UNKNOWN_INSTANCE', `no instance ${parts[1]}`);
    if (req.method === 'POST') return runCommand(inst, req, res);
    if (req.method === 'DELETE') {
      instances.delete(parts[1]);
      await inst.destroy();
      return reply(res, 204);
    }
    throw new ProtocolError(405, 'BAD_REQUEST', `${req.method} ${url.pathname} is not supported`);
  }
  throw new ProtocolError(404, 'BAD_REQUEST', `no route ${req.method} ${url.pathname}`);
}

function traceRequest(req, res) {
  const start = performance.now();
  const t = Date.now();
  res.on('finish', () => {
    traceLines.push(
      JSON.stringify({ t, ms: +(performance.now() - start).toFixed(2), method: req.method, path: req.url, command: req.ringsideCommand || null }),
    );
  });
}
function flushTrace() {
  if (TRACE_FILE) traceLines.push(JSON.stringify({ t: Date.now(), serviceCpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }));
  if (TRACE_FILE && traceLines.length) require('node:fs').appendFileSync(TRACE_FILE, traceLines.splice(0).join('\n') + '\n');
}

const server = http.createServer((req, res) => {
  if (TRACE_FILE) traceRequest(req, res);
  route(req, res).catch((e) => {
    if (res.headersSent) return;
    if (e instanceof ProtocolError) return protocolError(res, e.status, e.code, e.message);
    process.stderr.write(`[service] ${e && e.stack ? e.stack : e}\n`);
    return protocolError(res, 500, 'INTERNAL_ERROR', String(e && e.message ? e.message : e));
  });
});
server.keepAliveTimeout = 60000;

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    shutdown();
    process.exit(0);
  });
}
process.on('exit', () => {
  shutdown();
  flushTrace();
});

/** What `GET /` declares: all of CAPABILITIES for the pinned SDK, fewer for one that lacks an API. */
let capabilities = CAPABILITIES;

async function main() {
  if (SDK_DIR) {
    // Another version: find out what its API has before declaring anything (a worker thread, ~0.2 s).
    const found = await sdk.probe();
    capabilities = sdk.capabilitiesFor(CAPABILITIES, found);
    process.stderr.write(`[service] ${sdkInfo.name}@${sdkInfo.version}: ${JSON.stringify(found)}; capabilities ${capabilities.join(', ')}\n`);
  }
  server.listen(parsePort(process.argv.slice(2)), '127.0.0.1', () => {
    const { port } = server.address();
    baseUrl = `http://127.0.0.1:${port}`;
    process.stdout.write(`ringside-adapter: listening on ${baseUrl}\n`);
  });
}

main().catch((e) => {
  process.stderr.write(`[service] cannot start: ${e && e.stack ? e.stack : e}\n`);
  process.exit(1);
});
