'use strict';
/**
 * One CometChat SDK instance in its own V8 isolate (the SDK is a singleton): a worker thread
 * (worker_threads, the default) or a process (child_process.fork, RINGSIDE_INSTANCE_MODE=process).
 * Either way the instance has its own globals, its own copy of every module (the SDK's module
 * state included) and its own event loop; it serves one instance at a time and is then ended, or
 * recycled for a later one (recycle(): logged out, checked clean, reset; see the README).
 *
 * Started by service.js, usually ahead of time: the service keeps a few of these warm (see
 * service.js, "warm pool"). Everything that does not depend on the instance's configuration
 * happens at start-up: the browser globals, loading `ws`, fake-timers, the SDK bundle and Node's
 * fetch implementation (undici), and the TLS trust. The configuration (the body of the harness'
 * `POST /`) then arrives as the first message, or in the RINGSIDE_INSTANCE_CONFIG environment
 * variable when a process is started by hand.
 *
 * TLS trust: a process is started with NODE_EXTRA_CA_CERTS=<server.caFile> (read by Node at
 * start). A thread is given its CA file in workerData and trusts exactly that file: a TLS context
 * made from it is given to this isolate's fetch dispatcher and to every WebSocket it opens
 * (polyfill.setTrust), since NODE_EXTRA_CA_CERTS is process-wide.
 *
 * Loading the SDK before the configuration is safe because loading it has no effect that the
 * configuration could change: the bundle calls no timer, reads no clock and no storage while it
 * loads, and captures no timer function (tests/node checks this for the pinned version). Its
 * timers and Date are looked up when called, so the virtual clock, installed once the
 * configuration says so, still gets every SDK timer.
 *
 * Messages (IPC for a process, the worker's parentPort for a thread; the same in both):
 *      parent -> child: {type: "config", config}          (once, first)
 *                       {type: "command", id, command, params}
 *                       {type: "usage"}                    (RINGSIDE_ADAPTER_TRACE only)
 *      child -> parent: {type: "warm"}                     (start-up work done, no config yet)
 *                       {type: "usage", cpu, uptimeMs}
 *                       {type: "ready"} | {type: "initError", error}
 *                       {type: "reply", id, ok, json: the JSON text of {ok, result} | {ok:false, error}}
 *                       {type: "reply", id, protocolError: {status, code, message}}
 */

// First: later requires of npm modules (ws, fake-timers, the SDK) use V8's code cache.
const codeCache = require('./compile-cache');

codeCache.install();

const fs = require('node:fs');
const { performance } = require('node:perf_hooks');
const tls = require('node:tls');
const workerThreads = require('node:worker_threads');

/** Set in a worker thread started by service.js: {ringsideInstance: true, caFile}. */
const THREAD = !workerThreads.isMainThread && workerThreads.workerData && workerThreads.workerData.ringsideInstance
  ? workerThreads.workerData
  : null;

const polyfill = require('./polyfill');
const { io } = polyfill;
const { installVirtualClock } = require('./virtual-clock');

/** The instance's configuration; set once by configure(). */
let cfg = {};

/** Wait this long (real ms) at most for the I/O of a command to settle. */
const SETTLE_CAP_MS = Number(process.env.RINGSIDE_SETTLE_CAP_MS || 10000);
/** After login, wait this long (real ms) at most for the WebSocket auth reply. */
const LOGIN_WS_WAIT_MS = 5000;
/** Deadline for one callback POST attempt to the harness. */
const CALLBACK_TIMEOUT_MS = 10000;
/** A failed callback POST is retried after 50 ms, doubling up to 1 s, for at most 5 s in all. */
const CALLBACK_RETRY_FIRST_MS = 50;
const CALLBACK_RETRY_MAX_MS = 1000;
const CALLBACK_RETRY_BUDGET_MS = Number(process.env.RINGSIDE_CALLBACK_RETRY_BUDGET_MS || 5000);

const realFetch = polyfill.install();

// Real timers for our own waiting, captured before the fake clock replaces the globals.
const realSetTimeout = globalThis.setTimeout;
const REAL_DATE = globalThis.Date;
const sleepReal = (ms) => new Promise((resolve) => realSetTimeout(resolve, ms));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Set by configure() when the instance runs on virtual time. */
let vclock = null;

