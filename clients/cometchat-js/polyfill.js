'use strict';
/**
 * Browser globals for running the unmodified CometChat JS SDK under Node 20, plus the I/O
 * bookkeeping the ringside adapter needs (frames received, requests in flight).
 *
 * What the SDK touches and what stands in for it (see docs/wire.md §9):
 *   window, self          -> globalThis (plus no-op add/removeEventListener)
 *   localStorage,
 *   sessionStorage        -> in-memory Storage objects, fresh per process / worker (so no stale cached
 *                            app settings can redirect the SDK away from the mock)
 *   navigator, location,
 *   screen, matchMedia,
 *   document              -> small stubs with just the members the bundle calls
 *   WebSocket             -> `ws` WebSocket subclass that counts every text frame it receives and
 *                            tracks whether the auth reply / a pong is still awaited
 *   fetch                 -> Node's fetch with `referrer` dropped (undici rejects
 *                            "no-referrer" outside a browser) and an in-flight counter
 *   (server.tls === false)  -> https:// / wss:// rewritten to http:// / ws://
 *
 * TLS: nothing here relaxes verification. An instance *process* is started with
 * NODE_EXTRA_CA_CERTS=<server.caFile>, which both undici (fetch) and `ws` (node:https) honour. An
 * instance *thread* (worker_threads; that variable is process-wide and read once) is given its
 * trust by `setTrust()`: a TLS context holding exactly its CA file, passed to its own fetch
 * dispatcher and to every WebSocket it opens.
 *
 * Everything is installed by `install()`; the counters live in `io` (exported).
 */

const WS = require('ws');

/** Real-time clock reading, immune to the fake Date installed for virtual time. */
const { performance } = require('node:perf_hooks');

/**
 * How long (real ms) `sync` / `advanceTime` wait for the server's auth reply / a pong before
 * they stop waiting (the SDK's own 3 s pong timeout is virtual under virtual time).
 */
const AUTH_WAIT_MS = Number(process.env.RINGSIDE_AUTH_WAIT_MS || 5000);
const PONG_WAIT_MS = Number(process.env.RINGSIDE_PONG_WAIT_MS || 2000);

/** Shared I/O bookkeeping, read by instance.js for `sync` / `advanceTime`. */
const io = {
  framesReceived: 0, // text frames received on every socket this process opened
  framesDispatched: 0, // of those, how many have been handed to the SDK's handlers
  fetchesInFlight: 0, // requests started through the global fetch and not yet fully read
  lastResource: null, // last `resource` header the SDK sent (fallback for sync.resource)
  authReplies: 0, // WS auth replies received (accepted or refused)
  sockets: new Set(), // live RingsideWebSocket objects
  callMessages: new Map(), // "<sessionid>|<status>" -> the last call message seen on the wire
};

/** Node's own setTimeout, taken before the virtual clock can replace the global. */
const realSetTimeout = setTimeout;
const realClearTimeout = clearTimeout;
/** Who waits for the next I/O event (see ioEvent). */
const ioWaiters = new Set();

/** Something of the instance's I/O moved on: wake whoever waits in ioEvent(). */
function wake() {
  for (const resolve of ioWaiters) resolve();
  ioWaiters.clear();
}

/**
 * Resolves at the next I/O event — a frame dispatched, a socket opened or closed, a request or
 * callback POST done — or after `ms` real ms, whichever comes first: what polling waits for
 * instead of a fixed sleep.
 */
function ioEvent(ms) {
  return new Promise((resolve) => {
    const timer = realSetTimeout(() => {
      ioWaiters.delete(done);
      resolve();
    }, ms);
    const done = () => {
      realClearTimeout(timer);
      resolve();
    };
    ioWaiters.add(done);
  });
}

/** Keep at most this many wire call messages (oldest dropped first). */
const CALL_MESSAGES_KEPT = 2000;

