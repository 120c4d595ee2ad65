// Starting the bench's servers and middleboxes: a child process that is ready once it prints the
// port it listens on.
"use strict";
const fs = require("fs");
const path = require("path");
const readline = require("readline");
const { spawn } = require("child_process");

// Starts a process and resolves {child, port} from the first line `pattern` matches on `stream`
// (the stream is copied to logFile).
function startProcess(command, args, stream, pattern, logFile) {
  return new Promise((resolve, reject) => {
    const errFd = fs.openSync(logFile, "w");
    const stdio = stream === "stdout" ? ["ignore", "pipe", errFd] : ["ignore", errFd, "pipe"];
    const child = spawn(command, args, { stdio });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${path.basename(command)} did not start in 15 s`));
    }, 15000);
    let started = false;
    readline.createInterface({ input: child[stream] }).on("line", (line) => {
      // Through the open descriptor: the log's directory may be gone before the last line.
      if (stream === "stderr") fs.writeSync(errFd, line + "\n");
      const m = pattern.exec(line);
      if (!m || started) return;
      started = true;
      clearTimeout(timer);
      resolve({ child, port: Number(m[1]) });
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`${command}: ${e.message}`));
    });
    // Once started, an exit is the caller's to handle (the bench's temporary directory, with the
    // log, may be gone by then).
    child.on("exit", (code) => {
      clearTimeout(timer);
      if (started) return;
      let tail = "";
      try {
        tail = fs.readFileSync(logFile, "utf8").slice(-1000);
      } catch (e) {
        tail = `(unreadable: ${e.message})`;
      }
      reject(new Error(`${path.basename(command)} exited (${code}) before listening; ${logFile}: ${tail}`));
    });
  });
}

module.exports = { startProcess };