// The SDK this service was started for (`service.js --sdk DIR`; default: the pinned one), see sdk.js.
const sdk = require('./sdk');

const { CometChat } = sdk.load();
const SDK_INFO = sdk.describe();

/**
 * Shim (sdk.js): CometChat.clearActiveCall() is missing in 4.0.0 … 4.0.7 and in 3.x. Calling it then is
 * the SDK's own failure, named plainly: {code: "NOT_SUPPORTED"} rather than a TypeError.
 */
function clearActiveCall() {
  if (typeof CometChat.clearActiveCall !== 'function') {
    throw Object.assign(new Error(`CometChat.clearActiveCall() does not exist in ${SDK_INFO.name}@${SDK_INFO.version}`), {
      code: 'NOT_SUPPORTED',
    });
  }
  CometChat.clearActiveCall();
}

/**
 * Start-up work that needs no configuration: Node loads its fetch implementation (undici) on the
 * first fetch() and builds the TLS root store (with NODE_EXTRA_CA_CERTS) for the first secure
 * context. Done now, while the process waits in the pool, instead of during the first login.
 */
async function warmUp() {
  const resp = await realFetch('data:text/plain,ringside');
  await resp.arrayBuffer();
  if (THREAD) {
    // This isolate's own trust: exactly its CA file (see the header). No CA file: Node's default.
    if (THREAD.caFile) polyfill.setTrust(fs.readFileSync(THREAD.caFile));
  } else {
    tls.createSecureContext();
  }
}

/** Apply the instance's configuration (once): TLS downgrade, then the virtual clock if asked for. */
function configure(config) {
  cfg = config || {};
  polyfill.setDowngradeTls(cfg.server && cfg.server.tls === false);
  if (cfg.clock && cfg.clock.mode === 'virtual') {
    vclock = installVirtualClock(Math.round(Number(cfg.clock.now) * 1000));
  }
}

process.on('uncaughtException', (e) => log('uncaught exception', e && e.stack ? e.stack : e));
process.on('unhandledRejection', (e) => log('unhandled rejection', e && e.stack ? e.stack : e));

function log(...args) {
  const who = cfg.tag || (THREAD ? `${process.pid}/${workerThreads.threadId}` : process.pid);
  process.stderr.write(`[instance ${who}] ${args.join(' ')}\n`);
}

// ---------------------------------------------------------------------------------------------
// SDK objects -> protocol JSON

function uidOf(u) {
  if (u === null || u === undefined) return null;
  if (typeof u === 'string') return u;
  if (typeof u.getUid === 'function') return u.getUid() ?? null;
  return u.uid ?? null;
}

function intOrNull(v) {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : null;
}

function tryGet(obj, getter, fallbackKey) {
  try {
    if (typeof obj[getter] === 'function') return obj[getter]();
  } catch {
    /* fall through */
  }
  return fallbackKey ? obj[fallbackKey] : undefined;
}

function durationOf(call) {
  const status = tryGet(call, 'getStatus', 'status');
  return status === 'ended' ? intOrNull(tryGet(call, 'getDuration', 'duration')) : null;
}

/** The `Call` mapping of docs/adapter-protocol.md. */
function callToJson(call) {
  if (!call || typeof call !== 'object') return null;
  const out = {
    sessionId: tryGet(call, 'getSessionId', 'sessionId') ?? null,
    status: tryGet(call, 'getStatus', 'status') ?? null,
    callType: tryGet(call, 'getType', 'type') ?? null,
    receiverType: tryGet(call, 'getReceiverType', 'receiverType') ?? null,
    receiverId: tryGet(call, 'getReceiverId', 'receiverId') ?? null,
    initiator: uidOf(tryGet(call, 'getCallInitiator', 'callInitiator')),
    sender: uidOf(tryGet(call, 'getSender', 'sender')),
    action: tryGet(call, 'getAction', 'action') ?? null,
    initiatedAt: intOrNull(tryGet(call, 'getInitiatedAt', 'initiatedAt')),
    joinedAt: intOrNull(tryGet(call, 'getJoinedAt', 'joinedAt')),
    // The SDK's Call has no duration getter or property (callFromJSON drops on.entity.duration);
    // report one only if the SDK ever exposes it, never work it out here.
    duration: durationOf(call),
  };
  // `raw`: the wire message this Call was parsed from (see polyfill.recordCallMessage for why
  // this is not call.getRawMessage()); null when the SDK made the object up locally.
  out.raw = out.sessionId ? polyfill.wireCallMessage(out.sessionId, out.status) : null;
  return out;
}

