#!/usr/bin/env node
// Capture QMP replies from a real QEMU, byte for byte, as test fixtures.
//
//   node scripts/capture-qmp.mjs [--qemu PATH] [--out DIR] [--machine TYPE]
//                                [--timeout SECONDS] [COMMAND...]
//
// Starts QEMU with no guest (`-machine none -S`, TCG, no devices, no display)
// and a QMP server on a UNIX socket in a fresh temporary directory, performs
// the capabilities negotiation, runs each COMMAND (no arguments) in turn and
// writes its reply to DIR/COMMAND.json exactly as QEMU sent it: the bytes of
// the reply's JSON text, never parsed and re-serialized, so that integers
// beyond 2^53 stay exact. QEMU ends each message with "\r\n"; that framing is
// written as a plain "\n", so a file is the JSON text plus one LF (git's
// line-ending normalization can then never change it). The greeting goes to DIR/greeting.json;
// asynchronous events, if any arrive, go to DIR/events.jsonl.
//
// Defaults: QEMU `qemu-system-x86_64` from PATH, DIR test/fixtures/qemu-7.2
// (relative to the repository), commands query-qmp-schema,
// query-migrate-parameters, query-version, query-status, query-commands.
//
// Only a UNIX socket is used; nothing listens on the network. QEMU is killed
// and the temporary directory removed on every exit path (success, error,
// SIGINT, SIGTERM, SIGHUP).

import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const DEFAULT_OUT = path.join(REPO, "test", "fixtures", "qemu-7.2");
const DEFAULT_COMMANDS = [
  "query-qmp-schema",
  "query-migrate-parameters",
  "query-version",
  "query-status",
  "query-commands",
];
const USAGE = `usage: node scripts/capture-qmp.mjs [--qemu PATH] [--out DIR] [--machine TYPE] [--timeout SECONDS] [COMMAND...]
  --qemu PATH        QEMU system emulator (default: qemu-system-x86_64 from PATH)
  --out DIR          output directory (default: test/fixtures/qemu-7.2 in the repo)
  --machine TYPE     machine type (default: none)
  --timeout SECONDS  limit for each step: start, greeting, each reply (default: 20)
  COMMAND...         QMP commands to run, without arguments
                     (default: ${DEFAULT_COMMANDS.join(" ")})`;

class Fatal extends Error {}

function parseArgs(argv) {
  const opts = { qemu: null, out: DEFAULT_OUT, machine: "none", timeout: 20, commands: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const eq = a.indexOf("=");
      if (eq >= 0) return a.slice(eq + 1);
      if (i + 1 >= argv.length) throw new Fatal(`option ${a} needs a value\n${USAGE}`);
      return argv[++i];
    };
    const name = a.startsWith("--") ? a.split("=")[0] : a;
    switch (name) {
      case "-h":
      case "--help":
        process.stdout.write(USAGE + "\n");
        process.exit(0);
      case "--qemu": opts.qemu = value(); break;
      case "--out": opts.out = path.resolve(value()); break;
      case "--machine": opts.machine = value(); break;
      case "--timeout": {
        const t = Number(value());
        if (!(t > 0)) throw new Fatal(`--timeout must be a positive number of seconds`);
        opts.timeout = t;
        break;
      }
      default:
        if (a.startsWith("-")) throw new Fatal(`unknown option ${a}\n${USAGE}`);
        if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(a)) throw new Fatal(`not a QMP command name: ${a}`);
        opts.commands.push(a);
    }
  }
  if (opts.commands.length === 0) opts.commands = DEFAULT_COMMANDS;
  return opts;
}

function findQemu(explicit) {
  const isExec = (p) => {
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return fs.statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (explicit) {
    if (!isExec(explicit)) throw new Fatal(`QEMU not found or not executable: ${explicit}`);
    return explicit;
  }
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (!dir) continue;
    const p = path.join(dir, "qemu-system-x86_64");
    if (isExec(p)) return p;
  }
  throw new Fatal(
    "qemu-system-x86_64 is not installed (not on PATH).\n" +
      "Install it (Debian: apt-get install qemu-system-x86) or pass --qemu PATH.",
  );
}

// ---- cleanup, on every exit path ----------------------------------------

