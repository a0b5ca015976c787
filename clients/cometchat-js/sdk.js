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
 * Shims (each keyed on what the loaded SDK has, not on its version number):
 *
 * | shim                | versions               | why |
 * |---------------------|------------------------|-----|
 * | `clearActiveCall`   | 4.0.0 … 4.0.7, 3.x     | `CometChat.clearActiveCall()` does not exist there: the command answers the SDK-level error `NOT_SUPPORTED`, so scenarios that need it fail with that reason |
 */

const path = require('node:path');

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

module.exports = { describe, load };