function userToJson(user) {
  if (!user) return null;
  return {
    uid: uidOf(user),
    name: tryGet(user, 'getName', 'name') ?? null,
    authToken: tryGet(user, 'getAuthToken', 'authToken') ?? null,
  };
}

/** A rejected promise / thrown value -> {code, message, details}. */
function errorToJson(e) {
  if (e && typeof e === 'object') {
    let code = e.code;
    if (code === undefined || code === null || code === '') code = e.name || 'ERROR';
    let details = e.details === undefined ? null : e.details;
    if (details !== null && (typeof details !== 'object' || Array.isArray(details))) details = { value: details };
    return {
      code: String(code),
      message: e.message !== undefined && e.message !== null ? String(e.message) : String(code),
      details,
    };
  }
  return { code: 'ERROR', message: String(e), details: null };
}

// ---------------------------------------------------------------------------------------------
// Listener callbacks -> POST callbackUrl, in invocation order

const callbacks = { seq: 0, inFlight: 0, chain: Promise.resolve() };

/** One POST: null when it is done with, else why it should be retried. */
async function attemptCallback(payload) {
  let resp;
  try {
    resp = await realFetch(cfg.callbackUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
    });
    await resp.arrayBuffer();
    await polyfill.connectionReleased(); // the next callback POST reuses the connection
  } catch (e) {
    return `not delivered: ${e && e.message ? e.message : e}`;
  }
  if (resp.status >= 500 || resp.status === 408 || resp.status === 429) return `HTTP ${resp.status}`;
  if (resp.status < 200 || resp.status > 299) log(`callback POST #${payload.seq} answered ${resp.status}`);
  return null;
}

/** POST one callback until acknowledged, retrying with bounded backoff; the next one waits (order). */
async function postCallback(payload) {
  const giveUp = performance.now() + CALLBACK_RETRY_BUDGET_MS;
  let delay = CALLBACK_RETRY_FIRST_MS;
  for (;;) {
    const problem = await attemptCallback(payload);
    if (problem === null) return;
    if (performance.now() + delay > giveUp) {
      log(`callback ${payload.callback} #${payload.seq} given up: ${problem}`);
      return;
    }
    await sleepReal(delay);
    delay = Math.min(delay * 2, CALLBACK_RETRY_MAX_MS);
  }
}

function emitCallback(listenerId, callback, call) {
  const payload = { listenerId, callback, call: callToJson(call), seq: ++callbacks.seq };
  callbacks.inFlight += 1;
  callbacks.chain = callbacks.chain.then(async () => {
    try {
      await postCallback(payload);
    } finally {
      callbacks.inFlight -= 1;
      polyfill.wake();
    }
  });
}

const CALLBACK_NAMES = [
  'onIncomingCallReceived',
  'onOutgoingCallAccepted',
  'onOutgoingCallRejected',
  'onIncomingCallCancelled',
  'onCallEndedMessageReceived',
];

/** Which of this isolate's instances is running (see recycle()); a listener knows the one it was made for. */
let generation = 0;
/** Callbacks from a listener of an earlier instance of this isolate: never reported (recycle() removes them all). */
let staleCallbacks = 0;

function makeCallListener(listenerId) {
  const handlers = {};
  const madeFor = generation;
  for (const name of CALLBACK_NAMES) {
    handlers[name] = (call) => {
      if (madeFor !== generation) {
        staleCallbacks += 1;
        log(`a listener of an earlier instance (${listenerId}) got ${name}; not reported`);
        return;
      }
      emitCallback(listenerId, name, call);
    };
  }
  return new CometChat.CallListener(handlers);
}

// ---------------------------------------------------------------------------------------------
// Waiting for I/O

