'use strict';
/**
 * Which CometChat SDK this adapter drives, and the small per-version shims that bridge API
 * differences between published versions. The SDK itself is never patched: a shim only decides
 * how the adapter calls it.
 *
 * RINGSIDE_SDK_DIR (set by `service.js --sdk DIR`) is the directory of the SDK's npm package,
 * another version of @cometchat/chat-sdk-javascript or the v3 package @cometchat-pro/chat,
 * installed apart from this adapter (ringside: <user cache>/sdks/<package>@<version>/). Without it,
 * the version this adapter's package.json pins, from its own node_modules.
 *
 * Shims (each keyed on what the loaded SDK has, not on its version number; `probe()` finds out):
 *
 * | shim                | versions               | what the adapter does |
 * |---------------------|------------------------|-----|
 * | no `clearActiveCall`| 4.0.0 … 4.0.7, 3.x     | capabilities `active-call` and `call-session` are not declared (the protocol's `active-call` is getActiveCall *and* clearActiveCall; the spec's session handlers call clearActiveCall), so their scenarios are skipped as not applicable; the command itself answers the SDK-level error `NOT_SUPPORTED` |
 * | no ring timeout     | 4.0.0 … 4.1.7, 3.x     | `CometChat.initiateCall(call)` takes no timeout argument: capability `custom-timeout` is not declared |
 */

const path = require('node:path');
const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads');

const DEFAULT_PACKAGE = '@cometchat/chat-sdk-javascript';

/** The SDK package's directory. */
function sdkDir() {
  if (process.env.RINGSIDE_SDK_DIR) return process.env.RINGSIDE_SDK_DIR;
  return path.dirname(require.resolve(`${DEFAULT_PACKAGE}/package.json`));
}

/** {name, version, dir} of the SDK package in use. */
function describe() {
  const dir = sdkDir();
  const manifest = require(path.join(dir, 'package.json'));
  return { name: manifest.name, version: manifest.version, dir };
}

/** The SDK's exports ({CometChat, …}); loads the bundle. */
function load() {
  return require(sdkDir());
}

/** What the loaded SDK has, as the shims need it: {clearActiveCall, initiateCallTimeout}. */
function features(CometChat) {
  return {
    clearActiveCall: typeof CometChat.clearActiveCall === 'function',
    // The minified `initiateCall=function(call, timeout)` has length 2; without the parameter, 1.
    initiateCallTimeout: typeof CometChat.initiateCall === 'function' && CometChat.initiateCall.length >= 2,
  };
}

/**
 * features() of the SDK in use, found in a worker thread of its own (the bundle needs the browser
 * globals, which the service's own realm must not get). Resolves {clearActiveCall, initiateCallTimeout}.
 */
function probe() {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { ringsideProbe: true }, env: process.env });
    worker.once('message', (found) => {
      resolve(found);
      worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`SDK probe exited (${code}) before answering`)));
  });
}

/** Capabilities of the full adapter, less what the loaded SDK lacks (see the shims above). */
function capabilitiesFor(all, found) {
  const lacking = new Set();
  if (!found.clearActiveCall) {
    lacking.add('active-call');
    lacking.add('call-session');
  }
  if (!found.initiateCallTimeout) lacking.add('custom-timeout');
  return all.filter((c) => !lacking.has(c));
}

if (!isMainThread && workerData && workerData.ringsideProbe) {
  require('./polyfill').install();
  parentPort.postMessage(features(load().CometChat));
}

module.exports = { describe, load, features, probe, capabilitiesFor };
