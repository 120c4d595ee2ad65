// The load group of bench/run: LoadClients virtual clients of a short chat flow, by
// `sioscope-cli test --clients` in one process, and by Artillery (tests/artillery, pinned) running
// the script `sioscope-cli scenario export-artillery` wrote from the same scenario, with the same
// arrivals over the same ramp, against the same reference server. Each client holds its
// connection idle for LoadHoldS at the end, so that the memory of idle connected clients shows.
// The CPU and peak memory of each client process (not the server's) are measured by the kernel.
"use strict";

const fs = require("fs");
const path = require("path");

// The flow; `{{vu}}` is the client's number (Artillery: the next value of config.variables.vu).
function loadScenario(holdS) {
  return [
    "name: load chat",
    'url: "{{url}}"',
    "client: {transport: websocket}",
    "steps:",
    "  - emit: echo-ack",
    '    args: [{text: hi, from: "user {{vu}}"}]',
    '    ack: [{text: hi, from: "user {{vu}}"}]',
    "  - emit: echo",
    "    args: [bye]",
    "  - expect: echo",
    "    args: [bye]",
    `  - wait: ${holdS}s`,
    "",
  ].join("\n");
}

// Returns {clients, rampS, holdS, sio: {...} | {error}, artillery: {...} | {error}}.
function benchLoad({ url, tmp, cliBin, artilleryBin, measured, log, quick }) {
  const clients = quick ? 200 : 2000;
  const rampS = quick ? 2 : 10;
  const holdS = rampS + 5; // every client connected at once, idle, before the first leaves
  const timeoutS = rampS + holdS + 120;
  const dir = path.join(tmp, "load");
  fs.mkdirSync(dir, { recursive: true });
  const scenario = path.join(dir, "load.yaml");
  fs.writeFileSync(scenario, loadScenario(holdS));
  const out = { clients, rampS, holdS, sio: {}, artillery: {} };

  log(`load: sioscope-cli test --clients ${clients} --ramp ${rampS}`);
  try {
    const json = path.join(dir, "sio.json");
    const r = measured(cliBin, ["test", scenario, "--var", `url=${url}`, "--clients", String(clients), "--ramp", String(rampS), "--json", json], timeoutS);
    const figures = JSON.parse(fs.readFileSync(json, "utf8"));
    if (figures.runs.passed !== clients) throw new Error(`${figures.runs.passed} of ${clients} runs passed: ${JSON.stringify(figures.errors)}`);
    out.sio = {
      usage: r.usage,
      passed: figures.runs.passed,
      eventsOut: figures.events_out,
      kbPerClient: figures.metrics.kb_per_client,
      mostConnected: figures.most_connected_at_once,
      ackP95Ms: figures.ack.p95_ms,
    };
  } catch (e) {
    out.sio = { error: String(e.message || e) };
    log(`load sioscope: ${out.sio.error}`);
  }

  log(`load: artillery run (${clients} arrivals over ${rampS} s)`);
  try {
    if (!fs.existsSync(artilleryBin)) throw new Error(`${artilleryBin} is missing: bash scripts/dev.sh test installs it`);
    const script = path.join(dir, "load.yml");
    measured(cliBin, ["scenario", "export-artillery", scenario, "--var", `url=${url}`, "--arrivals", String(clients), "--phase", String(rampS), "-o", script], 30);
    const report = path.join(dir, "artillery.json");
    const env = { ...process.env, ARTILLERY_DISABLE_TELEMETRY: "true", NO_COLOR: "1" };
    const r = measured(artilleryBin, ["run", "--output", report, script], timeoutS, env);
    const counters = JSON.parse(fs.readFileSync(report, "utf8")).aggregate.counters;
    const completed = counters["vusers.completed"] || 0;
    if (completed !== clients) throw new Error(`${completed} of ${clients} virtual users completed: ${JSON.stringify(counters)}`);
    out.artillery = { usage: r.usage, passed: completed, eventsOut: counters["socketio.emit"] || 0 };
  } catch (e) {
    out.artillery = { error: String(e.message || e) };
    log(`load artillery: ${out.artillery.error}`);
  }
  return out;
}

// The rows of the table, with `add(group, figure, sioscope, reference, ratio, target, met)`.
function loadRows(load, add, fmt) {
  const { clients, rampS, holdS, sio: s, artillery: a } = load;
  const name = `${clients} clients over ${rampS} s, idle ${holdS} s`;
  if (s.error || a.error) {
    add("load", `${name}: CPU ms per client`, s.error ? "error" : fmt(s.usage.cpu_us / 1000 / clients, 2), a.error ? "error" : fmt(a.usage.cpu_us / 1000 / clients, 2), "", "≤0.20", false);
    return;
  }
  const perClient = (u) => u.cpu_us / 1000 / clients;
  const perEvent = (who) => who.usage.cpu_us / who.eventsOut;
  add("load", `${name}: CPU ms per client (vs Artillery)`, fmt(perClient(s.usage), 2), fmt(perClient(a.usage), 2), (perClient(s.usage) / perClient(a.usage)).toFixed(2), "≤0.20", perClient(s.usage) / perClient(a.usage) <= 0.2);
  add("load", `load: CPU µs per emitted event`, fmt(perEvent(s), 1), fmt(perEvent(a), 1), (perEvent(s) / perEvent(a)).toFixed(2), "≤0.20", perEvent(s) / perEvent(a) <= 0.2);
  add("load", `load: KB per idle connected client (RSS at the most connected − before)`, fmt(s.kbPerClient, 1), "–", "", "≤20 KB", s.kbPerClient <= 20);
  add("load", `load: peak RSS KB per client (whole process)`, fmt(s.usage.maxrss_kb / clients, 1), fmt(a.usage.maxrss_kb / clients, 1), (s.usage.maxrss_kb / a.usage.maxrss_kb).toFixed(2), "", undefined);
  add("load", `load: most connected at once; ack p95 ms`, `${s.mostConnected}; ${fmt(s.ackP95Ms, 1)}`, "–", "", "", undefined);
  add("load", `load: wall s (process start → exit)`, fmt(s.usage.wall_us / 1e6, 1), fmt(a.usage.wall_us / 1e6, 1), "", "", undefined);
  add("load", `load: every client's run passed`, `${s.passed}/${clients}`, `${a.passed}/${clients}`, "", "all pass", s.passed === clients && a.passed === clients);
}

module.exports = { benchLoad, loadRows };