/**
 * Remember a call message exactly as it came off the wire (REST reply `data` or WS frame
 * `body`), keyed by session id and status. The SDK's own `getRawMessage()` is not the wire
 * message: it is a JSON copy of the parsed Call (sender/receiver turned into User objects,
 * sessionId/status/receiverId/callInitiator added), so the adapter reports this one as `raw`.
 */
function recordCallMessage(msg) {
  if (!msg || typeof msg !== 'object' || msg.category !== 'call') return;
  const on = msg.data && msg.data.entities && msg.data.entities.on && msg.data.entities.on.entity;
  if (!on || !on.sessionid) return;
  const key = `${on.sessionid}|${on.status}`;
  io.callMessages.delete(key);
  io.callMessages.set(key, msg);
  if (io.callMessages.size > CALL_MESSAGES_KEPT) io.callMessages.delete(io.callMessages.keys().next().value);
}

/** The wire call message for (sessionId, status), or null. */
function wireCallMessage(sessionId, status) {
  return io.callMessages.get(`${sessionId}|${status}`) || null;
}

class MemoryStorage {
  constructor() {
    Object.defineProperty(this, '_m', { value: new Map(), enumerable: false });
  }
  get length() {
    return this._m.size;
  }
  key(i) {
    return Array.from(this._m.keys())[i] ?? null;
  }
  getItem(k) {
    k = String(k);
    return this._m.has(k) ? this._m.get(k) : null;
  }
  setItem(k, v) {
    this._m.set(String(k), String(v));
  }
  removeItem(k) {
    this._m.delete(String(k));
  }
  clear() {
    this._m.clear();
  }
}

function stubElement(tag) {
  return {
    tagName: String(tag || '').toUpperCase(),
    style: {},
    setAttribute() {},
    getAttribute() {
      return null;
    },
    appendChild(c) {
      return c;
    },
    removeChild(c) {
      return c;
    },
    addEventListener() {},
    removeEventListener() {},
  };
}

function parseJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * `ws` WebSocket with browser-style construction (`new WebSocket(url)`) and bookkeeping.
 *
 * Counting happens in `emit('message')`: the frame is counted as received before the SDK's
 * handlers run and as dispatched after they returned (ws emits synchronously), so
 * `framesReceived === framesDispatched` whenever no handler is on the stack.
 */
class RingsideWebSocket extends WS.WebSocket {
  /** Rewrite wss:// to ws:// (set by install / setDowngradeTls). */
  static downgradeTls = false;

  /** The instance's own TLS context (set by setTrust, thread mode), or null for Node's default. */
  static secureContext = null;

  constructor(url, protocols, options) {
    if (RingsideWebSocket.downgradeTls && typeof url === 'string') url = url.replace(/^wss:/i, 'ws:');
    const ctx = RingsideWebSocket.secureContext;
    if (ctx) {
      // `new WebSocket(url, options)` is also valid for ws; keep the caller's options either way.
      if (protocols && typeof protocols === 'object' && !Array.isArray(protocols)) protocols = { secureContext: ctx, ...protocols };
      else options = { secureContext: ctx, ...(options || {}) };
    }
    super(url, protocols, options);
    this._rs = { openedAt: performance.now(), authPending: false, authSentAt: 0, pongPending: false, pingSentAt: 0 };
    io.sockets.add(this);
    this.on('open', wake);
    this.on('close', () => {
      io.sockets.delete(this);
      wake();
    });
    this.on('error', () => {}); // the SDK listens through onerror; never let ws throw unhandled
    // The SDK adds one 'message' listener per ping (listenForPong) and never removes it.
    this.setMaxListeners(0);
  }

  send(data, ...rest) {
    if (typeof data === 'string') {
      const msg = parseJson(data);
      if (msg && msg.type === 'auth') {
        this._rs.authPending = true;
        this._rs.authSentAt = performance.now();
      } else if (msg && msg.action === 'ping') {
        this._rs.pongPending = true;
        this._rs.pingSentAt = performance.now();
      }
    }
    return super.send(data, ...rest);
  }