/** What is still in flight, or null when the instance is quiet. */
function busyReason() {
  if (io.fetchesInFlight > 0) return `fetch x${io.fetchesInFlight}`;
  if (callbacks.inFlight > 0) return `callback x${callbacks.inFlight}`;
  if (io.framesDispatched !== io.framesReceived) return 'frames';
  const now = performance.now();
  for (const s of io.sockets) {
    const r = s.pendingReason(now);
    if (r) return r;
  }
  return null;
}

/**
 * Resolve once no REST request, callback POST, WebSocket handshake / auth reply / pong is
 * pending and the promise jobs they queued have run: the instance must be quiet for three
 * consecutive event-loop turns (setImmediate runs after the microtask queue has drained).
 * Gives up after SETTLE_CAP_MS real ms and logs what was still busy.
 */
async function settle(capMs = SETTLE_CAP_MS) {
  const deadline = performance.now() + capMs;
  let quietTurns = 0;
  while (quietTurns < 3) {
    await nextTurn();
    const reason = busyReason();
    if (!reason) {
      quietTurns += 1;
      continue;
    }
    quietTurns = 0;
    if (performance.now() > deadline) {
      log(`settle: gave up after ${capMs} ms, still busy: ${reason}`);
      return;
    }
    await polyfill.ioEvent(1);
  }
}

/**
 * After login: wait until the SDK's socket got an answer to its auth frame (accepted or
 * refused), so the mock knows the device before the harness' next step. Gives up after capMs.
 */
async function waitForSocketAuth(repliesBefore, capMs) {
  const deadline = performance.now() + capMs;
  while (performance.now() < deadline) {
    if (io.authReplies > repliesBefore) return true;
    for (const s of io.sockets) if (s.authAnswered) return true; // already connected before this login
    await polyfill.ioEvent(2); // the reply is a frame: woken when it has been dispatched
  }
  log(`login: no WebSocket auth reply within ${capMs} ms`);
  return false;
}

// ---------------------------------------------------------------------------------------------
// Commands

class ProtocolError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

function requireString(params, key) {
  if (typeof params[key] !== 'string' || params[key] === '') {
    throw new ProtocolError(400, 'BAD_REQUEST', `params.${key} must be a non-empty string`);
  }
  return params[key];
}

/** Call tokens generateToken returned (startSession accepts only these), and the call session. */
const tokens = new Set();
let callSession = null;
/** The ids of the call listeners this instance registered with the SDK (and has not removed). */
const listenerIds = new Set();

function clientError(code, message) {
  return Object.assign(new Error(message), { code });
}

