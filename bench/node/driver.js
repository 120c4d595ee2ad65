// Runs every SioScope benchmark beside its Node reference and prints one table (bench/run calls
// this; see docs/performance.md).
//
//   node driver.js --build-dir <dir> [--runs N] [--only codec,ingest,ack,memory,gui,scenario,load,server,import,proxy] [--quick]
//                  [--markdown <file>] [--json <file>]
//
// Every figure is the median of N runs; each run measures SioScope and the Node reference one
// after the other (alternating which goes first) against the same reference server, so that
// both see the same machine. CPU figures are whole-process CPU time (user + system, all threads)
// from getrusage: wait4() in sioscope-bench-rusage for whole processes, process.cpuUsage() and
// CLOCK_PROCESS_CPUTIME_ID inside the codec benchmarks.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
const readline = require("readline");
const { spawn, spawnSync, execFileSync } = require("child_process");
const peers = require("./peers");

// --- arguments ---------------------------------------------------------------------------------

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
const quick = process.argv.includes("--quick");
const buildDir = path.resolve(arg("--build-dir", path.join(__dirname, "..", "..", "build")));
const runs = Math.max(1, Math.min(25, Number(arg("--runs", quick ? "3" : "5"))));
const only = new Set(arg("--only", "codec,ingest,ack,memory,gui,scenario,load,server,import,proxy").split(","));
const markdownOut = arg("--markdown", null);
const jsonOut = arg("--json", null);

// The same floods from a server with socket.io-msgpack-parser: SioScope with `--parser msgpack`,
// the Node client with socket.io-msgpack-parser (notepack.io); binary payloads are MessagePack bin.
function msgpackFloods(smallCount, count) {
  return [
    { key: "msgpack small", label: "small events, msgpack", count: smallCount, size: 32, binary: false, parser: "msgpack" },
    { key: "msgpack json-1k", label: "~1 KB events, msgpack", count, size: 1000, binary: false, parser: "msgpack" },
    { key: "msgpack binary-1k", label: "1 KB binary events, msgpack", count, size: 1024, binary: true, parser: "msgpack" },
  ];
}
const Ingest = quick
  ? [
      { key: "small", label: "small events (32-char string)", count: 50000, size: 32, binary: false },
      { key: "json-1k", label: "~1 KB events (1000-char string)", count: 10000, size: 1000, binary: false },
      { key: "binary-1k", label: "1 KB binary events", count: 10000, size: 1024, binary: true },
      ...msgpackFloods(50000, 10000),
    ]
  : [
      { key: "small", label: "small events (32-char string)", count: 200000, size: 32, binary: false },
      { key: "json-1k", label: "~1 KB events (1000-char string)", count: 50000, size: 1000, binary: false },
      { key: "binary-1k", label: "1 KB binary events", count: 50000, size: 1024, binary: true },
      ...msgpackFloods(200000, 50000),
    ];
const MemoryCount = quick ? 200000 : 1000000;
const MemoryRuns = Math.min(runs, 3);
const AckCount = quick ? 2000 : 10000;
const CodecCpuMs = quick ? 150 : 400;
// The GUI: the small flood of the ingest benchmark, a timeline of GuiRows rows, and the filter
// text that matches 8 % of them (bench/guibench.cpp); the window runs offscreen.
const GuiFloodCount = quick ? 50000 : 200000;
const GuiRows = quick ? 200000 : 1000000;
const GuiFilter = "alice";
const GuiRuns = Math.min(runs, 3);
const ColdStartRuns = Math.max(runs, 5);
// The scenario group: ScenarioCount runs of the chat flow (scenarioFile), ScenarioParallel at once,
// by `sioscope-cli test` and by bench/node/scenario-client.js; the same count with --quick.
const ScenarioCount = 1000;
const ScenarioParallel = 20;
const ScenarioTimeoutS = 300;

const bin = (name) => path.join(buildDir, "bench", name);
const rusageBin = bin("sioscope-bench-rusage");
const cliBin = path.join(buildDir, "app", "sioscope-cli");
const guiBin = path.join(buildDir, "app", "sioscope");
// The programs each selected group runs.
const needed = {
  codec: [bin("sioscope-bench-codec")],
  ingest: [cliBin],
  ack: [bin("sioscope-bench-ack")],
  memory: [bin("sioscope-bench-memory"), cliBin],
  gui: [bin("sioscope-bench-gui"), guiBin],
  scenario: [cliBin],
  load: [cliBin],
  server: [cliBin, bin("sioscope-bench-fanout")],
  import: [bin("sioscope-bench-import")],
  proxy: [cliBin],
};
const artilleryBin = path.join(__dirname, "..", "..", "tests", "artillery", "node_modules", ".bin", "artillery");
const { benchLoad, loadRows } = require("./load");
const { benchServer, serverRows } = require("./server");
const { benchImport, importRows } = require("./import");
const { benchProxy, proxyRows } = require("./proxy");
// The server and proxy groups read /proc instead of running sioscope-bench-rusage.
const usesRusage = [...only].some((group) => group !== "server" && group !== "proxy");
for (const f of new Set([...(usesRusage ? [rusageBin] : []), ...[...only].flatMap((group) => needed[group] || [])]))
  if (!fs.existsSync(f)) {
    process.stderr.write(`driver.js: ${f} is missing; build the sioscope-bench target first\n`);
    process.exit(2);
  }

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "sioscope-bench-"));
const nodeDir = __dirname;
const log = (...a) => process.stderr.write(`[bench] ${a.join(" ")}\n`);