  emit(event, ...args) {
    if (event !== 'message' || args[1] /* isBinary */) return super.emit(event, ...args);
    io.framesReceived += 1;
    const msg = parseJson(String(args[0]));
    if (msg && msg.type === 'auth') {
      this._rs.authPending = false;
      io.authReplies += 1;
    }
    if (msg && msg.action === 'pong') this._rs.pongPending = false;
    if (msg && msg.type === 'message') recordCallMessage(msg.body);
    try {
      return super.emit(event, ...args);
    } finally {
      io.framesDispatched += 1;
      wake();
    }
  }

  /** Open, and the server has answered its auth frame. */
  get authAnswered() {
    return this.readyState === WS.WebSocket.OPEN && this._rs.authSentAt > 0 && !this._rs.authPending;
  }

  /** Why this socket still has I/O the instance should wait for, or null. */
  pendingReason(now) {
    const rs = this._rs;
    if (this.readyState === WS.WebSocket.CONNECTING && now - rs.openedAt < AUTH_WAIT_MS) return 'ws-connecting';
    if (this.readyState !== WS.WebSocket.OPEN) return null;
    if (rs.authPending && now - rs.authSentAt < AUTH_WAIT_MS) return 'ws-auth-reply';
    if (rs.pongPending && now - rs.pingSentAt < PONG_WAIT_MS) return 'ws-pong';
    return null;
  }
}

/**
 * One event-loop turn, after a response's body was read: undici hands the connection back to its
 * pool only then, so a request the caller makes at once (the SDK's PUT /me right after its auth
 * token, the next callback POST) goes over the same kept-alive connection instead of opening
 * (and TLS-handshaking) another one.
 */
