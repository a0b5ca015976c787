'use strict';
/**
 * Smoke check of the test service against a running mock server (no harness involved).
 *
 *   node smoke.js --mock https://127.0.0.1:PORT --ca CA.pem --api-key KEY --control-token TOKEN
 *                 [--app-id ringside] [--service http://127.0.0.1:PORT] [--only name,name] [--slow]
 *                 [--record FILE]
 *
 * TOKEN is the control token `ringside serve` printed (and wrote beside the CA); without the flag,
 * $RINGSIDE_CONTROL_TOKEN.
 *
 * Without --service it starts `node service.js --port 0` itself. It runs a local HTTP sink for
 * the callbacks, drives alice and bob through the ringing flows of the wire spec §4 and checks
 * the callbacks, results and errors. --slow adds the real-clock 3 s ring-timeout flow.
 * Prints one line per check and a closing "N passed, N failed" line; exits 1 on any failure.
 * --record FILE appends every reply and callback body as JSON Lines
 * ({"kind": "reply"|"callback"|"create"|"describe", "command"?, "status", "body"}) so they can be
 * checked against mockserver/schemas/adapter/ from Python.
 */

const http = require('node:http');
const path = require('node:path');
const { spawn } = require('node:child_process');
const assert = require('node:assert/strict');

function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i += 1) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]);
    if (!m) continue;
    if (m[2] !== undefined) out[m[1]] = m[2];
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) out[m[1]] = argv[++i];
    else out[m[1]] = true;
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const CONTROL_TOKEN = args['control-token'] || process.env.RINGSIDE_CONTROL_TOKEN;
if (!args.mock || !args['api-key'] || !CONTROL_TOKEN) {
  process.stderr.write(
    'usage: node smoke.js --mock https://127.0.0.1:PORT --ca CA.pem --api-key KEY --control-token TOKEN\n',
  );
  process.exit(2);
}
if (args.ca && process.env.NODE_EXTRA_CA_CERTS !== args.ca) {
  // The control API calls below need to trust the mock's CA too; that is only read at start-up.
  const r = require('node:child_process').spawnSync(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: args.ca },
  });
  process.exit(r.status === null ? 1 : r.status);
}
const MOCK = new URL(args.mock);
const HOST = MOCK.host;
const TLS = MOCK.protocol === 'https:';
const APP_ID = args['app-id'] || 'ringside';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const record = (entry) => {
  if (args.record) require('node:fs').appendFileSync(args.record, `${JSON.stringify(entry)}\n`);
};

// ---- callback sink ---------------------------------------------------------------------------
const received = new Map(); // tag -> [payload]
const sink = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const tag = req.url.split('/').pop();
    if (!received.has(tag)) received.set(tag, []);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    received.get(tag).push(body);
    record({ kind: 'callback', status: 200, body });
    res.writeHead(204).end();
  });
});

// ---- service ---------------------------------------------------------------------------------
async function startService() {
  if (args.service) return { url: args.service, proc: null };
  const proc = spawn(process.execPath, [path.join(__dirname, 'service.js'), '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((resolve, reject) => {
    let buf = '';
    proc.stdout.on('data', (d) => {
      buf += d;
      const m = /ringside-adapter: listening on (http:\/\/\S+)/.exec(buf);
      if (m) resolve(m[1]);
    });
    proc.on('exit', (c) => reject(new Error(`service exited ${c}`)));
  });
  return { url, proc };
}

async function http$(method, url, body, extraHeaders = {}) {
  const resp = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...extraHeaders },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await resp.text();
  return { status: resp.status, headers: resp.headers, body: text ? JSON.parse(text) : null };
}

let SERVICE;
let tagCounter = 0;

class Client {
  static async create(uid, { clock = { mode: 'real' }, prefix = uid, authToken = null } = {}) {
    tagCounter += 1;
    const tag = `${prefix}-${tagCounter}`;
    const sinkPort = sink.address().port;
    const r = await http$('POST', `${SERVICE}/`, {
      tag,
      appId: APP_ID,
      region: 'eu',
      server: {
        clientHost: HOST,
        adminHost: HOST,
        baseUrl: `${MOCK.protocol}//${HOST}`,
        wsUrl: `${TLS ? 'wss' : 'ws'}://${HOST}/`,
        tls: TLS,
        caFile: args.ca || null,
      },
      user: { uid, authKey: authToken ? null : args['api-key'], authToken },
      callbackUrl: `http://127.0.0.1:${sinkPort}/cb/${tag}`,
      clock,
    });
    record({ kind: 'create', status: r.status, body: r.body });
    assert.equal(r.status, 201, `create ${uid}: ${JSON.stringify(r.body)}`);
    assert.equal(r.headers.get('location'), r.body.url);
    const c = new Client(uid, tag, new URL(r.body.url, SERVICE).href);
    return c;
  }