const commands = {
  async login() {
    const u = cfg.user || {};
    const repliesBefore = io.authReplies;
    const user = u.authToken ? await CometChat.login(u.authToken) : await CometChat.login(u.uid, u.authKey);
    await waitForSocketAuth(repliesBefore, LOGIN_WS_WAIT_MS);
    return userToJson(user);
  },

  async logout() {
    await CometChat.logout();
    // The instance has done its work: let later instances reuse what V8 compiled for it.
    codeCache.saveAfterRun();
    return null;
  },

  async initiateCall(p) {
    const call = new CometChat.Call(p.receiver, p.callType, p.receiverType);
    const hasTimeout = p.timeout !== undefined && p.timeout !== null;
    const out = hasTimeout ? await CometChat.initiateCall(call, p.timeout) : await CometChat.initiateCall(call);
    return callToJson(out);
  },

  async acceptCall(p) {
    return callToJson(await CometChat.acceptCall(p.sessionId));
  },

  async rejectCall(p) {
    return callToJson(await CometChat.rejectCall(p.sessionId, p.status));
  },

  async endCall(p) {
    return callToJson(await CometChat.endCall(p.sessionId));
  },

  async addCallListener(p) {
    CometChat.addCallListener(requireString(p, 'id'), makeCallListener(p.id));
    listenerIds.add(p.id);
    return null;
  },

  async removeCallListener(p) {
    CometChat.removeCallListener(requireString(p, 'id'));
    listenerIds.delete(p.id);
    return null;
  },

  async getActiveCall() {
    return callToJson(CometChat.getActiveCall());
  },

  async clearActiveCall() {
    clearActiveCall();
    return null;
  },

  /**
   * The Calls SDK's generateToken, done directly (that package is not installed):
   * POST {baseUrl}/v3.0/call_tokens, header authToken, body {"sessionId"}; reply {data:{token}}.
   */
  async generateToken(p) {
    const me = await CometChat.getLoggedinUser();
    if (!me) {
      const err = new Error('no user is logged in');
      err.code = 'USER_NOT_LOGED_IN';
      throw err;
    }
    const base = String(cfg.server.baseUrl).replace(/\/+$/, '');
    const resp = await globalThis.fetch(`${base}/v3.0/call_tokens`, {
      method: 'POST',
      headers: { 'content-Type': 'application/json', Accept: 'application/json', authToken: me.getAuthToken() },
      body: JSON.stringify({ sessionId: p.sessionId }),
    });
    let body;
    try {
      body = await resp.json();
    } catch (e) {
      throw Object.assign(new Error(`call_tokens reply is not JSON (HTTP ${resp.status})`), { code: 'FAILED_TO_FETCH' });
    }
    if (body && body.data && typeof body.data === 'object') {
      if (typeof body.data.token === 'string' && body.data.token) tokens.add(body.data.token);
      return { token: body.data.token ?? null };
    }
    if (body && body.error) throw body.error;
    throw Object.assign(new Error(`unexpected call_tokens reply (HTTP ${resp.status})`), { code: 'FAILED_TO_FETCH' });
  },

  /**
   * The Calls SDK's startSession with the spec's OngoingCallListener. There is no media here: the
   * session is this object, and sessionEvent plays the listener's callbacks.
   */
  async startSession(p) {
    const sessionId = requireString(p, 'sessionId');
    const token = p.token; // no token is the client's own refusal, like an unknown one
    if (typeof token !== 'string' || !tokens.has(token)) throw clientError('INVALID_CALL_TOKEN', `no call token ${token} was generated here`);
    callSession = { sessionId, token, active: true };
    return { sessionId };
  },

  /** The spec's handlers: onCallEnded → clearActiveCall, endSession; onCallEndButtonPressed → endCall, then both. */
  async sessionEvent(p) {
    const event = requireString(p, 'event');
    if (event !== 'callEnded' && event !== 'callEndButtonPressed') {
      throw new ProtocolError(400, 'BAD_REQUEST', 'params.event must be callEnded or callEndButtonPressed');
    }
    if (!callSession || !callSession.active) throw new ProtocolError(400, 'BAD_REQUEST', 'no call session is running');
    if (event === 'callEnded') {
      clearActiveCall();
      callSession.active = false;
      return null;
    }
    const call = await CometChat.endCall(callSession.sessionId); // a rejection leaves everything as it was
    clearActiveCall();
    callSession.active = false;
    return callToJson(call);
  },

  async getSession() {
    return callSession ? { sessionId: callSession.sessionId, active: callSession.active } : null;
  },

  async advanceTime(p) {
    if (!vclock) throw new ProtocolError(400, 'NOT_SUPPORTED', 'this instance runs on the real clock');
    const to = Number(p.to);
    if (!Number.isFinite(to)) throw new ProtocolError(400, 'BAD_REQUEST', 'params.to must be a number');
    const target = Math.round(to * 1000);
    if (target < vclock.clock.now) {
      throw new ProtocolError(400, 'BAD_REQUEST', `time would go backwards (${to} < ${vclock.clock.now / 1000})`);
    }
    await settle();
    for (;;) {
      const due = vclock.nextTimerMs();
      if (due === null || due > target) break;
      vclock.fireNext(); // the clock jumps to `due` and runs that one timer
      await settle(); // its REST calls, WS sends (ping -> pong) and callbacks finish first
    }
    vclock.moveTo(target);
    await settle();
    const next = vclock.nextTimerMs();
    const out = { now: vclock.clock.now / 1000, nextTimer: next === null ? null : next / 1000 };
    // What `sync` would answer now (optional in the protocol; the harness then needs no sync):
    // counted after the same settle, and only once there is a resource to report.
    const resource = currentResource();
    if (resource) Object.assign(out, { resource, framesReceived: io.framesReceived, callbacksSent: callbacks.seq });
    return out;
  },

  async sync() {
    await settle();
    return {
      resource: currentResource(),
      framesReceived: io.framesReceived,
      now: Date.now() / 1000,
      callbacksSent: callbacks.seq, // lets the harness see a lost last report too
    };
  },
};

