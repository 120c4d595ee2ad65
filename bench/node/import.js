// The import group of bench/run: a JSON Lines log of ImportRecords small records (about 1 GB;
// 1/10 of it with --quick) written here in SioScope's format, opened in the main window by
// sioscope-bench-import (offscreen; the window shows the rows while the rest is read), and read by
// `jq -c . > /dev/null` as the anchor, in the same run. Reports the rate in MB/s, the time to the
// first painted rows, and the resident memory per record (peak − before the window opened).
"use strict";

const fs = require("fs");
const path = require("path");

// One record as `sioscope-cli record` writes an incoming event (docs/log-format.md).
function recordLine(i) {
  const us = String(i % 1000000).padStart(6, "0");
  const payload = `["tick",{"n":${i},"user":"alice"}]`;
  return (
    `{"ts":"2026-12-07T10:00:00.${us}Z","dir":"in","layer":"sio","type":"EVENT","nsp":"/",` +
    `"data":${payload},"transport":"websocket","raw":${JSON.stringify("42" + payload)}}\n`
  );
}

function writeLog(file, records) {
  const fd = fs.openSync(file, "w");
  try {
    const batch = 20000;
    for (let i = 0; i < records; i += batch) {
      let chunk = "";
      for (let j = i; j < Math.min(records, i + batch); j++) chunk += recordLine(j);
      fs.writeSync(fd, chunk);
    }
  } finally {
    fs.closeSync(fd);
  }
  return fs.statSync(file).size;
}

// Returns {records, bytes, sio: {...} | {error}, jq: {...} | {error}}.
function benchImport({ tmp, importBin, measured, log, quick }) {
  const records = quick ? 550000 : 5500000;
  const file = path.join(tmp, "import.jsonl");
  log(`import: writing ${records} records`);
  const bytes = writeLog(file, records);
  const out = { records, bytes, sio: {}, jq: {} };
  const timeoutS = quick ? 120 : 900;
  try {
    log(`import: sioscope-bench-import (${(bytes / 1e6).toFixed(0)} MB)`);
    const env = { ...process.env, QT_QPA_PLATFORM: "offscreen" };
    const r = measured(importBin, [file], timeoutS, env);
    const figures = JSON.parse(r.stdout.trim().split("\n").pop());
    if (!figures.completed || figures.records !== records)
      throw new Error(`${figures.records} of ${records} records read: ${figures.error}`);
    out.sio = { ...figures, usage: r.usage };
  } catch (e) {
    out.sio = { error: String(e.message || e) };
    log(`import sioscope: ${out.sio.error}`);
  }
  try {
    log("import: jq -c . > /dev/null");
    const r = measured("/bin/sh", ["-c", `exec jq -c . "$0" > /dev/null`, file], timeoutS);
    out.jq = { usage: r.usage };
  } catch (e) {
    out.jq = { error: String(e.message || e) };
    log(`import jq: ${out.jq.error}`);
  }
  fs.rmSync(file, { force: true });
  return out;
}

// The rows of the table, with `add(group, figure, sioscope, reference, ratio, target, met)`.
function importRows(imp, add, fmt) {
  const { records, bytes, sio: s, jq: j } = imp;
  const name = `${(bytes / 1e6).toFixed(0)} MB log, ${(records / 1e6).toFixed(2)} M records`;
  if (s.error || j.error) {
    add("import", `${name}: MB/s`, s.error ? "error" : "", j.error ? "error" : "", "", "≥ jq", false);
    return;
  }
  const mbps = (ms) => bytes / 1e6 / (ms / 1000);
  const sioRate = mbps(s.done_ms);
  const jqRate = mbps(j.usage.wall_us / 1000);
  add("import", `${name}: MB/s (whole file; jq -c . > /dev/null)`, fmt(sioRate, 1), fmt(jqRate, 1), (sioRate / jqRate).toFixed(2), "≥1", sioRate >= jqRate);
  add("import", `import: first rows painted, ms`, fmt(s.first_rows_ms, 0), "–", "", "≤200", s.first_rows_ms >= 0 && s.first_rows_ms <= 200);
  const perRecord = ((s.peak_rss_kb - s.rss_before_kb) * 1024) / records;
  add("import", `import: resident bytes per record (peak − before the window)`, fmt(perRecord, 1), fmt((j.usage.maxrss_kb * 1024) / records, 1), "", "≤100", perRecord <= 100);
  add("import", `import: the log's own store, bytes per record`, fmt(s.log_memory_bytes / records, 1), "–", "", "", undefined);
  add("import", `import: CPU s`, fmt(s.usage.cpu_us / 1e6, 1), fmt(j.usage.cpu_us / 1e6, 1), (s.usage.cpu_us / j.usage.cpu_us).toFixed(2), "", undefined);
}

module.exports = { benchImport, importRows };