  constructor(uid, tag, url) {
    Object.assign(this, { uid, tag, url });
  }

  async raw(command, params) {
    const r = await http$('POST', this.url, { command, params });
    record({ kind: 'reply', command, status: r.status, body: r.body });
    return r;
  }

  async cmd(command, params) {
    const r = await this.raw(command, params);
    assert.equal(r.status, 200, `${this.uid} ${command}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    assert.equal(r.body.ok, true, `${this.uid} ${command}: ${JSON.stringify(r.body.error)}`);
    return r.body.result;
  }

  async fails(command, params) {
    const r = await this.raw(command, params);
    assert.equal(r.status, 200, `${this.uid} ${command}: HTTP ${r.status}`);
    assert.equal(r.body.ok, false, `${this.uid} ${command} should fail, got ${JSON.stringify(r.body)}`);
    return r.body.error;
  }

  callbacks() {
    return received.get(this.tag) || [];
  }

  /** Wait (real time) until this client has received `n` callbacks; return them. */
  async waitCallbacks(n, ms = 8000) {
    const end = Date.now() + ms;
    while (this.callbacks().length < n && Date.now() < end) await sleep(10);
    return this.callbacks();
  }

  async close() {
    const r = await http$('DELETE', this.url);
    assert.equal(r.status, 204);
  }
}

async function pair(opts = {}) {
  const alice = await Client.create('alice', opts);
  const bob = await Client.create('bob', opts);
  for (const c of [alice, bob]) {
    const me = await c.cmd('login');
    assert.equal(me.uid, c.uid);
    assert.ok(me.authToken, 'login returns an authToken');
    assert.equal(await c.cmd('addCallListener', { id: 'l1' }), null);
  }
  return { alice, bob };
}

/** The mock server's control API (docs/control-api.md): returns `data`. */
async function control(method, p, body) {
  const r = await http$(method, `${MOCK.origin}/_ringside${p}`, body, { authorization: `Bearer ${CONTROL_TOKEN}` });
  assert.ok(r.body && 'data' in r.body, `control ${method} ${p}: ${JSON.stringify(r.body)}`);
  return r.body.data;
}

/**
 * The harness' sync loop: `sync` each client until it has received as many frames as the mock
 * says it sent to that device (the frame may still be on its way when `sync` first answers).
 */
async function syncAll(...clients) {
  for (const c of clients) {
    for (let i = 0; ; i += 1) {
      const s = await c.cmd('sync');
      const d = (await control('GET', '/devices')).find((x) => x.resource === s.resource);
      if (!d || d.framesSent === s.framesReceived) break;
      assert.ok(i < 200, `${c.tag}: ${s.framesReceived} frames received, mock sent ${d.framesSent}`);
      await sleep(5);
    }
  }
}

const names = (cbs) => cbs.map((c) => `${c.callback}:${c.call.status}`);

function checkRaw(call) {
  if (call.raw === null || call.raw === undefined) return;
  assert.equal(typeof call.raw.sender, 'string', 'raw.sender is the uid string of the wire message');
  assert.equal(call.raw.data.entities.on.entity.sessionid, call.sessionId);
  assert.equal(call.raw.data.entities.on.entity.status, call.status);
}

// ---- flows -----------------------------------------------------------------------------------
const flows = {
  async describe() {
    const r = await http$('GET', `${SERVICE}/`);
    record({ kind: 'describe', status: r.status, body: r.body });
    assert.equal(r.body.protocolVersion, 1);
    for (const cap of ['virtual-time', 'listeners', 'active-call', 'generate-token']) {
      assert.ok(r.body.capabilities.includes(cap), cap);
    }
    const bad = await http$('POST', `${SERVICE}/instances/999`, { command: 'sync' });
    assert.equal(bad.status, 404);
    assert.equal(bad.body.error.code, 'UNKNOWN_INSTANCE');
  },

  async acceptThenCallerEnds() {
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    assert.equal(call.status, 'initiated');
    assert.equal(call.initiator, 'alice');
    assert.equal(call.receiverId, 'bob');
    checkRaw(call);
    const [inc] = await bob.waitCallbacks(1);
    assert.equal(inc.callback, 'onIncomingCallReceived');
    assert.equal(inc.listenerId, 'l1');
    assert.equal(inc.seq, 1);
    assert.equal(inc.call.sessionId, call.sessionId);
    checkRaw(inc.call);
    const active = await alice.cmd('getActiveCall');
    assert.equal(active.sessionId, call.sessionId);
    const acc = await bob.cmd('acceptCall', { sessionId: call.sessionId });
    assert.equal(acc.status, 'ongoing');
    await alice.waitCallbacks(1);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing']);
    const ended = await alice.cmd('endCall', { sessionId: call.sessionId });
    assert.equal(ended.status, 'ended');
    await bob.waitCallbacks(2);
    await syncAll(alice, bob);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated', 'onCallEndedMessageReceived:ended']);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing']);
    assert.equal(await alice.cmd('getActiveCall'), null);
    await alice.close();
    await bob.close();
  },

  async acceptThenCalleeEnds() {
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'video' });
    await bob.waitCallbacks(1);
    await bob.cmd('acceptCall', { sessionId: call.sessionId });
    await alice.waitCallbacks(1);
    const ended = await bob.cmd('endCall', { sessionId: call.sessionId });
    assert.equal(ended.status, 'ended');
    await alice.waitCallbacks(2);
    await syncAll(alice, bob);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing', 'onCallEndedMessageReceived:ended']);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated']);
    await alice.close();
    await bob.close();
  },

  async reject() {
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    await bob.waitCallbacks(1);
    const r = await bob.cmd('rejectCall', { sessionId: call.sessionId, status: 'rejected' });
    assert.equal(r.status, 'rejected');
    await alice.waitCallbacks(1);
    await syncAll(alice, bob);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallRejected:rejected']);
    assert.equal(await alice.cmd('getActiveCall'), null);
    await alice.close();
    await bob.close();
  },

  async busy() {
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    await bob.waitCallbacks(1);
    await bob.cmd('rejectCall', { sessionId: call.sessionId, status: 'busy' });
    await alice.waitCallbacks(1);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallRejected:busy']);
    await alice.close();
    await bob.close();
  },

  async cancel() {
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    await bob.waitCallbacks(1);
    const r = await alice.cmd('rejectCall', { sessionId: call.sessionId, status: 'cancelled' });
    assert.equal(r.status, 'cancelled');
    await bob.waitCallbacks(2);
    await syncAll(alice, bob);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated', 'onIncomingCallCancelled:cancelled']);
    assert.deepEqual(names(alice.callbacks()), []);
    assert.equal(await alice.cmd('getActiveCall'), null);
    await alice.close();
    await bob.close();
  },

  async errors() {
    const { alice, bob } = await pair();
    const e1 = await bob.fails('acceptCall', { sessionId: 'v1.nope.nope' });
    assert.ok(e1.code && e1.message !== undefined, JSON.stringify(e1));
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    const e2 = await alice.fails('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    assert.equal(e2.code, 'CALL_ALREADY_INITIATED');
    const tok = await alice.cmd('generateToken', { sessionId: call.sessionId });
    assert.equal(typeof tok.token, 'string');
    await alice.cmd('clearActiveCall');
    assert.equal(await alice.cmd('getActiveCall'), null);
    const unknown = await alice.raw('frobnicate', {});
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, 'UNKNOWN_COMMAND');
    const s = await alice.cmd('sync');
    assert.match(s.resource, /^WEB-4_2_0-/);
    assert.ok(s.framesReceived >= 1);
    await alice.close();
    await bob.close();
  },

  async listeners() {
    const { alice, bob } = await pair();
    await bob.cmd('addCallListener', { id: 'l2' });
    await bob.cmd('addCallListener', { id: 'l1' }); // replace: l1 now runs after l2
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    await bob.waitCallbacks(2);
    await bob.cmd('removeCallListener', { id: 'l2' });
    await alice.cmd('rejectCall', { sessionId: call.sessionId, status: 'cancelled' });
    await bob.waitCallbacks(3);
    await syncAll(alice, bob);
    const got = bob.callbacks().map((c) => `${c.seq}:${c.listenerId}:${c.callback}`);
    assert.deepEqual(got, ['1:l2:onIncomingCallReceived', '2:l1:onIncomingCallReceived', '3:l1:onIncomingCallCancelled']);
    await alice.close();
    await bob.close();
  },

  async virtualTimeout45() {
    const start = Math.floor(Date.now() / 1000) + 0.25;
    const clock = { mode: 'virtual', now: start };
    const { alice, bob } = await pair({ clock });
    const t0 = Date.now();
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    await syncAll(alice, bob);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated']);
    const s = await alice.cmd('sync');
    assert.equal(s.now, start, 'virtual clock stands still');
    const a1 = await alice.cmd('advanceTime', { to: start + 44.9 });
    assert.equal(a1.now, start + 44.9);
    assert.deepEqual(names(alice.callbacks()), [], 'no ring timeout before 45 s');
    const a2 = await alice.cmd('advanceTime', { to: start + 45 });
    assert.equal(a2.now, start + 45);
    assert.ok(a2.nextTimer === null || a2.nextTimer > start + 45, `nextTimer ${a2.nextTimer}`);
    await bob.cmd('sync');
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallRejected:unanswered']);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated', 'onIncomingCallCancelled:unanswered']);
    assert.equal(alice.callbacks()[0].call.sessionId, call.sessionId);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms of real time`);
    // pings every 15 s and the 3 s pong wait must not disconnect the client over a long jump
    await alice.cmd('advanceTime', { to: start + 200 });
    const c2 = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio', timeout: 2.7 });
    const a3 = await alice.cmd('advanceTime', { to: start + 202 });
    await bob.cmd('sync');
    assert.deepEqual(names(alice.callbacks()).slice(1), ['onOutgoingCallRejected:unanswered']);
    assert.equal(alice.callbacks()[1].call.sessionId, c2.sessionId);
    assert.equal(a3.now, start + 202);
    await alice.close();
    await bob.close();
  },