/** The device id the SDK sends as `resource` (its session id), or null before it has one. */
function currentResource() {
  let resource = null;
  try {
    resource = CometChat.getSessionId() || null;
  } catch {
    /* not initialised */
  }
  return resource || io.lastResource || null;
}

/**
 * RINGSIDE_TEST_FAULT=<command>:exit|throw, for the adapter's own tests only: on that command the
 * instance ends its thread / process (exit code 70), or throws an error nothing catches, as a
 * crashing SDK would. The service must then fail that instance alone.
 */
const TEST_FAULT = (process.env.RINGSIDE_TEST_FAULT || '').split(':');

async function runCommand(command, params) {
  if (TEST_FAULT[0] === command) {
    if (TEST_FAULT[1] === 'exit') process.exit(70);
    if (TEST_FAULT[1] === 'throw') setImmediate(() => { throw new Error(`RINGSIDE_TEST_FAULT on ${command}`); });
  }
  const fn = Object.prototype.hasOwnProperty.call(commands, command) ? commands[command] : null;
  if (!fn) return { protocolError: { status: 400, code: 'UNKNOWN_COMMAND', message: `unknown command ${command}` } };
  let response;
  try {
    response = { ok: true, result: (await fn(params || {})) ?? null };
  } catch (e) {
    if (e instanceof ProtocolError) return { protocolError: { status: e.status, code: e.code, message: e.message } };
    response = { ok: false, error: errorToJson(e) };
  }
  if (!COUNTED_RESULTS.has(command)) {
    const counts = await countsIfQuiet();
    if (counts) response.counts = counts;
  }
  return { response };
}

/** Commands whose result carries what `sync` answers already (advanceTime once logged in). */
const COUNTED_RESULTS = new Set(['advanceTime', 'sync']);

/**
 * What `sync` would answer beside the clock, when the instance is quiet as the reply goes — quiet
 * for three event-loop turns, as settle() wants — or null (nothing is waited for: the harness then
 * sends a `sync`). Optional in the protocol: the reply's `counts` spare the harness that round trip.
 */
async function countsIfQuiet() {
  for (let turn = 0; turn < 3; turn += 1) {
    await nextTurn();
    if (busyReason()) return null;
  }
  const resource = currentResource();
  return resource ? { resource, framesReceived: io.framesReceived, callbacksSent: callbacks.seq } : null;
}

// ---------------------------------------------------------------------------------------------
// Serving another instance: recycle()

/** How long (real ms) recycle() waits for the logged-out instance's sockets, requests and callbacks to end. */
const RECYCLE_WAIT_MS = 2000;

/**
 * What this instance still holds that a fresh one would not, or null when it holds nothing: its
 * own bookkeeping and what the SDK shows through its public API. Read by recycle() and by the
 * service's `GET /instances/<n>/_isolation` (adapter tests).
 */
function leftovers({ timers = true } = {}) {
  const found = [];
  let active = null;
  try {
    active = CometChat.getActiveCall() || null;
  } catch {
    /* not initialised */
  }
  if (active) found.push(`active call ${tryGet(active, 'getSessionId', 'sessionId')}`);
  if (listenerIds.size) found.push(`call listeners ${[...listenerIds].join(', ')}`);
  if (io.sockets.size) found.push(`${io.sockets.size} WebSocket(s)`);
  const busy = busyReason();
  if (busy) found.push(`busy: ${busy}`);
  if (timers && vclock && vclock.clock.countTimers() > 0) found.push(`SDK timer(s): ${pendingTimers().join(' | ')}`);
  if (callSession) found.push('call session');
  return found.length ? found.join('; ') : null;
}

/** The SDK's timers pending on the fake clock, described. */
function pendingTimers() {
  if (!vclock || !(vclock.clock.timers instanceof Map)) return [];
  return [...vclock.clock.timers.values()].map((t) => `${t.interval ? 'interval' : 'timeout'} ${t.delay} ms: ${String(t.func).slice(0, 80)}`);
}

