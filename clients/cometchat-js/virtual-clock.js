'use strict';
/**
 * Virtual time for one instance process: @sinonjs/fake-timers, installed when the instance's
 * configuration arrives (before CometChat.init; the SDK bundle, already loaded, looks the timer
 * functions and Date up when it calls them), owning setTimeout / setInterval / clearTimeout /
 * clearInterval / Date.
 *
 * Only the SDK's timers go to the fake clock. The global setTimeout & co. are replaced by
 * dispatchers that look at the function that called them: a call made directly from the SDK
 * bundle (its ring timer, the 15 s WS ping, the 3 s pong wait, the 5 s telemetry timer, the
 * 5 s WS reconnect) gets a fake timer; any other caller (undici inside fetch, `ws`, our own
 * code) gets a real Node timer. Without this, transport-internal timers (undici's 500 ms
 * "fast timer", ws' close timeout) would sit on the fake clock, never fire while time stands
 * still, and show up as the instance's `nextTimer`.
 *
 * Date is faked for everyone (the SDK reads `new Date().getTime()` for timestamps and ids);
 * setImmediate, process.nextTick and queueMicrotask are NOT faked, so real I/O keeps flowing
 * while virtual time stands still.
 */

const path = require('node:path');
const FakeTimers = require('@sinonjs/fake-timers');

/** Directory of the SDK package (the one in use, see sdk.js); a timer whose direct caller lives here is virtual. */
const SDK_DIR = require('./sdk').describe().dir + path.sep;

/** File name of the function that called `fn` (the frame right above it), or null. */
function callerFileOf(fn) {
  const prevPrepare = Error.prepareStackTrace;
  const prevLimit = Error.stackTraceLimit;
  try {
    Error.stackTraceLimit = 1;
    Error.prepareStackTrace = (_err, callsites) => callsites;
    const holder = {};
    Error.captureStackTrace(holder, fn);
    const site = holder.stack && holder.stack[0];
    return site ? site.getFileName() : null;
  } finally {
    Error.prepareStackTrace = prevPrepare;
    Error.stackTraceLimit = prevLimit;
  }
}

/**
 * Install the clock. `nowMs` is the starting epoch time in milliseconds.
 * Returns {clock, real, nextTimerMs(), advanceOne(), moveTo(ms)}.
 */
function installVirtualClock(nowMs, { isVirtualCaller } = {}) {
  const real = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };
  const clock = FakeTimers.install({
    now: nowMs,
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'],
    shouldAdvanceTime: false,
    loopLimit: 100000,
  });
  const fake = {
    setTimeout: globalThis.setTimeout,
    clearTimeout: globalThis.clearTimeout,
    setInterval: globalThis.setInterval,
    clearInterval: globalThis.clearInterval,
  };
  const virtualCaller =
    isVirtualCaller || ((file) => typeof file === 'string' && file.startsWith(SDK_DIR));

  /**
   * Whether `h` is a pending fake timer. fake-timers hands out objects whose primitive value
   * (Symbol.toPrimitive) is the timer id, starting at 1e12; a native Node Timeout converts to
   * its async id, far below that.
   */
  const isFakeHandle = (h) => {
    if (h === null || h === undefined) return false;
    const id = Number(h);
    return Number.isFinite(id) && clock.timers instanceof Map && clock.timers.has(id);
  };

  const debug = process.env.RINGSIDE_DEBUG_TIMERS ? (...a) => process.stderr.write(`[vclock ${clock.now}] ${a.join(' ')}\n`) : null;
  function setTimeout(fn, ms, ...args) {
    if (!virtualCaller(callerFileOf(setTimeout))) return real.setTimeout(fn, ms, ...args);
    const h = fake.setTimeout(fn, ms, ...args);
    if (debug) debug('setTimeout', ms, '->', Number(h), String(fn).slice(0, 60));
    return h;
  }
  function setInterval(fn, ms, ...args) {
    return virtualCaller(callerFileOf(setInterval))
      ? fake.setInterval(fn, ms, ...args)
      : real.setInterval(fn, ms, ...args);
  }
  function clearTimeout(h) {
    if (debug) debug('clearTimeout', Number(h), isFakeHandle(h));
    return isFakeHandle(h) ? fake.clearTimeout(h) : real.clearTimeout(h);
  }
  function clearInterval(h) {
    return isFakeHandle(h) ? fake.clearInterval(h) : real.clearInterval(h);
  }
  globalThis.setTimeout = setTimeout;
  globalThis.setInterval = setInterval;
  globalThis.clearTimeout = clearTimeout;
  globalThis.clearInterval = clearInterval;
  // fake-timers also patches the `node:timers` module object; route it through the same
  // dispatchers so library code that calls timers.setTimeout() is sorted the same way.
  const timersModule = require('node:timers');
  Object.assign(timersModule, { setTimeout, setInterval, clearTimeout, clearInterval });

  /**
   * Due time (epoch ms) of the earliest pending fake timer, or null.
   * fake-timers keeps pending timers in `clock.timers` (a Map id -> {callAt, ...}; an
   * interval's callAt is moved forward each time it fires), so the minimum `callAt` over it
   * is the next due time. fake-timers has no public "peek" API; `clock.timers` is the
   * structure its own `countTimers()` / `next()` read.
   */
  function nextTimerMs() {
    let min = null;
    if (!clock.timers) return null;
    for (const t of clock.timers.values()) {
      if (min === null || t.callAt < min) min = t.callAt;
    }
    return min;
  }

  return {
    clock,
    real,
    nextTimerMs,
    /** Fire the earliest pending timer (the clock jumps to its due time). */
    fireNext: () => clock.next(),
    /** Move the clock to `ms` (no timer may be due before it; any that are, fire in order). */
    moveTo: (ms) => {
      if (ms > clock.now) clock.tick(ms - clock.now);
    },
    uninstall: () => {
      globalThis.setTimeout = real.setTimeout;
      globalThis.setInterval = real.setInterval;
      globalThis.clearTimeout = real.clearTimeout;
      globalThis.clearInterval = real.clearInterval;
      clock.uninstall();
    },
  };
}

module.exports = { installVirtualClock, callerFileOf, SDK_DIR };
