// What every peer process of the tests shares (server.js, hostile.js): stderr logging under a
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

module.exports = { peerProcess };
