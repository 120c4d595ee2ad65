// Times cold starts of the sioscope program: from just before exec (this process's
// CLOCK_MONOTONIC, which process.hrtime reads) to the end of the window's first paint pass,
// as `sioscope --print-first-paint` reports it on the same clock. The figure therefore
// includes fork/exec, dynamic loading and Qt's platform plugin. driver.js runs it offscreen,
// and inside xvfb-run so that the X11 plugin is timed against a display it already has.
//
//   node coldstart.js <sioscope> [--runs N]      prints {"firstPaintMs":[...]}
"use strict";
const { spawnSync } = require("child_process");

const binary = process.argv[2];
const i = process.argv.indexOf("--runs");
const runs = Math.max(1, Math.min(25, Number(i > 0 ? process.argv[i + 1] : 5)));
const firstPaintMs = [];
for (let r = 0; r < runs; r++) {
  const started = process.hrtime.bigint();
  const out = spawnSync(binary, ["--print-first-paint"], { encoding: "utf8", timeout: 30000, stdio: ["ignore", "pipe", "pipe"] });
  const m = /^first-paint-ns (\d+)$/m.exec(out.stdout || "");
  if (out.status !== 0 || !m) {
    process.stderr.write(`coldstart.js: ${binary} --print-first-paint: exit ${out.status} ${out.signal || ""}\n${out.stderr}`);
    process.exit(1);
  }
  firstPaintMs.push(Number(BigInt(m[1]) - started) / 1e6);
}
process.stdout.write(JSON.stringify({ firstPaintMs }) + "\n");
