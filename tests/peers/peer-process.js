// What every peer process of the tests shares (server.js, hostile.js, ...): stderr logging under a
// tag, the JSON config from argv[2], and the lifecycle: exit on SIGTERM/SIGINT, and when the
// parent process (the test) goes away without stopping us.
"use strict";

function peerProcess(tag) {
  const log = (...args) => process.stderr.write(`[${tag}] ${args.join(" ")}\n`);
  const fail = (message) => {
    log(message);
    process.exit(2);
  };

  let config;
  try {
    config = process.argv[2] ? JSON.parse(process.argv[2]) : {};
  } catch (e) {
    fail(`bad JSON config: ${e.message}`);
  }
  if (config === null || typeof config !== "object" || Array.isArray(config))
    fail("the config must be a JSON object");

  for (const signal of ["SIGTERM", "SIGINT"]) {
    process.on(signal, () => {
      log(`${signal}: exiting`);
      process.exit(0);
    });
  }
  // The test process may die without stopping us (a crash, a SIGKILL): then our parent changes.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) {
      log("the parent process is gone: exiting");
      process.exit(0);
    }
  }, 500).unref();

  return { log, fail, config };
}

// A JSON-friendly copy of a received value: buffers become {"$bin": hex}.
function plain(value) {
  if (Buffer.isBuffer(value)) return { $bin: value.toString("hex") };
  if (value instanceof ArrayBuffer) return { $bin: Buffer.from(value).toString("hex") };
  if (ArrayBuffer.isView(value))
    return { $bin: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex") };
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === "object") {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}

// A promise that `executor(resolve, reject)` settles, rejected after `timeoutMs` as "<name>: no
// answer within N ms".
function withTimeout(name, timeoutMs, executor) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no answer within ${timeoutMs} ms`)), timeoutMs);
    executor(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      }
    );
  });
}

// The arguments of the next `event` on a Socket.IO socket, within `timeoutMs`.
function nextEvent(socket, event, timeoutMs) {
  return withTimeout(event, timeoutMs, (resolve) => socket.once(event, (...args) => resolve(args)));
}

// {connected: true} once the socket is connected (at once if it is), within `timeoutMs`; its
// connect_error or error otherwise.
function connected(socket, timeoutMs) {
  return withTimeout("connect", timeoutMs, (resolve, reject) => {
    if (socket.connected) return resolve({ connected: true });
    socket.once("connect", () => resolve({ connected: true }));
    socket.once("connect_error", (e) => reject(new Error(`connect_error: ${e && e.message}`)));
    socket.once("error", (e) => reject(new Error(`error: ${JSON.stringify(e)}`)));
  });
}

module.exports = { peerProcess, plain, withTimeout, nextEvent, connected };
