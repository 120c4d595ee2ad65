// Scenario benchmark, Node side: the chat flow of the scenario files that driver.js writes for
// `sioscope-cli test`, done with socket.io-client 4.8.4 (WebSocket only), `--count` runs with up
// to `--parallel` at once. One run, i = 0..count-1, on a connection of its own:
//   connect; expect "welcome"; emit "join-room" ["room-<i>"], ack equal to ["room-<i>"];
//   emit "echo-ack" [{"text":"hi","n":<i>}], ack equal to it; emit "echo" ["bye"] and expect
//   "echo" ["bye"]; disconnect.
// Each step has 5 s (the scenario files' default step timeout). Prints one JSON object:
// {"count","passed","failed","firstFailure","wallMs"}; exit status 1 when a run failed.
// The CPU time of the whole process is measured outside (sioscope-bench-rusage).
//
//   node scenario-client.js <url> [--count N] [--parallel P] [--timeout-s S]
"use strict";
const { isDeepStrictEqual } = require("util");
const peers = require("./peers");
const { io } = peers.require("socket.io-client");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const url = process.argv[2];
const count = Math.min(100_000, Math.max(1, arg("--count", 1000)));
const parallel = Math.min(256, Math.max(1, arg("--parallel", 20)));
const timeoutS = arg("--timeout-s", 300);
const StepTimeoutMs = 5000;

const timer = setTimeout(() => {
  process.stderr.write(`scenario-client.js: timed out after ${timeoutS} s\n`);
  process.exit(1);
}, timeoutS * 1000);

// Resolves with the first arguments `register(resolve)` delivers, rejects after the step timeout.
function step(name, register) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${name}: nothing within ${StepTimeoutMs} ms`)), StepTimeoutMs);
    register((...args) => {
      clearTimeout(t);
      resolve(args);
    });
  });
}

function expectEqual(name, actual, expected) {
  if (!isDeepStrictEqual(actual, expected))
    throw new Error(`${name}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

async function run(i) {
  // forceNew: a connection of its own, as each scenario's client has.
  const socket = io(url, { transports: ["websocket"], reconnection: false, forceNew: true });
  try {
    // Listening from the start: "welcome" may arrive before the step looks, as in the scenario.
    const welcome = step("expect welcome", (done) => socket.once("welcome", done));
    const refused = new Promise((_, reject) => socket.once("connect_error", (e) => reject(new Error(`connect: ${e.message}`))));
    welcome.catch(() => {});
    refused.catch(() => {});
    await Promise.race([welcome, refused]);

    const room = `room-${i}`;
    expectEqual("join-room ack", await step("emit join-room", (done) => socket.emit("join-room", room, done)), [room]);

    const message = { text: "hi", n: i };
    expectEqual("echo-ack ack", await step("emit echo-ack", (done) => socket.emit("echo-ack", message, done)), [message]);

    const echo = step("expect echo", (done) => socket.once("echo", done));
    socket.emit("echo", "bye");
    expectEqual("echo", await echo, ["bye"]);
  } finally {
    socket.disconnect();
  }
}

(async () => {
  const start = process.hrtime.bigint();
  let next = 0;
  let passed = 0;
  let failed = 0;
  let firstFailure = null;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      try {
        await run(i);
        passed++;
      } catch (e) {
        failed++;
        if (!firstFailure) firstFailure = `run ${i}: ${e.message}`;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  process.stdout.write(JSON.stringify({ impl: "socket.io-client", count, parallel, passed, failed, firstFailure, wallMs }) + "\n");
  clearTimeout(timer);
  process.exitCode = failed ? 1 : 0;
})();