/** This isolate's state as an adapter test reads it (GET /instances/<n>/_isolation). */
async function isolationState() {
  let user = null;
  try {
    user = await CometChat.getLoggedinUser();
  } catch {
    /* not initialised */
  }
  const keys = (storage) => Array.from({ length: storage.length }, (_, i) => storage.key(i)).sort();
  return {
    isolate: THREAD ? `${process.pid}/${workerThreads.threadId}` : String(process.pid),
    generation,
    staleCallbacks,
    leftovers: leftovers(),
    loggedIn: user ? uidOf(user) : null,
    sockets: io.sockets.size,
    listeners: [...listenerIds],
    framesReceived: io.framesReceived,
    callbacksSent: callbacks.seq,
    storage: { local: keys(globalThis.localStorage), session: keys(globalThis.sessionStorage) },
    nextTimer: vclock ? vclock.nextTimerMs() : null,
    virtualClock: Boolean(vclock),
    realTimers: require('node:timers').setTimeout === realSetTimeout && globalThis.setTimeout === realSetTimeout && globalThis.Date === REAL_DATE,
  };
}

/**
 * After DELETE's logout: make this isolate serve the service's next instance as a fresh one would
 * (issue 13: an isolate's start-up is most of an instance's CPU). Only an instance on the virtual
 * clock, whose SDK timers all sit on the fake clock where they can be counted, is recycled:
 *
 * 1. not logged in (the logout went through);
 * 2. every call listener it registered removed (CometChat.removeCallListener), and the SDK's active
 *    call cleared (CometChat.clearActiveCall; an SDK without it keeps an instance with an active
 *    call from being recycled);
 * 3. then, within RECYCLE_WAIT_MS: no WebSocket left open (the logout closes it), no request,
 *    callback POST or frame in flight;
 * 4. the fake clock uninstalled (globals and node:timers back to Node's). SDK timers still pending on
 *    it are dropped unfired, as ending the isolate drops them: after a logout that is the 5 s
 *    telemetry timer each login starts (PostDetails) when the scenario ended sooner; they are named
 *    in the reply (the service's trace). The I/O counters, wire call messages, callback sequence,
 *    call tokens, session and both storages are emptied, and the fetch dispatcher is replaced (no
 *    kept-alive connection of this instance is used by the next).
 *
 * Resolves {reason: null, dropped} when recycled, else {reason} (the service then ends the isolate).
 */
async function recycle() {
  const reason = await makeFresh();
  return typeof reason === 'string' ? { reason } : { reason: null, dropped: reason };
}

/** recycle()'s work: the timers it dropped, or why the isolate cannot be recycled. */
async function makeFresh() {
  if (!vclock) return 'it ran on the real clock';
  let user = null;
  try {
    user = await CometChat.getLoggedinUser();
  } catch (e) {
    return `getLoggedinUser failed: ${e && e.message ? e.message : e}`;
  }
  if (user) return `still logged in as ${uidOf(user)}`;
  for (const id of listenerIds) CometChat.removeCallListener(id);
  listenerIds.clear();
  callSession = null;
  tokens.clear();
  if (CometChat.getActiveCall()) {
    // No clearActiveCall (4.0.0 … 4.0.7, 3.x): the active call would stay; refuse at once, not after the wait.
    if (typeof CometChat.clearActiveCall !== 'function') return 'an active call, and no CometChat.clearActiveCall()';
    CometChat.clearActiveCall();
  }
  // What only takes a moment to end (the logged-out socket's close, a last request or callback) is waited for.
  const deadline = performance.now() + RECYCLE_WAIT_MS;
  let left = leftovers({ timers: false });
  while (left && performance.now() < deadline) {
    await polyfill.ioEvent(2);
    left = leftovers({ timers: false });
  }
  if (left) return left;
  await settle(100);
  left = leftovers({ timers: false });
  if (left) return left;
  const dropped = pendingTimers();
  vclock.uninstall();
  vclock = null;
  generation += 1;
  Object.assign(io, { framesReceived: 0, framesDispatched: 0, authReplies: 0, lastResource: null });
  io.callMessages.clear();
  Object.assign(callbacks, { seq: 0, inFlight: 0, chain: Promise.resolve() });
  globalThis.localStorage.clear();
  globalThis.sessionStorage.clear();
  polyfill.freshConnections();
  cfg = {};
  configured = false;
  return dropped;
}