  async virtualAcceptClearsRingTimer() {
    const start = Math.floor(Date.now() / 1000) + 0.5;
    const { alice, bob } = await pair({ clock: { mode: 'virtual', now: start } });
    const call = await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio', timeout: 10 });
    await syncAll(alice, bob);
    await bob.cmd('acceptCall', { sessionId: call.sessionId });
    await syncAll(alice, bob);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing']);
    const a = await alice.cmd('advanceTime', { to: start + 60 });
    await syncAll(alice, bob);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing'], 'ring timer was cleared');
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated']);
    // only the 15 s WS ping interval is left: the pong arrived, so its 3 s wait was cleared
    assert.equal(a.nextTimer, start + 75, `nextTimer ${a.nextTimer}`);
    await alice.cmd('endCall', { sessionId: call.sessionId });
    await syncAll(alice, bob);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated', 'onCallEndedMessageReceived:ended']);
    await alice.close();
    await bob.close();
  },

  async tokenLoginAndMultiDevice() {
    const { authToken } = await control('POST', '/users/alice/tokens');
    const alice1 = await Client.create('alice', { prefix: 'alice-phone', authToken });
    const alice2 = await Client.create('alice', { prefix: 'alice-laptop' });
    const bob = await Client.create('bob');
    const me = await alice1.cmd('login');
    assert.equal(me.authToken, authToken, 'login(authToken) keeps the token');
    await alice2.cmd('login');
    await bob.cmd('login');
    for (const c of [alice1, alice2, bob]) await c.cmd('addCallListener', { id: 'l1' });
    const s1 = await alice1.cmd('sync');
    const s2 = await alice2.cmd('sync');
    assert.notEqual(s1.resource, s2.resource, 'two devices, two resources');
    const call = await bob.cmd('initiateCall', { receiver: 'alice', receiverType: 'user', callType: 'audio' });
    await syncAll(alice1, alice2, bob);
    assert.deepEqual(names(alice1.callbacks()), ['onIncomingCallReceived:initiated']);
    assert.deepEqual(names(alice2.callbacks()), ['onIncomingCallReceived:initiated']);
    await alice1.cmd('acceptCall', { sessionId: call.sessionId });
    await syncAll(alice1, alice2, bob);
    assert.deepEqual(names(bob.callbacks()), ['onOutgoingCallAccepted:ongoing']);
    // the SDK dispatches `ongoing` on a user call without an initiator check (wire spec §4)
    assert.deepEqual(names(alice2.callbacks()), ['onIncomingCallReceived:initiated', 'onOutgoingCallAccepted:ongoing']);
    const devices = await control('GET', '/devices');
    for (const c of [alice1, alice2, bob]) {
      const s = await c.cmd('sync');
      const d = devices.find((x) => x.resource === s.resource);
      assert.ok(d, `mock knows device ${s.resource}`);
      assert.equal(s.framesReceived, d.framesSent, `${c.tag}: frames received == frames the mock sent`);
    }
    await bob.cmd('endCall', { sessionId: call.sessionId });
    for (const c of [alice1, alice2, bob]) await c.close();
  },

