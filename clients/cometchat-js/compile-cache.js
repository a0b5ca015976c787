'use strict';
/**
 * A V8 code cache for the npm modules an instance (process or worker thread) loads (the SDK bundle, ws,
 * fake-timers), so that each of the ~270 processes of a catalogue run does not parse and
 * compile the same ~700 KB of JavaScript again. Node 20 has no built-in one for user modules
 * (module.enableCompileCache is Node 22), so this is the v8-compile-cache technique:
 * Module.prototype._compile is wrapped, for files under node_modules only, to compile the
 * module's usual CommonJS wrapper with vm.Script and V8's `cachedData`.
 *
 * The module's source is not changed: V8 compiles the same text and runs it the same way; the
 * cache only spares the compiler's work. An entry is named by a SHA-256 of the file name, its
 * full contents, the Node version and the architecture, so an edited file or another Node never
 * meets a stale entry; V8 itself also refuses data made by another V8 or with other flags
 * (then the module is compiled as usual and the entry rewritten). An entry is written once,
 * right after the module first ran, so it also holds the functions its start-up compiled.
 *
 * Where: RINGSIDE_V8_CACHE_DIR, else <ringside's user cache>/v8-cache/ (RINGSIDE_CACHE_DIR,
 * else $XDG_CACHE_HOME/ringside, else ~/.cache/ringside). The directory is created private
 * (0700); one not owned by this user, or open to others, is not used. Set
 * RINGSIDE_V8_CACHE_DIR=off to compile everything as usual.
 */

const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const os = require('node:os');
const path = require('node:path');
const vm = require('node:vm');
const { threadId } = require('node:worker_threads');

function cacheDir() {
  const explicit = process.env.RINGSIDE_V8_CACHE_DIR;
  if (explicit) return explicit === 'off' ? null : explicit;
  const base = process.env.RINGSIDE_CACHE_DIR
    || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'ringside');
  return path.join(base, 'v8-cache');
}

/** `dir`, created if need be, when only this user can write to it; else null. */
function privateDir(dir) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = fs.statSync(dir);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    return st.isDirectory() && mine && (st.mode & 0o022) === 0 ? dir : null;
  } catch {
    return null;
  }
}

/**
 * Install the hook (once per isolate: a worker thread has its own Module). Returns the directory
 * in use, or null when the cache is off or unusable (modules then compile as usual).
 */
/** Scripts this isolate compiled that have no after-run entry yet: {script, afterRun}. */
const loaded = [];

function writeEntry(file, script) {
  try {
    // pid and thread: instance threads of one service may write the same entry at once.
    const partial = `${file}.${process.pid}.${threadId}.tmp`;
    fs.writeFileSync(partial, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(partial, file);
  } catch {
    /* a read-only cache only costs the compile */
  }
}

/**
 * Write the after-run entries (`<key>.run.v8`) of the modules loaded without one: V8's code cache
 * taken now also holds the functions compiled lazily since the module loaded (the SDK's login,
 * call and WebSocket code), which later isolates then need not compile. Called once an instance
 * has done its work (its logout); a no-op once every module has such an entry. Same source, same
 * keys, same refusal by V8 of foreign data as the load-time entry, which stays the fallback.
 */
function saveAfterRun() {
  for (const { script, afterRun } of loaded.splice(0)) writeEntry(afterRun, script);
}

function install() {
  if (Module.prototype._compile.ringsideCodeCache) return Module.prototype._compile.ringsideCodeCache;
  const dir = cacheDir() && privateDir(cacheDir());
  if (!dir) return null;
  const original = Module.prototype._compile;
  const nodeModules = `${path.sep}node_modules${path.sep}`;

  function compile(content, filename) {
    if (typeof filename !== 'string' || !filename.includes(nodeModules) || !filename.endsWith('.js')) {
      return original.call(this, content, filename);
    }
    const key = crypto.createHash('sha256')
      .update(`${process.version}\0${process.arch}\0${filename}\0`)
      .update(content)
      .digest('hex')
      .slice(0, 40);
    const entry = path.join(dir, `${key}.v8`);
    const afterRun = path.join(dir, `${key}.run.v8`);
    let cachedData;
    let fromRun = true;
    try {
      cachedData = fs.readFileSync(afterRun);
    } catch {
      fromRun = false;
      try {
        cachedData = fs.readFileSync(entry);
      } catch {
        cachedData = undefined;
      }
    }
    let script;
    try {
      script = new vm.Script(Module.wrap(content), { filename, cachedData });
    } catch {
      return original.call(this, content, filename); // let Node report a syntax error its own way
    }
    if (!fromRun || script.cachedDataRejected) loaded.push({ script, afterRun });
    const mod = this;
    const require = (id) => mod.require(id);
    require.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    require.resolve.paths = (request) => Module._resolveLookupPaths(request, mod);
    require.main = process.mainModule;
    require.extensions = Module._extensions;
    require.cache = Module._cache;
    const fn = script.runInThisContext({ displayErrors: true });
    const result = fn.call(mod.exports, mod.exports, require, mod, filename, path.dirname(filename));
    if (cachedData === undefined || script.cachedDataRejected) writeEntry(entry, script);
    return result;
  }
  compile.ringsideCodeCache = dir;
  Module.prototype._compile = compile;
  return dir;
}

module.exports = { install, cacheDir, saveAfterRun };