function connectionReleased() {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Wrap a fetch implementation: drop `referrer`, count the request as in flight until its body
 * has been read completely (the SDK then parses it from memory), remember `resource`.
 */
function makeTrackedFetch(realFetch, options = {}) {
  const downgradeTls = () => (options.downgradeTls === undefined ? RingsideWebSocket.downgradeTls : options.downgradeTls);
  return async function fetch(input, init) {
    if (downgradeTls() && typeof input === 'string') input = input.replace(/^https:/i, 'http:');
    const opts = init ? { ...init } : {};
    delete opts.referrer;
    const headers = opts.headers;
    if (headers && typeof headers === 'object') {
      const res = typeof headers.get === 'function' ? headers.get('resource') : headers.resource;
      if (res) io.lastResource = res;
    }
    io.fetchesInFlight += 1;
    try {
      const resp = await realFetch(input, opts);
      const body = await resp.arrayBuffer();
      await connectionReleased();
      const parsed = parseJson(Buffer.from(body).toString('utf8'));
      if (parsed && parsed.data) recordCallMessage(parsed.data);
      return new Response(resp.status === 204 || resp.status === 304 ? null : body, {
        status: resp.status,
        statusText: resp.statusText,
        headers: resp.headers,
      });
    } finally {
      io.fetchesInFlight -= 1;
      wake();
    }
  };
}

/**
 * `downgradeTls`: for a mock served without TLS, rewrite the SDK's hard-coded https:// and
 * wss:// to http:// and ws:// (the SDK itself has no option for that). Read at each request /
 * socket, so a pooled process can install the globals before it knows its server.
 */
function setDowngradeTls(downgradeTls) {
  RingsideWebSocket.downgradeTls = Boolean(downgradeTls);
}

/** The key under which Node's fetch (undici) keeps its global dispatcher, one per isolate. */
const UNDICI_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

/**
 * Trust exactly the CA certificate(s) in `caPem` for every TLS connection this isolate's fetch and
 * WebSockets make (thread mode, where NODE_EXTRA_CA_CERTS cannot differ between instances). Node
 * 20 does not export undici's Agent, so the class is taken from the global dispatcher the first
 * fetch() created (a warm-up fetch must have run); a new Agent of that class, whose connections
 * use this context, replaces it. ws passes `secureContext` on to tls.connect. Returns the context.
 * Throws when there is no dispatcher to replace: an instance never runs with trust it was not given.
 */
function setTrust(caPem) {
  const tls = require('node:tls');
  const secureContext = tls.createSecureContext({ ca: caPem });
  const current = globalThis[UNDICI_DISPATCHER];
  if (!current || typeof current.constructor !== 'function') {
    throw new Error('no fetch dispatcher to give the CA to (run a fetch first)');
  }
  const Agent = current.constructor;
  globalThis[UNDICI_DISPATCHER] = new Agent({ connect: { secureContext } });
  if (typeof current.close === 'function') current.close().catch(() => {});
  RingsideWebSocket.secureContext = secureContext;
  return secureContext;
}

/**
 * A new fetch dispatcher in place of the current one (same class, same TLS trust), the old one
 * closed: a recycled isolate's next instance opens its own connections, as a fresh isolate would,
 * instead of reusing ones kept alive for the previous instance.
 */
function freshConnections() {
  const current = globalThis[UNDICI_DISPATCHER];
  if (!current || typeof current.constructor !== 'function') return;
  const Agent = current.constructor;
  const ctx = RingsideWebSocket.secureContext;
  globalThis[UNDICI_DISPATCHER] = ctx ? new Agent({ connect: { secureContext: ctx } }) : new Agent();
  if (typeof current.destroy === 'function') current.destroy().catch(() => {});
}

/**
 * Install the browser globals. Idempotent. Returns the un-wrapped Node fetch.
 * Nothing here depends on the instance's configuration except `downgradeTls` (see setDowngradeTls).
 */
function install({ userAgent = 'ringside-cometchat-js/0.1 (Node.js; Linux)', downgradeTls = false } = {}) {
  setDowngradeTls(downgradeTls);
  if (globalThis.__ringsidePolyfill) return globalThis.__ringsidePolyfill.realFetch;
  const realFetch = globalThis.fetch.bind(globalThis);
  const g = globalThis;
  g.window = g;
  g.self = g;
  g.addEventListener = g.addEventListener || function addEventListener() {};
  g.removeEventListener = g.removeEventListener || function removeEventListener() {};
  g.localStorage = new MemoryStorage();
  g.sessionStorage = new MemoryStorage();
  Object.defineProperty(g, 'navigator', {
    value: { userAgent, platform: 'Linux x86_64', language: 'en-US', languages: ['en-US'], onLine: true },
    configurable: true,
    writable: true,
  });
  g.location = {
    href: 'https://localhost/',
    origin: 'https://localhost',
    protocol: 'https:',
    host: 'localhost',
    hostname: 'localhost',
    port: '',
    pathname: '/',
    search: '',
    hash: '',
  };
  g.screen = { width: 1920, height: 1080, availWidth: 1920, availHeight: 1080, orientation: { type: 'landscape-primary' } };
  g.matchMedia = (query) => ({
    matches: false,
    media: String(query),
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
  });
  const documentElement = stubElement('html');
  g.document = {
    hasFocus: () => true,
    querySelector: () => null,
    querySelectorAll: () => [],
    getElementById: () => null,
    getElementsByName: () => [],
    getElementsByTagName: () => [],
    createElement: stubElement,
    createTextNode: (t) => ({ data: String(t) }),
    documentElement,
    body: stubElement('body'),
    head: stubElement('head'),
    addEventListener() {},
    removeEventListener() {},
    visibilityState: 'visible',
    hidden: false,
  };
  g.WebSocket = RingsideWebSocket;
  g.fetch = makeTrackedFetch(realFetch);
  g.__ringsidePolyfill = { realFetch };
  return realFetch;
}

module.exports = { install, setDowngradeTls, setTrust, freshConnections, connectionReleased, ioEvent, wake, io, wireCallMessage, RingsideWebSocket, MemoryStorage, makeTrackedFetch };