// --- helpers -----------------------------------------------------------------------------------

function median(values) {
  const v = values.filter((x) => typeof x === "number" && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

// Runs a command under sioscope-bench-rusage; returns {stdout, usage, status}.
let measuredRuns = 0;
function measured(command, args, timeoutS, env = process.env) {
  const usageFile = path.join(tmp, `usage-${++measuredRuns}.json`);
  const r = spawnSync(rusageBin, [usageFile, String(timeoutS), command, ...args], {
    encoding: "utf8",
    timeout: (timeoutS + 15) * 1000,
    maxBuffer: 64 << 20,
    stdio: ["ignore", "pipe", "pipe"],
    env,
  });
  let usage = null;
  try {
    usage = JSON.parse(fs.readFileSync(usageFile, "utf8"));
  } catch (e) {
    /* reported below */
  }
  if (r.status !== 0 || !usage || usage.timed_out) {
    const name = path.basename(command) + " " + args.filter((a) => !a.startsWith("/")).join(" ");
    throw new Error(`${name}: exit ${r.status}${usage && usage.timed_out ? " (timed out)" : ""}\n${r.stderr}${(r.stdout || "").slice(-2000)}`);
  }
  return { stdout: r.stdout, stderr: r.stderr, usage };
}

function lastJson(text) {
  const lines = text.trim().split("\n").filter((l) => l.startsWith("{"));
  return JSON.parse(lines[lines.length - 1]);
}

// The reference server (tests/peers/server.js); `extra` adds to its configuration ({parser:
// "msgpack"}). Its stderr goes to <tmp>/<logName>.
function startServer(extra = {}, logName = "server.log") {
  return new Promise((resolve, reject) => {
    const errFile = fs.openSync(path.join(tmp, logName), "w");
    const child = spawn(process.execPath, [path.join(peers.peersDir, "server.js"), JSON.stringify({ flavor: "4", port: 0, ...extra })], {
      cwd: peers.peersDir,
      stdio: ["ignore", "pipe", errFile],
    });
    const timer = setTimeout(() => reject(new Error("the reference server did not start in 15 s")), 15000);
    const rl = readline.createInterface({ input: child.stdout });
    rl.on("line", (line) => {
      const m = /^listening (\d+)$/.exec(line);
      if (!m) return;
      clearTimeout(timer);
      resolve({ child, url: `http://127.0.0.1:${m[1]}` });
    });
    child.on("exit", (code) => reject(new Error(`the reference server exited (${code})`)));
  });
}

// Reads a JSON Lines log from sioscope-cli and checks the "flood" events: indices 0..n-1 in
// order, binary ones with their attachment. Returns {received, inOrder, firstUs, lastUs}.
async function checkCliLog(file, count, binary) {
  const rl = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  let received = 0;
  let inOrder = true;
  let firstUs = 0;
  let lastUs = 0;
  let done = false;
  for await (const line of rl) {
    if (!line.includes('"flood')) continue;
    const r = JSON.parse(line);
    if (r.layer !== "sio" || r.dir !== "in" || !Array.isArray(r.data)) continue;
    if (r.data[0] === "flood") {
      if (r.data[1] !== received) inOrder = false;
      if (binary ? !(r.type === "BINARY_EVENT" && r.attachments && r.attachments.length === 1) : typeof r.data[2] !== "string")
        inOrder = false;
      if (received === 0) firstUs = Date.parse(r.ts) * 1000 + Number(r.ts.slice(-4, -1));
      received++;
    } else if (r.data[0] === "flood-done") {
      lastUs = Date.parse(r.ts) * 1000 + Number(r.ts.slice(-4, -1));
      done = true;
    }
  }
  return { received, inOrder: inOrder && done, firstUs, lastUs };
}

// --- benchmarks --------------------------------------------------------------------------------

const results = { runs, quick, codec: {}, codecMsgpack: {}, ingest: {}, ack: {}, memory: {}, gui: {}, scenario: {}, load: {}, server: {}, import: {}, proxy: {} };

// One codec comparison: `script` (codec.js or msgpack-codec.js) dumps the wire forms and measures
// the Node parser; sioscope-bench-codec with `parserArgs` measures SioScope on those same bytes.
// Runs alternate which side goes first; each figure is the median of the runs.
function benchCodecWith(script, parserArgs, ops, into) {
  const shapesFile = path.join(tmp, `shapes-${path.basename(script, ".js")}.json`);
  execFileSync(process.execPath, [path.join(nodeDir, script), "--dump", shapesFile]);
  const samples = { node: [], sio: [] };
  for (let r = 0; r < runs; r++) {
    log(`codec ${script} run ${r + 1}/${runs}`);
    const order = r % 2 ? ["sio", "node"] : ["node", "sio"];
    for (const who of order) {
      const out =
        who === "node"
          ? measured(process.execPath, [path.join(nodeDir, script), "--cpu-ms", String(CodecCpuMs)], 300)
          : measured(bin("sioscope-bench-codec"), [shapesFile, ...parserArgs, "--cpu-ms", String(CodecCpuMs)], 300);
      samples[who].push(lastJson(out.stdout).results);
    }
  }
  for (const shape of Object.keys(samples.node[0])) {
    const wireBytes = samples.node[0][shape].wireBytes;
    const entry = { wireBytes };
    for (const op of ops) {
      const sio = median(samples.sio.map((s) => s[shape][op].perSecond));
      const node = op === "encodeOnly" ? NaN : median(samples.node.map((s) => s[shape][op].perSecond));
      entry[op] = { sio, node };
    }
    into[shape] = entry;
  }
}

function benchCodec() {
  benchCodecWith("codec.js", [], ["encode", "decode", "encodeOnly"], results.codec);
  benchCodecWith("msgpack-codec.js", ["--parser", "msgpack"], ["encode", "decode"], results.codecMsgpack);
}

// urls: the reference server for each parser ({default, msgpack}).
async function benchIngest(urls) {
  for (const phase of Ingest) {
    const parser = phase.parser || "default";
    const url = urls[parser];
    const script = path.join(tmp, `flood-${phase.key.replace(/ /g, "-")}.jsonl`);
    fs.writeFileSync(script, JSON.stringify({ type: "EVENT", data: ["flood", { count: phase.count, size: phase.size, binary: phase.binary }] }) + "\n");
    const samples = { node: [], sio: [] };
    for (let r = 0; r < runs; r++) {
      log(`ingest ${phase.key} run ${r + 1}/${runs}`);
      const order = r % 2 ? ["sio", "node"] : ["node", "sio"];
      for (const who of order) {
        const timeoutS = 120;
        if (who === "node") {
          const args = [path.join(nodeDir, "ingest.js"), url, "--count", String(phase.count), "--size", String(phase.size)];
          if (phase.binary) args.push("--binary");
          if (parser !== "default") args.push("--parser", parser);
          const out = measured(process.execPath, args, timeoutS);
          const o = lastJson(out.stdout);
          samples.node.push({ cpuUs: out.usage.cpu_us, received: o.received, inOrder: o.inOrder, perSecond: o.perSecond, maxrssKb: out.usage.maxrss_kb });
        } else {
          const logFile = path.join(tmp, `cli-${phase.key.replace(/ /g, "-")}.jsonl`);
          const parserArgs = parser !== "default" ? ["--parser", parser] : [];
          const out = measured(cliBin, ["record", url, "--transport", "websocket", ...parserArgs, "--send", script, "--stop-on-event", "flood-done", "-o", logFile], timeoutS);
          const check = await checkCliLog(logFile, phase.count, phase.binary);
          fs.unlinkSync(logFile);
          const perSecond = check.lastUs > check.firstUs ? (phase.count * 1e6) / (check.lastUs - check.firstUs) : NaN;
          samples.sio.push({ cpuUs: out.usage.cpu_us, received: check.received, inOrder: check.inOrder, perSecond, maxrssKb: out.usage.maxrss_kb });
        }
      }
    }
    const summary = (list) => ({
      cpuUsPerEvent: median(list.map((s) => s.cpuUs / phase.count)),
      perSecond: median(list.map((s) => s.perSecond)),
      complete: list.every((s) => s.received === phase.count && s.inOrder),
      worstReceived: Math.min(...list.map((s) => s.received)),
    });
    results.ingest[phase.key] = { ...phase, sio: summary(samples.sio), node: summary(samples.node) };
  }
}

function benchAck(url) {
  const samples = { node: [], sio: [] };
  for (let r = 0; r < runs; r++) {
    log(`ack run ${r + 1}/${runs}`);
    const order = r % 2 ? ["sio", "node"] : ["node", "sio"];
    for (const who of order) {
      const args = [url, "--count", String(AckCount), "--warmup", "500"];
      const out =
        who === "node"
          ? measured(process.execPath, [path.join(nodeDir, "ack.js"), ...args], 120)
          : measured(bin("sioscope-bench-ack"), args, 120);
      samples[who].push({ ...lastJson(out.stdout), processCpuUs: out.usage.cpu_us });
    }
  }
  for (const who of ["sio", "node"]) {
    const list = samples[who];
    results.ack[who] = {};
    for (const key of ["seqP50Us", "seqP99Us", "seqCpuUs", "pipeTotalUs", "pipeCpuUs", "pipeServerCpuUs", "processCpuUs"])
      results.ack[who][key] = median(list.map((s) => s[key]));
  }
}

async function benchMemory(url) {
  const script = path.join(tmp, "flood-memory.jsonl");
  fs.writeFileSync(script, JSON.stringify({ type: "EVENT", data: ["flood", { count: MemoryCount, size: 32 }] }) + "\n");
  const samples = { store: [], node: [], cli: [] };
  for (let r = 0; r < MemoryRuns; r++) {
    log(`memory run ${r + 1}/${MemoryRuns} (${MemoryCount} events)`);
    const store = measured(bin("sioscope-bench-memory"), ["--count", String(MemoryCount), "--size", "32"], 120);
    samples.store.push(lastJson(store.stdout));
    const node = measured(process.execPath, ["--expose-gc", path.join(nodeDir, "ingest.js"), url, "--count", String(MemoryCount), "--size", "32"], 300);
    samples.node.push({ ...lastJson(node.stdout), maxrssKb: node.usage.maxrss_kb });
    const logFile = path.join(tmp, "cli-memory.jsonl");
    const cli = measured(cliBin, ["record", url, "--transport", "websocket", "--send", script, "--stop-on-event", "flood-done", "-o", logFile], 300);
    const check = await checkCliLog(logFile, MemoryCount, false);
    fs.unlinkSync(logFile);
    samples.cli.push({ maxrssKb: cli.usage.maxrss_kb, received: check.received, inOrder: check.inOrder });
  }
  results.memory = {
    count: MemoryCount,
    storePerRecord: median(samples.store.map((s) => s.rssPerRecord)),
    storeCountedPerRecord: median(samples.store.map((s) => s.storePerRecord)),
    nodePerEvent: median(samples.node.map((s) => s.rssPerEvent)),
    nodeMaxRssMb: median(samples.node.map((s) => s.maxrssKb / 1024)),
    cliMaxRssMb: median(samples.cli.map((s) => s.maxrssKb / 1024)),
    cliComplete: samples.cli.every((s) => s.received === MemoryCount && s.inOrder),
    nodeComplete: samples.node.every((s) => s.received === MemoryCount && s.inOrder),
  };
}

// The GUI processes run offscreen, with settings, journal and caches in a directory of their own
// (so neither the user's layout nor a crash journal of theirs is seen).
function guiEnvironment() {
  const home = path.join(tmp, "gui-home");
  const dirs = { XDG_CONFIG_HOME: "config", XDG_DATA_HOME: "data", XDG_CACHE_HOME: "cache", XDG_RUNTIME_DIR: "runtime" };
  const env = { ...process.env, QT_QPA_PLATFORM: "offscreen" };
  for (const [name, dir] of Object.entries(dirs)) {
    env[name] = path.join(home, dir);
    fs.mkdirSync(env[name], { recursive: true, mode: 0o700 });
  }
  return env;
}

function benchGui(url) {
  const env = guiEnvironment();
  const samples = [];
  for (let r = 0; r < GuiRuns; r++) {
    log(`gui run ${r + 1}/${GuiRuns} (flood ${GuiFloodCount}, timeline ${GuiRows} rows), load ${os.loadavg()[0].toFixed(1)}`);
    const args = [url, "--count", String(GuiFloodCount), "--size", "32", "--rows", String(GuiRows), "--filter", GuiFilter];
    samples.push(lastJson(measured(bin("sioscope-bench-gui"), args, 900, env).stdout));
  }
  // Cold start to the first paint, offscreen and (when xvfb-run is installed) on an X server.
  const coldStart = (platform) => {
    const script = [path.join(nodeDir, "coldstart.js"), guiBin, "--runs", String(ColdStartRuns)];
    const out =
      platform === "offscreen"
        ? spawnSync(process.execPath, script, { env, encoding: "utf8", timeout: 120000 })
        : spawnSync("xvfb-run", ["-a", "-s", "-screen 0 1920x1080x24", process.execPath, ...script], {
            env: { ...env, QT_QPA_PLATFORM: "xcb" },
            encoding: "utf8",
            timeout: 120000,
          });
    if (out.status !== 0) throw new Error(`cold start (${platform}): exit ${out.status}\n${out.stderr}`);
    const ms = lastJson(out.stdout).firstPaintMs;
    log(`cold starts ${platform} (ms): ${ms.map((x) => x.toFixed(0)).join(" ")}`);
    return median(ms);
  };
  const coldStartMs = { offscreen: coldStart("offscreen") };
  if (spawnSync("sh", ["-c", "command -v xvfb-run"]).status === 0) coldStartMs.xvfb = coldStart("xvfb");
  const flood = samples.map((s) => s.flood);
  const timeline = samples.map((s) => s.timeline);
  const med = (list, key) => median(list.map((s) => s[key]));
  results.gui = {
    platform: samples[0].platform,
    flood: {
      count: GuiFloodCount,
      complete: flood.every((f) => f.received === GuiFloodCount && f.inOrder && f.shown),
      worstReceived: Math.min(...flood.map((f) => f.received)),
      stallMaxMs: med(flood, "stallMaxMs"),
      stallMaxWorstMs: Math.max(...flood.map((f) => f.stallMaxMs)),
      stallP99Ms: med(flood, "stallP99Ms"),
      // The longest event delivery of each run (bench/guibench.cpp): wall time, and the main
      // thread's CPU time in it (the rest is waiting for a CPU or for Qt's raster threads).
      longestMs: median(flood.map((f) => f.longestEvents[0].ms)),
      longestCpuMs: median(flood.map((f) => f.longestEvents[0].cpuMs)),
      shownMs: med(flood, "shownMs"),
      cpuUsPerEvent: med(flood, "cpuUsPerEvent"),
    },
    timeline: {
      rows: GuiRows,
      complete: timeline.every((t) => t.rows === GuiRows && t.scrollReachedEnd && t.filterShown && t.unfilterAllBack),
      visibleRows: med(timeline, "visibleRows"),
      pages: med(timeline, "pages"),
      takeMs: med(timeline, "takeMs"),
      scrollMs: med(timeline, "scrollMs"),
      pageP50Ms: med(timeline, "pageP50Ms"),
      pageMaxMs: med(timeline, "pageMaxMs"),
      jumpToEndMs: med(timeline, "jumpToEndMs"),
      filterMs: med(timeline, "filterMs"),
      filteredRows: med(timeline, "filteredRows"),
      unfilterMs: med(timeline, "unfilterMs"),
    },
    coldStartMs,
    samples,
  };
}

// One run of the chat flow as a scenario file; bench/node/scenario-client.js does the same steps.
function scenarioFile(i) {
  const message = JSON.stringify({ text: "hi", n: i });
  return [
    `name: chat flow ${i}`,
    `url: "{{url}}"`,
    `client: {transport: websocket}`,
    `steps:`,
    `  - expect: welcome`,
    `  - emit: join-room`,
    `    args: ["room-${i}"]`,
    `    ack: ["room-${i}"]`,
    `  - emit: echo-ack`,
    `    args: [${message}]`,
    `    ack: [${message}]`,
    `  - emit: echo`,
    `    args: [bye]`,
    `  - expect: echo`,
    `    args: [bye]`,
    `  - disconnect: client`,
    ``,
  ].join("\n");
}

// ScenarioCount runs of the chat flow: `sioscope-cli test` with one generated file per run, and
// scenario-client.js, each one process whose CPU time (not the server's) is measured. A side
// with a failed run or process has an error instead of figures.
function benchScenario(url) {
  const dir = path.join(tmp, "scenarios");
  fs.mkdirSync(dir);
  const files = [];
  for (let i = 0; i < ScenarioCount; i++) {
    const file = path.join(dir, `chat-${String(i).padStart(4, "0")}.yaml`);
    fs.writeFileSync(file, scenarioFile(i));
    files.push(file);
  }
  const samples = { sio: [], node: [] };
  const errors = {};
  const passedLine = `${ScenarioCount} of ${ScenarioCount} scenarios passed`;
  for (let r = 0; r < runs; r++) {
    log(`scenario run ${r + 1}/${runs} (${ScenarioCount} runs, ${ScenarioParallel} at once)`);
    const order = r % 2 ? ["sio", "node"] : ["node", "sio"];
    for (const who of order) {
      if (errors[who]) continue;
      try {
        if (who === "node") {
          const script = [path.join(nodeDir, "scenario-client.js"), url, "--count", String(ScenarioCount), "--parallel", String(ScenarioParallel), "--timeout-s", String(ScenarioTimeoutS - 10)];
          const out = measured(process.execPath, script, ScenarioTimeoutS);
          const o = lastJson(out.stdout);
          if (o.passed !== ScenarioCount || o.failed !== 0) throw new Error(`scenario-client.js: ${o.passed} of ${ScenarioCount} passed; ${o.firstFailure}`);
          samples.node.push(out.usage);
        } else {
          const out = measured(cliBin, ["test", ...files, "--parallel", String(ScenarioParallel), "--var", `url=${url}`], ScenarioTimeoutS);
          if (!out.stdout.includes(passedLine)) throw new Error(`sioscope-cli test: no "${passedLine}"\n${out.stdout.slice(-2000)}`);
          samples.sio.push(out.usage);
        }
      } catch (e) {
        errors[who] = String(e.message || e);
        log(`scenario ${who}: ${errors[who]}`);
      }
    }
  }
  const summary = (who) =>
    errors[who]
      ? { error: errors[who] }
      : {
          cpuUs: median(samples[who].map((u) => u.cpu_us)),
          userUs: median(samples[who].map((u) => u.user_us)),
          sysUs: median(samples[who].map((u) => u.sys_us)),
          wallUs: median(samples[who].map((u) => u.wall_us)),
          maxrssKb: median(samples[who].map((u) => u.maxrss_kb)),
          samples: samples[who],
        };
  results.scenario = { count: ScenarioCount, parallel: ScenarioParallel, sio: summary("sio"), node: summary("node") };
}

// --- the table ---------------------------------------------------------------------------------

function fmt(x, digits = 0) {
  if (typeof x !== "number" || !Number.isFinite(x)) return "–";
  if (Math.abs(x) >= 1e6 && digits === 0) return (x / 1e6).toFixed(2) + " M";
  if (Math.abs(x) >= 1e4 && digits === 0) return (x / 1e3).toFixed(1) + " k";
  return x.toFixed(digits);
}

function table() {
  const rows = [];
  const add = (bench, figure, sio, node, ratio, target, met) =>
    rows.push([bench, figure, sio, node, ratio, target, met === undefined ? "" : met ? "yes" : "NO"]);
  const times = (a, b) => (Number.isFinite(a / b) ? (a / b).toFixed(2) + "×" : "–");

  for (const op of ["encode", "decode"]) {
    for (const [shape, e] of Object.entries(results.codec)) {
      const ratio = e[op].sio / e[op].node;
      const cell = (rate) => `${fmt(rate)} · ${fmt((rate * e.wireBytes) / 1e6, 1)}`;
      add(`codec ${op}`, `${shape} (${e.wireBytes} B): pkt/s · MB/s`, cell(e[op].sio), cell(e[op].node), times(e[op].sio, e[op].node), "≥3× pkt/s", ratio >= 3);
    }
  }
  // msgpack: SocketIoMsgpackParser against socket.io-msgpack-parser (notepack.io).
  for (const op of ["encode", "decode"]) {
    for (const [shape, e] of Object.entries(results.codecMsgpack)) {
      const ratio = e[op].sio / e[op].node;
      const cell = (rate) => `${fmt(rate)} · ${fmt((rate * e.wireBytes) / 1e6, 1)}`;
      add(`codec msgpack ${op}`, `${shape} (${e.wireBytes} B): pkt/s · MB/s`, cell(e[op].sio), cell(e[op].node), times(e[op].sio, e[op].node), "≥3× pkt/s", ratio >= 3);
    }
  }
  for (const [key, e] of Object.entries(results.ingest)) {
    const ratio = e.sio.cpuUsPerEvent / e.node.cpuUsPerEvent;
    add("ingest", `${key} ×${e.count}: CPU µs/event`, fmt(e.sio.cpuUsPerEvent, 2), fmt(e.node.cpuUsPerEvent, 2), ratio.toFixed(2), "≤0.33", ratio <= 1 / 3);
    add("ingest", `${key}: events/s received`, fmt(e.sio.perSecond), fmt(e.node.perSecond), times(e.sio.perSecond, e.node.perSecond), "", undefined);
    add("ingest", `${key}: all arrived, in order`, e.sio.complete ? "yes" : `NO (min ${e.sio.worstReceived})`, e.node.complete ? "yes" : `NO (min ${e.node.worstReceived})`, "", "zero loss, order kept", e.sio.complete);
  }
  if (results.ack.sio) {
    const s = results.ack.sio;
    const n = results.ack.node;
    add("ack", `sequential ×${AckCount}: p50 µs`, fmt(s.seqP50Us, 1), fmt(n.seqP50Us, 1), (s.seqP50Us / n.seqP50Us).toFixed(2), "≤1.00", s.seqP50Us <= n.seqP50Us);
    add("ack", `sequential ×${AckCount}: p99 µs`, fmt(s.seqP99Us, 1), fmt(n.seqP99Us, 1), (s.seqP99Us / n.seqP99Us).toFixed(2), "", undefined);
    add("ack", `sequential: client CPU µs/trip`, fmt(s.seqCpuUs / AckCount, 1), fmt(n.seqCpuUs / AckCount, 1), (s.seqCpuUs / n.seqCpuUs).toFixed(2), "", undefined);
    add("ack", `pipelined ×${AckCount}: total ms`, fmt(s.pipeTotalUs / 1000, 1), fmt(n.pipeTotalUs / 1000, 1), (s.pipeTotalUs / n.pipeTotalUs).toFixed(2), "≤0.50", s.pipeTotalUs <= n.pipeTotalUs / 2);
    add("ack", `pipelined: client CPU ms`, fmt(s.pipeCpuUs / 1000, 1), fmt(n.pipeCpuUs / 1000, 1), (s.pipeCpuUs / n.pipeCpuUs).toFixed(2), "", undefined);
    // The reference server is one JavaScript thread: its CPU time for the 10,000 events is the
    // floor under either client's total.
    add("ack", `pipelined: server CPU ms (the floor)`, fmt(s.pipeServerCpuUs / 1000, 1), fmt(n.pipeServerCpuUs / 1000, 1), (s.pipeServerCpuUs / n.pipeServerCpuUs).toFixed(2), "", undefined);
  }
  if (results.memory.count) {
    const m = results.memory;
    add("memory", `resident B per stored small event (${fmt(m.count)})`, fmt(m.storePerRecord, 1), fmt(m.nodePerEvent, 1), (m.storePerRecord / m.nodePerEvent).toFixed(2), "≤120 B", m.storePerRecord <= 120);
    add("memory", `peak RSS MB, ${fmt(m.count)} small events recorded`, fmt(m.cliMaxRssMb, 1), fmt(m.nodeMaxRssMb, 1), (m.cliMaxRssMb / m.nodeMaxRssMb).toFixed(2), m.count >= 1e6 ? "<200 MB" : "", m.count >= 1e6 ? m.cliMaxRssMb < 200 && m.cliComplete : undefined);
  }
  if (results.gui.flood) {
    const f = results.gui.flood;
    const t = results.gui.timeline;
    const n = fmt(t.rows);
    add("gui", `flood small ×${f.count}: worst main-thread stall ms, median (worst run)`, `${fmt(f.stallMaxMs, 1)} (${fmt(f.stallMaxWorstMs, 1)})`, "–", "", "<100 ms", f.stallMaxWorstMs < 100);
    add("gui", `flood: 10 ms timer lateness p99 ms`, fmt(f.stallP99Ms, 1), "–", "", "", undefined);
    add("gui", `flood: longest event delivery, wall · main-thread CPU ms`, `${fmt(f.longestMs, 1)} · ${fmt(f.longestCpuMs, 1)}`, "–", "", "", undefined);
    add("gui", `flood: every event in the timeline, in order`, f.complete ? "yes" : `NO (min ${f.worstReceived})`, "–", "", "all packets shown", f.complete);
    add("gui", `flood: sent → all shown, s`, fmt(f.shownMs / 1000, 2), "–", "", "", undefined);
    add("gui", `flood: CPU µs/event (whole process)`, fmt(f.cpuUsPerEvent, 2), "–", "", "", undefined);
    add("gui", `${n} rows: take appended rows + paint ms`, fmt(t.takeMs, 1), "–", "", "", undefined);
    add("gui", `${n} rows: top → bottom, ${fmt(t.pages)} pages of ${t.visibleRows}, s`, fmt(t.scrollMs / 1000, 2) + (t.complete ? "" : " (incomplete)"), "–", "", "", undefined);
    add("gui", `${n} rows: one page + repaint, p50 · max ms`, `${fmt(t.pageP50Ms, 2)} · ${fmt(t.pageMaxMs, 1)}`, "–", "", "", undefined);
    add("gui", `${n} rows: jump top → end + repaint ms`, fmt(t.jumpToEndMs, 2), "–", "", "", undefined);
    add("gui", `${n} rows: filter "${GuiFilter}" (${fmt((100 * t.filteredRows) / t.rows, 1)} %) until painted ms`, fmt(t.filterMs, 1), "–", "", "<1 s", t.rows >= 1e6 ? t.filterMs < 1000 && t.complete : undefined);
    add("gui", `${n} rows: clear the filter until painted ms`, fmt(t.unfilterMs, 1), "–", "", "", undefined);
    for (const [platform, coldMs] of Object.entries(results.gui.coldStartMs))
      add("gui", `exec → first paint ms, ${platform} (${ColdStartRuns} runs)`, fmt(coldMs, 1), "–", "", "<0.5 s", coldMs < 500);
  }
  if (results.scenario.count) {
    const { count, parallel, sio: s, node: n } = results.scenario;
    const figure = `chat flow ×${count}, ${parallel} at once: client CPU ms`;
    if (s.error || n.error) {
      add("scenario", figure, s.error ? "error" : fmt(s.cpuUs / 1000, 1), n.error ? "error" : fmt(n.cpuUs / 1000, 1), "", "≤0.20", false);
    } else {
      const ratio = s.cpuUs / n.cpuUs;
      add("scenario", figure, fmt(s.cpuUs / 1000, 1), fmt(n.cpuUs / 1000, 1), ratio.toFixed(2), "≤0.20", ratio <= 0.2);
      add("scenario", `chat flow: user · system CPU ms (medians of each)`, `${fmt(s.userUs / 1000, 1)} · ${fmt(s.sysUs / 1000, 1)}`, `${fmt(n.userUs / 1000, 1)} · ${fmt(n.sysUs / 1000, 1)}`, "", "", undefined);
      add("scenario", `chat flow: wall s (process start → exit)`, fmt(s.wallUs / 1e6, 2), fmt(n.wallUs / 1e6, 2), (s.wallUs / n.wallUs).toFixed(2), "", undefined);
      add("scenario", `chat flow: peak RSS MB`, fmt(s.maxrssKb / 1024, 1), fmt(n.maxrssKb / 1024, 1), (s.maxrssKb / n.maxrssKb).toFixed(2), "", undefined);
      add("scenario", `chat flow: every run passed`, "yes", "yes", "", "all pass", true);
    }
  }
  if (results.load.clients) loadRows(results.load, add, fmt);
  if (results.server.clients) serverRows(results.server, add, fmt);
  if (results.import.records) importRows(results.import, add, fmt);
  if (results.proxy.counts) proxyRows(results.proxy, add, fmt);
  return rows;
}

function render(rows) {
  const header = ["benchmark", "figure", "SioScope", "Node ref.", "ratio", "target", "met"];
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...String(r[i])].length)));
  const pad = (s, w, right) => (right ? " ".repeat(w - [...s].length) + s : s + " ".repeat(w - [...s].length));
  const line = (r) => "| " + r.map((c, i) => pad(String(c), widths[i], i >= 2 && i <= 4)).join(" | ") + " |";
  const sep = "|" + widths.map((w, i) => (i >= 2 && i <= 4 ? "-".repeat(w + 1) + ":" : "-".repeat(w + 2))).join("|") + "|";
  return [line(header), sep, ...rows.map(line)].join("\n");
}