// ---------------------------------------------------------------------------------------------
// Start-up and messages

async function start() {
  const settings = new CometChat.AppSettingsBuilder()
    .setRegion(cfg.region || 'eu')
    .overrideClientHost(cfg.server.clientHost)
    .overrideAdminHost(cfg.server.adminHost || cfg.server.clientHost)
    .autoEstablishSocketConnection(true)
    .build();
  await CometChat.init(cfg.appId, settings);
}

/** Message channel to the service: the worker's parentPort, or the process' IPC channel. */
const channel = THREAD
  ? {
      send(msg) {
        try {
          workerThreads.parentPort.postMessage(msg);
        } catch {
          // Structured clone refuses what JSON (the process' IPC) drops, e.g. a function in an
          // error's details: send what a process would have sent.
          workerThreads.parentPort.postMessage(JSON.parse(JSON.stringify(msg)));
        }
      },
      onMessage: (fn) => workerThreads.parentPort.on('message', fn),
    }
  : { send: (msg) => process.send(msg), onMessage: (fn) => process.on('message', fn) };

/** CPU time (µs) used so far by this instance: its thread's (Linux /proc) or its process'. */
function cpuUsage() {
  if (!THREAD) return process.cpuUsage();
  try {
    // utime and stime, in clock ticks (USER_HZ, 100 on Linux), fields 14 and 15 of stat.
    const stat = fs.readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return { user: Number(fields[11]) * 10000, system: Number(fields[12]) * 10000 };
  } catch {
    return { user: 0, system: 0 };
  }
}

const warm = warmUp().catch((e) => log('warm-up failed', e && e.stack ? e.stack : e));
let configured = false;

/** Configure, init the SDK, and tell the parent. */
async function begin(config) {
  configured = true;
  await warm;
  configure(config);
  try {
    await start();
    channel.send({ type: 'ready', pid: process.pid });
  } catch (e) {
    channel.send({ type: 'initError', error: errorToJson(e) });
  }
}

channel.onMessage(async (msg) => {
  if (!msg) return;
  if (msg.type === 'config') {
    if (!configured) begin(msg.config);
    return;
  }
  if (msg.type === 'usage') {
    // RINGSIDE_ADAPTER_TRACE: this instance's CPU time so far (the service logs it before the end).
    channel.send({ type: 'usage', cpu: cpuUsage(), uptimeMs: performance.now(), heapMb: +(require('node:v8').getHeapStatistics().used_heap_size / 1048576).toFixed(1) });
    return;
  }
  if (msg.type === 'recycle') {
    let outcome;
    try {
      outcome = await recycle();
    } catch (e) {
      outcome = { reason: `recycle failed: ${e && e.stack ? e.stack : e}` };
    }
    channel.send({ type: 'recycled', ok: outcome.reason === null, ...outcome });
    return;
  }
  if (msg.type === 'isolation') {
    channel.send({ type: 'isolation', state: await isolationState() });
    return;
  }
  if (msg.type !== 'command') return;
  const out = await runCommand(msg.command, msg.params);
  if (out.protocolError) channel.send({ type: 'reply', id: msg.id, protocolError: out.protocolError });
  // The reply's JSON text, made here once: the service sends it as the HTTP body as it is (no
  // structured clone of the Call objects across threads, no second JSON.stringify there).
  else channel.send({ type: 'reply', id: msg.id, ok: out.response.ok, json: JSON.stringify(out.response) });
});

if (!THREAD) process.on('disconnect', () => process.exit(0));

if (!THREAD && process.env.RINGSIDE_INSTANCE_CONFIG) {
  begin(JSON.parse(process.env.RINGSIDE_INSTANCE_CONFIG));
} else {
  warm.then(() => channel.send({ type: 'warm', pid: process.pid }));
}

module.exports = { callToJson, errorToJson };