let child = null;
let tmpDir = null;

function cleanup() {
  if (child && child.exitCode === null && child.signalCode === null) {
    try { child.kill("SIGKILL"); } catch { /* already gone */ }
  }
  if (tmpDir) {
    try { fs.rmSync(tmpDir, { recursive: true, force: true }); } catch { /* best effort */ }
    tmpDir = null;
  }
}
process.on("exit", cleanup);
for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143], ["SIGHUP", 129]]) {
  process.on(sig, () => {
    process.stderr.write(`capture-qmp: interrupted by ${sig}\n`);
    cleanup();
    process.exit(code);
  });
}

// ---- QMP over a UNIX socket ---------------------------------------------

/** Splits the byte stream into lines: Buffers of the JSON text, without "\r\n" or "\n". */
class LineReader {
  constructor(socket) {
    this.chunks = [];
    this.lines = [];
    this.waiter = null;
    this.error = null;
    socket.on("data", (data) => {
      let start = 0;
      for (let nl = data.indexOf(10); nl >= 0; nl = data.indexOf(10, start)) {
        this.chunks.push(data.subarray(start, nl));
        let line = Buffer.concat(this.chunks);
        if (line.length && line[line.length - 1] === 13) line = line.subarray(0, line.length - 1);
        this.lines.push(line);
        this.chunks = [];
        start = nl + 1;
      }
      if (start < data.length) this.chunks.push(Buffer.from(data.subarray(start)));
      this.wake();
    });
    socket.on("error", (e) => { this.error ??= new Fatal(`QMP socket error: ${e.message}`); this.wake(); });
    socket.on("close", () => { this.error ??= new Fatal("QEMU closed the QMP connection"); this.wake(); });
  }
  wake() {
    const w = this.waiter;
    this.waiter = null;
    if (w) w();
  }
  /** The next line, or a Fatal error after `ms` milliseconds. */
  async next(ms, what) {
    const deadline = Date.now() + ms;
    for (;;) {
      if (this.lines.length) return this.lines.shift();
      if (this.error) throw this.error;
      const left = deadline - Date.now();
      if (left <= 0) throw new Fatal(`timed out after ${ms / 1000} s waiting for ${what}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => { clearTimeout(t); resolve(); };
      });
    }
  }
}

/** Parses a line only to classify it; the saved bytes are the line itself. */
function classify(line) {
  let msg;
  try {
    msg = JSON.parse(line.toString("utf8"));
  } catch (e) {
    throw new Fatal(`QEMU sent a line that is not JSON (${e.message}): ${line.toString("utf8").slice(0, 200)}`);
  }
  if (msg === null || typeof msg !== "object" || Array.isArray(msg)) {
    throw new Fatal(`QEMU sent a JSON value that is not an object: ${line.toString("utf8").slice(0, 200)}`);
  }
  if ("event" in msg) return { kind: "event", msg };
  if ("QMP" in msg) return { kind: "greeting", msg };
  if ("return" in msg) return { kind: "return", msg };
  if ("error" in msg) return { kind: "error", msg };
  throw new Fatal(`unexpected QMP message: ${line.toString("utf8").slice(0, 200)}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connectWhenReady(sock, ms, qemuState) {
  const deadline = Date.now() + ms;
  let lastError = null;
  for (;;) {
    if (qemuState.exited) {
      throw new Fatal(`QEMU exited (${qemuState.exited}) before its QMP socket accepted a connection.\n${qemuState.stderr}`);
    }
    if (Date.now() > deadline) {
      throw new Fatal(`timed out after ${ms / 1000} s waiting for QEMU's QMP socket ${sock}` +
        (lastError ? ` (last error: ${lastError.code || lastError.message})` : "") +
        (qemuState.stderr ? `\nQEMU stderr:\n${qemuState.stderr}` : ""));
    }
    if (fs.existsSync(sock)) {
      try {
        return await new Promise((resolve, reject) => {
          const s = net.createConnection({ path: sock });
          s.once("connect", () => { s.removeListener("error", reject); resolve(s); });
          s.once("error", reject);
        });
      } catch (e) {
        lastError = e;
      }
    }
    await sleep(50);
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const qemu = findQemu(opts.qemu);
  const ms = opts.timeout * 1000;

  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "capture-qmp-"));
  const sock = path.join(tmpDir, "qmp.sock");
  const args = [
    "-machine", opts.machine,
    "-accel", "tcg",
    "-nodefaults",
    "-no-user-config",
    "-nographic",
    "-display", "none",
    "-serial", "none",
    "-monitor", "none",
    "-S",
    "-qmp", `unix:${sock},server=on,wait=off`,
  ];
  process.stderr.write(`capture-qmp: ${qemu} ${args.join(" ")}\n`);

  const qemuState = { exited: null, stderr: "" };
  child = spawn(qemu, args, { stdio: ["ignore", "ignore", "pipe"] });
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d) => { if (qemuState.stderr.length < 8192) qemuState.stderr += d; });
  child.on("error", (e) => { qemuState.exited = `failed to start: ${e.message}`; });
  child.on("exit", (code, signal) => { qemuState.exited = signal ? `signal ${signal}` : `exit code ${code}`; });

  const socket = await connectWhenReady(sock, ms, qemuState);
  const reader = new LineReader(socket);
  const events = [];

  // Next non-event message; events are kept aside, as received.
  const nextMessage = async (what) => {
    for (;;) {
      const line = await reader.next(ms, what);
      if (line.toString("latin1").trim() === "") continue;
      const c = classify(line);
      if (c.kind === "event") { events.push(line); continue; }
      return { line, ...c };
    }
  };

  const greeting = await nextMessage("the QMP greeting");
  if (greeting.kind !== "greeting") throw new Fatal(`expected the QMP greeting, got: ${greeting.line}`);
  const v = greeting.msg.QMP?.version?.qemu;
  const version = v ? `${v.major}.${v.minor}.${v.micro}` : "unknown";
  process.stderr.write(`capture-qmp: QEMU ${version} ${greeting.msg.QMP?.version?.package ?? ""}\n`);

  socket.write('{"execute":"qmp_capabilities"}\n');
  const caps = await nextMessage("the reply to qmp_capabilities");
  if (caps.kind !== "return") throw new Fatal(`qmp_capabilities failed: ${caps.line}`);

  const replies = [];
  const failures = [];
  for (const cmd of opts.commands) {
    socket.write(JSON.stringify({ execute: cmd }) + "\n");
    const r = await nextMessage(`the reply to ${cmd}`);
    if (r.kind === "return") {
      replies.push([cmd, r.line]);
    } else {
      failures.push(`${cmd}: ${r.line.toString("utf8").trim()}`);
    }
  }

  // Ask QEMU to quit politely; cleanup() kills it if it lingers.
  socket.write('{"execute":"quit"}\n');
  await Promise.race([
    new Promise((r) => (qemuState.exited ? r() : child.once("exit", r))),
    sleep(2000),
  ]);
  socket.destroy();

  fs.mkdirSync(opts.out, { recursive: true });
  const LF = Buffer.from("\n");
  const write = (name, data) => {
    const file = path.join(opts.out, name);
    data = Buffer.concat([data, LF]);
    fs.writeFileSync(file, data);
    process.stderr.write(`capture-qmp: wrote ${path.relative(process.cwd(), file) || file} (${data.length} bytes)\n`);
  };
  write("greeting.json", greeting.line);
  for (const [cmd, line] of replies) write(`${cmd}.json`, line);
  if (events.length) write("events.jsonl", Buffer.concat(events.flatMap((e, i) => (i ? [LF, e] : [e]))));
  else fs.rmSync(path.join(opts.out, "events.jsonl"), { force: true }); // none from an older run

  if (opts.out === DEFAULT_OUT && !version.startsWith("7.2.")) {
    process.stderr.write(`capture-qmp: warning: QEMU ${version} written to the qemu-7.2 fixture directory\n`);
  }
  if (failures.length) {
    throw new Fatal(`${failures.length} command(s) failed:\n  ${failures.join("\n  ")}`);
  }
}

main().then(
  () => { cleanup(); process.exit(0); },
  (e) => {
    process.stderr.write(`capture-qmp: error: ${e instanceof Fatal ? e.message : e.stack || e}\n`);
    cleanup();
    process.exit(1);
  },
);
