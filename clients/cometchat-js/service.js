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
 * Each instance (`POST /`) is a child process (instance.js, child_process.fork) with its own
 * copy of the SDK, started with NODE_EXTRA_CA_CERTS=<server.caFile>. Commands are forwarded
 * over IPC; the child answers with the protocol reply.
 */

const http = require('node:http');
const path = require('node:path');
const { fork } = require('node:child_process');

const NAME = 'ringside-cometchat-js';
const VERSION = require('./package.json').version;
const SDK_VERSION = require('@cometchat/chat-sdk-javascript/package.json').version;
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

function parsePort(argv) {
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port' && i + 1 < argv.length) return Number(argv[i + 1]);
    if (argv[i].startsWith('--port=')) return Number(argv[i].slice(7));
  }
  return 0;
}

class ProtocolError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** One SDK instance: a forked instance.js and its pending IPC requests. */
class Instance {
  constructor(id, config) {
    this.id = id;
    this.config = config;
    this.pending = new Map();
    this.nextRequest = 1;
    this.exited = false;
    const env = { ...process.env, RINGSIDE_INSTANCE_CONFIG: JSON.stringify(config) };
    if (config.server.caFile) env.NODE_EXTRA_CA_CERTS = config.server.caFile;
    this.child = fork(path.join(__dirname, 'instance.js'), [], {
      env,
      execArgv: [],
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('instance did not start in time')), START_TIMEOUT_MS);
      this.child.on('message', (msg) => {
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
      });
      this.child.on('exit', (code, signal) => {
        this.exited = true;
        clearTimeout(timer);
        reject(new Error(`instance process exited (${signal || code})`));
        for (const p of this.pending.values()) p.reject(new Error(`instance process exited (${signal || code})`));
        this.pending.clear();
      });
    });
    this.ready.catch(() => {});
  }

  send(command, params) {
    if (this.exited) return Promise.reject(new Error('instance process has exited'));
    const id = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ type: 'command', id, command, params });
    });
  }

  async destroy() {
    if (!this.exited) {
      await Promise.race([
        this.send('logout', {}).catch(() => {}),
        new Promise((r) => setTimeout(r, LOGOUT_TIMEOUT_MS)),
      ]);
    }
    this.kill();
  }

  kill() {
    if (!this.exited) this.child.kill('SIGKILL');
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
    await inst.ready;
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
  reply(res, 200, msg.response);
}

function shutdown() {
  for (const inst of instances.values()) inst.kill();
  instances.clear();
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
        capabilities: CAPABILITIES,
        sdk: { name: '@cometchat/chat-sdk-javascript', version: SDK_VERSION },
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

const server = http.createServer((req, res) => {
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
process.on('exit', shutdown);

server.listen(parsePort(process.argv.slice(2)), '127.0.0.1', () => {
  const { port } = server.address();
  baseUrl = `http://127.0.0.1:${port}`;
  process.stdout.write(`ringside-adapter: listening on ${baseUrl}\n`);
});