function environment() {
  const git = (args) => {
    try {
      return execFileSync("git", args, { cwd: path.join(__dirname, ".."), encoding: "utf8" }).trim();
    } catch (e) {
      return "?";
    }
  };
  const cpu = (os.cpus()[0] || {}).model || "?";
  const versions = ["socket.io", "socket.io-client", "socket.io-parser", "socket.io-msgpack-parser", "notepack.io"]
    .map((p) => `${p} ${JSON.parse(fs.readFileSync(path.join(peers.peersDir, "node_modules", p, "package.json"), "utf8")).version}`)
    .join(", ");
  return (
    `SioScope ${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--untracked-files=no"]) ? " (modified)" : ""}, ` +
    `${os.cpus().length} × ${cpu}, load ${os.loadavg().map((x) => x.toFixed(1)).join(" ")}, ` +
    `Node ${process.version}, ${versions}; medians of ${runs} runs` +
    (quick ? " (--quick: smaller counts)" : "")
  );
}

// --- main --------------------------------------------------------------------------------------

(async () => {
  let server = null;
  let msgpackServer = null;
  let code = 0;
  try {
    if (only.has("codec")) benchCodec();
    if (["ingest", "ack", "memory", "gui", "scenario", "load"].some((group) => only.has(group))) {
      server = await startServer();
      log(`reference server at ${server.url}`);
      if (only.has("ingest")) {
        msgpackServer = await startServer({ parser: "msgpack" }, "server-msgpack.log");
        log(`reference server with socket.io-msgpack-parser at ${msgpackServer.url}`);
        await benchIngest({ default: server.url, msgpack: msgpackServer.url });
      }
      if (only.has("ack")) benchAck(server.url);
      if (only.has("memory")) await benchMemory(server.url);
      if (only.has("gui")) benchGui(server.url);
      if (only.has("scenario")) benchScenario(server.url);
      if (only.has("load")) results.load = benchLoad({ url: server.url, tmp, cliBin, artilleryBin, measured, log, quick });
    }
    if (only.has("server")) results.server = await benchServer({ tmp, cliBin, fanoutBin: bin("sioscope-bench-fanout"), log, quick, runs });
    if (only.has("import")) results.import = benchImport({ tmp, importBin: bin("sioscope-bench-import"), measured, log, quick });
    if (only.has("proxy")) results.proxy = await benchProxy({ tmp, cliBin, log, quick, runs });
    const rows = table();
    const text = `${environment()}\n\n${render(rows)}\n`;
    process.stdout.write(text);
    if (markdownOut) fs.writeFileSync(markdownOut, text);
    if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify(results, null, 2) + "\n");
    // A group that could not measure (a failed run) is in the table as an error, and fails the run.
    if (results.scenario.sio?.error || results.scenario.node?.error) code = 1;
    if (results.load.sio?.error || results.load.artillery?.error) code = 1;
    if (results.server.sio?.error || results.server.node?.error) code = 1;
    if (results.import.sio?.error || results.import.jq?.error) code = 1;
    if (results.proxy.error || (results.proxy.log && !results.proxy.log.complete)) code = 1;
  } catch (e) {
    process.stderr.write(`driver.js: ${e.stack || e}\n`);
    if (server) process.stderr.write(fs.readFileSync(path.join(tmp, "server.log"), "utf8").slice(-4000));
    if (msgpackServer) process.stderr.write(fs.readFileSync(path.join(tmp, "server-msgpack.log"), "utf8").slice(-4000));
    code = 1;
  } finally {
    if (server) server.child.kill("SIGTERM");
    if (msgpackServer) msgpackServer.child.kill("SIGTERM");
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  process.exitCode = code;
})();