  async groupCall() {
    const guid = `smoke-${process.pid}-${tagCounter}`;
    await control('POST', '/groups', { guid, name: 'Smoke', members: ['alice', 'bob'] });
    const { alice, bob } = await pair();
    const call = await alice.cmd('initiateCall', { receiver: guid, receiverType: 'group', callType: 'video' });
    assert.equal(call.receiverType, 'group');
    assert.equal(call.receiverId, guid);
    await syncAll(alice, bob);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated']);
    assert.equal(bob.callbacks()[0].call.receiverId, guid);
    await bob.cmd('acceptCall', { sessionId: call.sessionId });
    await syncAll(alice, bob);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallAccepted:ongoing']);
    await alice.cmd('endCall', { sessionId: call.sessionId });
    await alice.close();
    await bob.close();
  },

  async protocolErrors() {
    const alice = await Client.create('alice');
    const r1 = await alice.raw('advanceTime', { to: 1 });
    assert.equal(r1.status, 400);
    assert.equal(r1.body.error.code, 'NOT_SUPPORTED');
    const r2 = await http$('POST', `${SERVICE}/`, { appId: 'x' });
    assert.equal(r2.status, 400);
    assert.equal(r2.body.error.code, 'BAD_REQUEST');
    const r3 = await fetch(alice.url, { method: 'POST', body: '{not json' });
    assert.equal(r3.status, 400);
    const e = await alice.fails('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio' });
    assert.equal(e.code, 'USER_NOT_LOGED_IN', 'no token: the SDK rejects locally');
    await alice.close();
    const r4 = await alice.raw('sync', {});
    assert.equal(r4.status, 404);
  },

  async realTimeout3s() {
    const { alice, bob } = await pair();
    const t0 = Date.now();
    await alice.cmd('initiateCall', { receiver: 'bob', receiverType: 'user', callType: 'audio', timeout: 3 });
    await alice.waitCallbacks(1, 6000);
    const dt = Date.now() - t0;
    await bob.waitCallbacks(2);
    assert.deepEqual(names(alice.callbacks()), ['onOutgoingCallRejected:unanswered']);
    assert.deepEqual(names(bob.callbacks()), ['onIncomingCallReceived:initiated', 'onIncomingCallCancelled:unanswered']);
    assert.ok(dt >= 2900 && dt < 4500, `unanswered after ${dt} ms`);
    await alice.close();
    await bob.close();
  },
};

async function main() {
  await new Promise((r) => sink.listen(0, '127.0.0.1', r));
  const svc = await startService();
  SERVICE = svc.url;
  let selected = Object.keys(flows).filter((n) => n !== 'realTimeout3s' || args.slow);
  if (args.only) selected = String(args.only).split(',');
  let passed = 0;
  let failed = 0;
  for (const name of selected) {
    const t = Date.now();
    try {
      await flows[name]();
      passed += 1;
      console.log(`ok   ${name} (${Date.now() - t} ms)`);
    } catch (e) {
      failed += 1;
      console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    }
  }
  if (svc.proc) {
    await http$('DELETE', `${SERVICE}/`).catch(() => {});
  }
  sink.close();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
