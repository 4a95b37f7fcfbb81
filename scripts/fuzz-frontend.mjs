#!/usr/bin/env node
/**
 * Differential fuzzer for the front end: qapi-ts against QEMU 10.2.2's own.
 *
 *   node scripts/fuzz-frontend.mjs [--seed N] [--count N] [--tree-ratio R]
 *        [--out DIR] [--no-minimize] [--cli-sample N] [--quiet]
 *
 * Every case is a schema mutated from a seed: a conformance case or a module
 * of QEMU 10.2.2 (single files), or a whole copy of the 10.2.2 tree with one
 * module mutated (tree cases). Mutations are structure-aware (expressions
 * parsed and edited: keys renamed, dropped, added, values retyped, names,
 * features, 'if'; doc comments: sentences, spacing, long lines, indentation,
 * literal blocks, section tags, Unicode) or byte-level (insert, delete,
 * replace bytes).
 *
 * QEMU's front end runs in one long-lived python3 process
 * (scripts/qemu-frontend.py: paths on stdin, JSON verdicts on stdout);
 * qapi-ts's runs in-process from dist/, and its result is turned into what
 * `qapi-ts check` prints on stderr (the CLI's rules, checked against the real
 * CLI for --cli-sample cases). The two must be equal byte for byte, except
 * that the CLI's closing `--lenient-docs` hint line (a qapi-ts addition) is
 * left out. Where QEMU crashes (a Python traceback), any clean qapi-ts error
 * is right.
 *
 * Prints the counts by class and writes a minimal reproducer per difference
 * class (first few of each) under --out (default tmp/fuzz-frontend).
 *
 * The core is exported (`runFuzz`) for test/frontend/differential.test.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = resolve(ROOT, '..', 'shared');
export const QEMU_SCRIPTS = join(SHARED, 'qemu-generator', 'scripts');
export const CONFORMANCE_DIR = join(SHARED, 'conformance', 'qapi-schema');
export const TREE_DIR = join(SHARED, 'qemu', '10.2.2', 'qapi');
const ORACLE = join(ROOT, 'scripts', 'qemu-frontend.py');
const CLI = join(ROOT, 'dist', 'generator', 'cli.js');

/** The hint line `qapi-ts check` adds after a doc-rule error (not QEMU's). */
export const HINT_PREFIX = 'qapi-ts: hint: ';

// ---------------------------------------------------------------------------
// Random numbers: a small seeded generator, one stream per case.

function mulberry32(a) {
  return () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Rng {
  constructor(seed) {
    this.next = mulberry32(seed >>> 0);
  }
  int(n) {
    return Math.floor(this.next() * n);
  }
  range(lo, hi) {
    return lo + this.int(hi - lo + 1);
  }
  chance(p) {
    return this.next() < p;
  }
  pick(arr) {
    return arr[this.int(arr.length)];
  }
}

function caseSeed(seed, i) {
  let h = (seed * 0x9e3779b1) ^ (i * 0x85ebca77);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  return (h ^ (h >>> 15)) >>> 0;
}

// ---------------------------------------------------------------------------
// QEMU's front end: one python3 process, one JSON line per path.

export class QemuOracle {
  constructor() {
    this.child = spawn('python3', [ORACLE, QEMU_SCRIPTS], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    });
    this.waiting = [];
    this.stderr = '';
    this.child.stderr.setEncoding('utf8').on('data', (d) => (this.stderr += d));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const w = this.waiting.shift();
      if (w) w.resolve(JSON.parse(line));
    });
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`QEMU oracle exited (${code}): ${this.stderr}`));
    });
  }
  /** QEMU's verdict for one schema file: {ok}, {ok:false,msg} or {crash}. */
  check(path) {
    return new Promise((resolvePromise, reject) => {
      this.waiting.push({ resolve: resolvePromise, reject });
      this.child.stdin.write(path + '\n');
    });
  }
  close() {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------------------
// qapi-ts's front end, in-process, formatted as `qapi-ts check` prints it.

let tsModules = null;

export async function loadTs() {
  if (!tsModules) {
    const schema = await import(pathToFileURL(join(ROOT, 'dist', 'generator', 'model', 'schema.js')).href);
    const source = await import(pathToFileURL(join(ROOT, 'dist', 'generator', 'source', 'source-info.js')).href);
    tsModules = { loadSchema: schema.loadSchema, QapiError: source.QapiError };
  }
  return tsModules;
}

function isSystemError(err) {
  return err instanceof Error && typeof err.code === 'string' && /^E[A-Z0-9]+$/.test(err.code) && typeof err.syscall === 'string';
}

/**
 * What `qapi-ts check PATH` prints on stderr and its exit status, following
 * run() and load() in generator/cli.ts (without the hint line).
 */
export function tsCheck(path) {
  if (!tsModules) throw new Error("call loadTs() first");
  const { loadSchema, QapiError } = tsModules;
  let stderr = '';
  let status = 0;
  try {
    loadSchema(path, { lenientDocs: false, warn: (m) => (stderr += m + '\n') });
  } catch (err) {
    status = 1;
    if (err instanceof QapiError) stderr += err.message + '\n';
    else if (err instanceof Error && (err.name === 'WriteOutputError' || err instanceof SyntaxError || err.constructor.name === 'CompatPolicySyntaxError' || err.message.startsWith('--'))) stderr += `qapi-ts: ${err.message}\n`;
    else if (isSystemError(err)) stderr += `qapi-ts: ${err.message}\n`;
    else {
      stderr += `qapi-ts: internal error: ${err instanceof Error ? err.message : String(err)}\n`;
      status = 2;
    }
  }
  return { status, stderr };
}

/** The real CLI's stderr and status, the hint line left out. */
export function cliCheck(path) {
  const r = spawnSync(process.execPath, [CLI, 'check', path], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: stripHint(r.stderr) };
}

export function stripHint(stderr) {
  const lines = stderr.split('\n');
  // stderr ends with '\n': the last element is ''.
  if (lines.length >= 2 && lines[lines.length - 2].startsWith(HINT_PREFIX)) lines.splice(lines.length - 2, 1);
  return lines.join('\n');
}

const STACK = /\n\s+at .+:\d+:\d+\)?/;

/** The rule a QEMU message states, without locations and names. */
function template(msg) {
  const lines = msg.split('\n').filter((l) => !/^In file included from /.test(l) && !/^\s+from .*:\d+:$/.test(l) && !/: In [a-z ]+ '[^']*':$/.test(l) && !/: In .*:$/.test(l));
  const line = (lines[0] ?? msg).replace(/^.*?:\d+(?::\d+)?: /, '');
  return line.replace(/'[^' ]*'/g, "'…'").slice(0, 90);
}

/** The class of one case: agree/accept, agree/reject, qemu-crash, or differ/... */
export function classify(qemu, ts) {
  if (STACK.test(ts.stderr)) return 'differ/ts-stack-trace';
  if (qemu.crash !== undefined) {
    if (ts.status === 0) return 'differ/qemu-crash-ts-accepts';
    return `qemu-crash (${qemu.crash.split(':')[0]})`;
  }
  if (ts.status === 2) return `differ/ts-internal-error: ${template(qemu.ok ? ts.stderr : qemu.msg)}`;
  if (qemu.ok) return ts.status === 0 && ts.stderr === '' ? 'agree/accept' : `differ/ts-rejects: ${template(ts.stderr.trimEnd())}`;
  if (ts.status === 0) return `differ/ts-accepts: ${template(qemu.msg)}`;
  if (ts.stderr === qemu.msg + '\n') return 'agree/reject';
  const strip = (s) => s.trimEnd().split('\n').map((l) => l.replace(/^.*?:\d+(?::\d+)?: /, '')).join('\n');
  return `differ/${strip(ts.stderr) === strip(qemu.msg) ? 'location' : 'message'}: ${template(qemu.msg)}`;
}

// ---------------------------------------------------------------------------
// A reader for QAPI expressions (for structure-aware mutation only; the
// cases themselves are judged by the two front ends).

function parseExprs(text) {
  let i = 0;
  const n = text.length;
  const exprs = [];
  const skip = () => {
    for (;;) {
      while (i < n && /\s/.test(text[i])) i++;
      if (text[i] === '#') {
        while (i < n && text[i] !== '\n') i++;
        continue;
      }
      return;
    }
  };
  const value = () => {
    skip();
    const c = text[i];
    if (c === '{') {
      i++;
      const m = new Map();
      skip();
      if (text[i] === '}') {
        i++;
        return m;
      }
      for (;;) {
        const k = value();
        if (typeof k !== 'string') throw new Error('key');
        skip();
        if (text[i++] !== ':') throw new Error(':');
        m.set(k, value());
        skip();
        if (text[i] === '}') {
          i++;
          return m;
        }
        if (text[i++] !== ',') throw new Error(',');
      }
    }
    if (c === '[') {
      i++;
      const a = [];
      skip();
      if (text[i] === ']') {
        i++;
        return a;
      }
      for (;;) {
        a.push(value());
        skip();
        if (text[i] === ']') {
          i++;
          return a;
        }
        if (text[i++] !== ',') throw new Error(',');
      }
    }
    if (c === "'") {
      let s = '';
      i++;
      while (text[i] !== "'") {
        if (i >= n || text[i] === '\n') throw new Error('str');
        if (text[i] === '\\') i++;
        s += text[i++];
      }
      i++;
      return s;
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    throw new Error('value');
  };
  try {
    for (;;) {
      skip();
      if (i >= n) break;
      const start = i;
      const v = value();
      exprs.push({ start, end: i, value: v });
    }
  } catch {
    return exprs.length ? exprs : null;
  }
  return exprs;
}

function ser(v, depth = 0) {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\')}'`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[ ${v.map((x) => ser(x, depth + 1)).join(', ')} ]`;
  const parts = [...v].map(([k, x]) => `${ser(k)}: ${ser(x, depth + 1)}`);
  if (depth === 0 && parts.length > 2) return `{ ${parts.join(',\n  ')} }`;
  return parts.length ? `{ ${parts.join(', ')} }` : '{}';
}

/** Every dict and array in a value, with a way to replace it in its parent. */
function nodes(v, out = [], parent = null, key = null) {
  if (v instanceof Map || Array.isArray(v) || typeof v === 'string' || typeof v === 'boolean') out.push({ v, parent, key });
  if (v instanceof Map) for (const [k, x] of v) nodes(x, out, v, k);
  else if (Array.isArray(v)) v.forEach((x, idx) => nodes(x, out, v, idx));
  return out;
}

function setChild(parent, key, value) {
  if (parent instanceof Map) parent.set(key, value);
  else parent[key] = value;
}

const KEYS = ['enum', 'struct', 'union', 'alternate', 'command', 'event', 'data', 'base', 'discriminator', 'if', 'features', 'prefix', 'returns', 'boxed', 'gen', 'success-response', 'allow-oob', 'allow-preconfig', 'coroutine', 'type', 'name', 'include', 'pragma', 'doc-required', 'command-name-exceptions', 'command-returns-exceptions', 'documentation-exceptions', 'member-name-exceptions', 'all', 'any', 'not', 'bogus', '*opt'];
const TYPES = ['int', 'str', 'bool', 'number', 'any', 'null', 'size', 'int8', 'uint64', 'QType', 'String', 'StrOrNull', 'BlockdevOptions'];
const CONDS = ['CONFIG_LINUX', 'TARGET_I386', 'config_bad', 'CONFIG-X', '', 'A B'];
const FEATS = ['deprecated', 'unstable', 'feat-a', 'Feat', 'x-feat', 'my_feat', '__org.qemu_f', 'q_x'];

function randomCond(rng, depth = 0) {
  const r = rng.int(depth > 1 ? 2 : 7);
  if (r <= 1) return rng.pick(CONDS);
  if (r === 2) return new Map([['not', randomCond(rng, depth + 1)]]);
  if (r === 3) return new Map([[rng.pick(['all', 'any']), Array.from({ length: rng.int(3) }, () => randomCond(rng, depth + 1))]]);
  if (r === 4) return new Map([['all', [randomCond(rng, depth + 1)]], ['any', []]]);
  if (r === 5) return [rng.pick(CONDS)];
  return new Map([['bogus', 'X']]);
}

function randomFeatures(rng) {
  const r = rng.int(6);
  if (r === 0) return rng.pick(FEATS);
  return Array.from({ length: rng.range(1, 2) }, () => {
    const f = rng.pick(FEATS);
    if (rng.chance(0.3)) return new Map([['name', f], ['if', randomCond(rng)]]);
    if (rng.chance(0.1)) return new Map([['name', [f]]]);
    if (rng.chance(0.1)) return new Map([['nam', f]]);
    return f;
  });
}

function mutateName(rng, s, names) {
  switch (rng.int(14)) {
    case 0: return s.toUpperCase();
    case 1: return s.toLowerCase();
    case 2: return s + 'List';
    case 3: return 'x-' + s;
    case 4: return '__com.example_' + s;
    case 5: return s.replace(/-/g, '_');
    case 6: return s.replace(/_/g, '-');
    case 7: return 'q_' + s;
    case 8: return rng.pick(['has_x', 'u', '9lives', '', 'a b', 'x.y', '*', '*a']);
    case 9: return s.slice(0, Math.max(1, s.length - 1));
    case 10: return rng.pick(names) ?? s;
    case 11: return s.charAt(0).toUpperCase() + s.slice(1);
    case 12: return s + rng.pick(['2', '-', '_']);
    default: return rng.pick(TYPES);
  }
}

function randomValue(rng, names) {
  switch (rng.int(9)) {
    case 0: return rng.pick(TYPES);
    case 1: return [rng.pick(TYPES)];
    case 2: return [];
    case 3: return new Map();
    case 4: return rng.chance(0.5);
    case 5: return rng.pick(names) ?? 'int';
    case 6: return new Map([[rng.pick(['a', '*b', 'c-d']), rng.pick(TYPES)]]);
    case 7: return [rng.pick(TYPES), rng.pick(TYPES)];
    default: return new Map([['type', rng.pick(TYPES)]]);
  }
}

/** One structure-aware edit of one expression. Returns the new text, or null. */
function mutateExpr(rng, text) {
  const exprs = parseExprs(text);
  if (!exprs || !exprs.length) return null;
  const names = [];
  for (const e of exprs) for (const nd of nodes(e.value)) if (typeof nd.v === 'string') names.push(nd.v);
  const op = rng.int(12);
  if (op === 0 && exprs.length > 1) {
    // Delete an expression.
    const e = rng.pick(exprs);
    return text.slice(0, e.start) + text.slice(e.end);
  }
  if (op === 1) {
    // Duplicate an expression after itself.
    const e = rng.pick(exprs);
    return text.slice(0, e.end) + '\n' + text.slice(e.start, e.end) + text.slice(e.end);
  }
  const e = rng.pick(exprs);
  const all = nodes(e.value);
  const dicts = all.filter((nd) => nd.v instanceof Map);
  const strs = all.filter((nd) => typeof nd.v === 'string' && nd.parent);
  const keyed = [];
  for (const d of dicts) for (const k of d.v.keys()) keyed.push({ d: d.v, k });
  let changed = false;
  switch (op) {
    case 2: // drop a key
      if (keyed.length) {
        const { d, k } = rng.pick(keyed);
        d.delete(k);
        changed = true;
      }
      break;
    case 3: // rename a key, keeping its place
      if (keyed.length) {
        const { d, k } = rng.pick(keyed);
        const nk = rng.chance(0.5) ? rng.pick(KEYS) : k.startsWith('*') ? k.slice(1) : rng.chance(0.5) ? '*' + k : mutateName(rng, k, names);
        if (!d.has(nk)) {
          const entries = [...d].map(([kk, vv]) => (kk === k ? [nk, vv] : [kk, vv]));
          d.clear();
          for (const [kk, vv] of entries) d.set(kk, vv);
          changed = true;
        }
      }
      break;
    case 4: // add a key
      if (dicts.length) {
        const d = rng.pick(dicts).v;
        const k = rng.pick(KEYS);
        d.set(k, k === 'if' ? randomCond(rng) : k === 'features' ? randomFeatures(rng) : randomValue(rng, names));
        changed = true;
      }
      break;
    case 5: // retype a value
    case 6:
      if (all.length > 1) {
        const nd = rng.pick(all.filter((x) => x.parent));
        setChild(nd.parent, nd.key, randomValue(rng, names));
        changed = true;
      }
      break;
    case 7: // rename a name
    case 8:
      if (strs.length) {
        const nd = rng.pick(strs);
        setChild(nd.parent, nd.key, mutateName(rng, nd.v, names));
        changed = true;
      }
      break;
    case 9: // features
      if (dicts.length) {
        rng.pick(dicts).v.set('features', randomFeatures(rng));
        changed = true;
      }
      break;
    case 10: // 'if'
      if (dicts.length) {
        rng.pick(dicts).v.set('if', randomCond(rng));
        changed = true;
      }
      break;
    default: // make a member optional, or a type an array
      if (keyed.length) {
        const { d, k } = rng.pick(keyed);
        const v = d.get(k);
        if (typeof v === 'string') d.set(k, [v]);
        else if (Array.isArray(v) && v.length === 1) d.set(k, v[0]);
        else d.set(k, rng.pick(TYPES));
        changed = true;
      }
  }
  if (!changed) return null;
  return text.slice(0, e.start) + ser(e.value) + text.slice(e.end);
}

// ---------------------------------------------------------------------------
// Doc-comment edits.

const SNIPPETS = [
  '. Foo', '. foo', '.  Foo', '? Yes', '! No', '... Then', ' e.g. Foo', ' i.e. Foo', ' a. Foo', ' Step 3. Go', '.) Foo', ' (e.g. Bar)',
  ' etc. (See', ' vs. 2', ' xe.g. Foo', ' ée.g. Foo', '.\tFoo', '. \u00a0Foo', ' U.S. Army', '. 1 more', '. (Note', ' it. and',
  '.  (x) Y', ' e.g.  Foo', ' e.g. e.g. Foo', '. É', ' ok.Now', ' @arg. Foo', ' 3.5. X', ' v2.0. Next',
];
const PREFIXES = ['1. Foo', ' 2. Bar', '10. Baz', 'a. Foo', '\u0663. Foo', 'e.g. Foo', '  e.g. Foo', '9.  Foo', '1.Foo', '(1) Foo', '- Foo. Bar', '* 1. X'];
const FILLERS = ['word ', 'x', 'é', '😀', '漢', 'e\u0301', '\t', 'ab cd ', '\u00a0'];
const OPENERS = ['::', '  ::', 'Example::', '.. qmp-example::', '..  qmp-example::', '.. qmp-example ::', '.. code-block:: json', '.. code::', ':: x', '.. qmp-example:: Foo', '.. note::', 'Some text::', '\t::', '.. qmp-example::  '];
const TAGS = ['Returns: foo', 'Errors: x', 'Since: 1.0', 'Since:', 'Note: x', 'Notes: x', 'Notes::', 'Example:', 'Examples::', 'TODO: x', 'Features:', '@foo: bar', '@: x', '= Heading', '== Sub', 'Returns:', 'Returns::', 'Errors:'];
const UNICODE = ['\u00a0', '\u2028', '\u3000', '\u200b', '😀', '\ufeff', '\x0b', '\x1c', '\x85', '\t', 'é', '\u2003'];

/** Lines of the text that belong to doc comments (between `##` lines). */
function docLineIndexes(lines) {
  const idx = [];
  let inDoc = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (/^\s*##/.test(l)) {
      inDoc = !inDoc;
      continue;
    }
    if (inDoc && /^\s*#/.test(l)) idx.push(i);
    else if (inDoc) inDoc = false;
  }
  return idx;
}

function pad(rng, line, target) {
  const filler = rng.pick(FILLERS);
  let s = line;
  const cps = () => [...s].length;
  if (cps() < 2) s = '# ';
  while (cps() < target) s += filler;
  while (cps() > target) s = [...s].slice(0, target).join('');
  return s;
}

function mutateDoc(rng, text) {
  const lines = text.split('\n');
  let idx = docLineIndexes(lines);
  if (!idx.length) {
    // Give the text a doc comment to work on.
    lines.unshift('##', '# Intro.', '##');
    idx = [1];
  }
  const i = rng.pick(idx);
  const l = lines[i];
  switch (rng.int(14)) {
    case 0: lines[i] = l + rng.pick(SNIPPETS); break;
    case 1: lines[i] = '# ' + rng.pick(PREFIXES) + (rng.chance(0.5) ? rng.pick(SNIPPETS) : ''); break;
    case 2: { // length around 70, in code points
      const target = rng.pick([68, 69, 70, 71, 72, 80, 100]);
      lines[i] = pad(rng, l.length > 2 ? l : '# text', target);
      break;
    }
    case 3: { // URL lines
      const url = rng.pick(['https://', 'http://', 'ftp://', 'file://', 'HTTPS://']) + 'example.com/' + 'a'.repeat(rng.range(40, 80)) + rng.pick(['', ' x', '\t', '/']);
      lines[i] = '#' + ' '.repeat(rng.range(1, 4)) + rng.pick(['', '<', '- ']) + url;
      break;
    }
    case 4: { // indentation
      const m = /^#( *)(.*)$/.exec(l);
      if (m) lines[i] = '# ' + ' '.repeat(Math.max(0, m[1].length - 1 + rng.range(-3, 4))) + m[2];
      else lines[i] = '#\t' + l.slice(1);
      break;
    }
    case 5: // delete a line (often a blank one)
      if (rng.chance(0.6)) {
        const blanks = idx.filter((j) => lines[j] === '#');
        lines.splice(blanks.length ? rng.pick(blanks) : i, 1);
      } else lines.splice(i, 1);
      break;
    case 6: lines.splice(i, 0, rng.pick(['#', '# ', '#  '])); break;
    case 7: { // a literal block
      const ind = ' '.repeat(rng.pick([0, 1, 2, 3, 4, 6]));
      const block = ['# ' + rng.pick(OPENERS)];
      if (rng.chance(0.7)) block.push('#');
      for (let k = rng.range(1, 3); k > 0; k--) {
        const body = rng.pick(['Mr. Smith. Done.', 'x '.repeat(40), '-> { "execute": "x" }', '😀'.repeat(70), 'a. B', 'e.g. Foo']);
        block.push('# ' + ind + (rng.chance(0.2) ? ' '.repeat(rng.range(0, 3)) : '') + body);
        if (rng.chance(0.3)) block.push('#');
      }
      if (rng.chance(0.6)) block.push('# ' + rng.pick(['Back. To prose.', 'Back to prose.', 'x '.repeat(38), '  Less. Indented.', ind.slice(1) + 'One. Less.']));
      lines.splice(i, 0, ...block);
      break;
    }
    case 8: lines.splice(i, 0, '# ' + rng.pick(TAGS)); break;
    case 9: lines[i] = rng.pick(['#x', '##x', '#\t', '#' + l.slice(2), '  ' + l, '# ' + l, l + ' #']); break;
    case 10: { // Unicode in the line
      const cps = [...l];
      const at = rng.range(Math.min(2, cps.length), cps.length);
      cps.splice(at, 0, rng.pick(UNICODE));
      lines[i] = cps.join('');
      break;
    }
    case 11: lines[i] = l + rng.pick([' ', '  ', '\t', '\u00a0', '\x0c']); break;
    case 12: { // member descriptions: second line de-indented or not
      const body = rng.pick(['@a: first', '@foo: first line of', 'Since: 9.0', 'Returns: x']);
      const ind = rng.range(0, 5);
      lines.splice(i, 0, '# ' + body, '# ' + ' '.repeat(ind) + 'second line', ...(rng.chance(0.5) ? ['# ' + ' '.repeat(rng.range(0, 5)) + 'third line'] : []));
      break;
    }
    default: // a sentence with one space
      lines.splice(i, 0, '# ' + rng.pick(['This is it. And', 'Done. 2 more', 'See (A). (B) too', 'Yes! No', 'What? Why', 'Ok... Fine', 'a. Foo', 'e.g. Foo']));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// Byte-level edits.

const BYTES = [0x7b, 0x7d, 0x5b, 0x5d, 0x3a, 0x2c, 0x27, 0x22, 0x23, 0x0a, 0x0d, 0x09, 0x20, 0x5c, 0x00, 0x7f, 0x80, 0xff, 0xc3, 0xe2, 0x0b, 0x0c, 0x41, 0x61, 0x74, 0x66, 0x2a, 0x40];
const SEQS = [[0xef, 0xbb, 0xbf], [0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0xc2, 0xa0], [0xe2, 0x80, 0xa8], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0x0d, 0x0a], [0x74, 0x72, 0x75, 0x65]];

function mutateBytes(rng, buf) {
  const b = [...buf];
  const count = rng.range(1, 3);
  for (let k = 0; k < count; k++) {
    const at = rng.chance(0.05) ? 0 : rng.int(b.length + 1);
    const ins = rng.chance(0.3) ? rng.pick(SEQS) : [rng.chance(0.8) ? rng.pick(BYTES) : rng.int(256)];
    switch (rng.int(3)) {
      case 0: b.splice(at, 0, ...ins); break;
      case 1: b.splice(at, rng.range(1, 4)); break;
      default: b.splice(at, ins.length, ...ins);
    }
  }
  return Buffer.from(b);
}

/** One to three edits of a schema text; the result is bytes. */
function mutate(rng, text) {
  const n = rng.chance(0.6) ? 1 : rng.chance(0.75) ? 2 : 3;
  let t = text;
  for (let k = 0; k < n; k++) {
    const r = rng.next();
    if (r < 0.45) t = mutateDoc(rng, t);
    else if (r < 0.85) t = mutateExpr(rng, t) ?? mutateDoc(rng, t);
    else return mutateBytes(rng, Buffer.from(t, 'utf8'));
  }
  return Buffer.from(t, 'utf8');
}

// ---------------------------------------------------------------------------
// The run.

function listJson(dir) {
  return readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
}

/**
 * Runs `count` cases from `seed`. Options: treeRatio (share of tree cases),
 * fullRatio (share of tree cases using the full qapi-schema.json entry),
 * minimize, out (reproducer directory), cliSample (cases re-checked with the
 * real CLI), log (progress lines).
 */
export async function runFuzz(opts = {}) {
  const seed = opts.seed ?? 1;
  const count = opts.count ?? 1000;
  const treeRatio = opts.treeRatio ?? 0.1;
  const fullRatio = opts.fullRatio ?? 0.1;
  const log = opts.log ?? (() => {});
  await loadTs();
  const work = mkdtempSync(join(tmpdir(), 'qapi-ts-fuzz-'));
  const oracle = new QemuOracle();
  const counts = new Map();
  /** The rules behind agreed rejections, by QEMU's message. */
  const rules = new Map();
  const diffs = [];
  const cliMismatches = [];
  try {
    // Seeds: the conformance cases (copied with their include files) and the 10.2.2 modules.
    const conf = join(work, 'conf');
    cpSync(CONFORMANCE_DIR, conf, { recursive: true, filter: (src) => !/\.(err|out)$/.test(src) });
    const confSeeds = listJson(conf);
    // Valid cases make the better seeds: a mutation then meets the rule it breaks first.
    const confGood = confSeeds.filter((f) => existsSync(join(CONFORMANCE_DIR, f.replace(/\.json$/, '.err'))) && readFileSync(join(CONFORMANCE_DIR, f.replace(/\.json$/, '.err')), 'utf8') === '');
    const tree = join(work, 'tree');
    mkdirSync(tree);
    const modules = listJson(TREE_DIR);
    for (const m of modules) cpSync(join(TREE_DIR, m), join(tree, m));
    // Modules QEMU checks quickly on their own (they include little).
    const HEAVY = new Set(['qapi-schema.json', 'accelerator.json', 'block-core.json', 'block-export.json', 'block.json', 'qdev.json', 'qom.json', 'transaction.json', 'migration.json', 'machine.json', 'ui.json']);
    const lightModules = modules.filter((m) => !HEAVY.has(m));
    // Doc-comment lines of the older schemas (7.2.0, 10.0.13), which break the 10.2 rules in many ways.
    const oldDocLines = [];
    for (const v of ['7.2.0', '10.0.13']) {
      const d = join(SHARED, 'qemu', v, 'qapi');
      if (!existsSync(d)) continue;
      for (const f of listJson(d)) {
        const lines = readFileSync(join(d, f), 'utf8').split('\n');
        for (const k of docLineIndexes(lines)) oldDocLines.push(lines[k]);
      }
    }
    const entryText = readFileSync(join(TREE_DIR, 'qapi-schema.json'), 'utf8');
    const texts = new Map();
    const read = (p) => {
      if (!texts.has(p)) texts.set(p, readFileSync(p, 'utf8'));
      return texts.get(p);
    };

    const sample = new Set();
    const cliSample = opts.cliSample ?? 0;
    for (let k = 0; k < cliSample; k++) sample.add(Math.floor(((k + 0.5) * count) / cliSample));

    const BATCH = 64;
    for (let base = 0; base < count; base += BATCH) {
      const batch = [];
      for (let i = base; i < Math.min(count, base + BATCH); i++) {
        const rng = new Rng(caseSeed(seed, i));
        let c;
        if (rng.chance(treeRatio)) {
          // A copy of the tree (links to the unchanged modules), one module mutated.
          const dir = join(work, `t${i}`);
          mkdirSync(dir);
          const mod = rng.pick(modules);
          for (const m of modules) if (m !== mod) symlinkSync(join(tree, m), join(dir, m));
          const bytes = mutate(rng, read(join(tree, mod)));
          writeFileSync(join(dir, mod), bytes);
          let entry;
          const r = rng.next();
          if (mod === 'qapi-schema.json' || r < fullRatio) entry = join(dir, 'qapi-schema.json');
          else if (r < 0.5) {
            entry = join(dir, 'entry.json');
            writeFileSync(entry, `{ 'include': 'pragma.json' }\n{ 'include': '${mod}' }\n`);
          } else {
            // The real entry, cut after the line that includes the mutated module.
            const cut = entryText.indexOf(`'${mod}'`);
            entry = join(dir, 'entry.json');
            writeFileSync(entry, cut < 0 ? `{ 'include': 'pragma.json' }\n{ 'include': '${mod}' }\n` : entryText.slice(0, entryText.indexOf('\n', cut) + 1));
          }
          c = { i, kind: 'tree', dir, entry, mutated: join(dir, mod), module: mod };
        } else {
          // A single file: a conformance case (mostly a valid one), or a
          // 10.2.2 module after QEMU's pragmas, next to the other modules.
          const fromConf = rng.chance(0.45);
          const fromOld = !fromConf && oldDocLines.length > 0 && rng.chance(0.3);
          let text;
          let seedFile;
          if (fromOld) {
            // A window of doc lines from an older QEMU's schema, as one
            // free-form doc comment: its rules meet real prose.
            const at = rng.int(oldDocLines.length);
            seedFile = 'older doc lines';
            text = ['##', ...oldDocLines.slice(at, at + rng.range(1, 8)).filter((l) => !/^\s*##/.test(l)), '##', ''].join('\n');
            if (rng.chance(0.5)) text = mutateDoc(rng, text);
          } else if (fromConf) {
            seedFile = rng.pick(rng.chance(0.7) ? confGood : confSeeds);
            text = read(join(conf, seedFile));
          } else {
            seedFile = rng.pick(rng.chance(0.85) ? lightModules : modules);
            text = `{ 'include': 'pragma.json' }\n` + read(join(tree, seedFile));
          }
          const dir = fromConf ? conf : tree;
          const path = join(dir, `fz${i}.json`);
          writeFileSync(path, fromOld ? Buffer.from(text, 'utf8') : mutate(rng, text));
          c = { i, kind: 'file', dir, entry: path, mutated: path, seedFile };
        }
        batch.push(c);
      }
      const verdicts = batch.map((c) => oracle.check(c.entry));
      for (const [k, c] of batch.entries()) {
        const ts = tsCheck(c.entry);
        const qemu = await verdicts[k];
        const cls = classify(qemu, ts);
        counts.set(cls, (counts.get(cls) ?? 0) + 1);
        if (cls === 'agree/reject') rules.set(template(qemu.msg), (rules.get(template(qemu.msg)) ?? 0) + 1);
        if (sample.has(c.i)) {
          const cli = cliCheck(c.entry);
          if (cli.stderr !== ts.stderr || cli.status !== ts.status) cliMismatches.push({ case: c.i, inProcess: ts, cli });
        }
        if (cls.startsWith('differ/')) {
          const d = { cls, case: c.i, kind: c.kind, module: c.module, seedFile: c.seedFile, qemu, ts, bytes: readFileSync(c.mutated) };
          diffs.push(d);
          if (opts.minimize !== false && diffs.filter((x) => x.cls === cls).length <= (opts.perClass ?? 2)) {
            d.reproducer = await minimize(oracle, c, cls, opts.out ?? join(ROOT, 'tmp', 'fuzz-frontend'), seed);
          }
        }
      }
      for (const c of batch) {
        if (c.kind === 'tree') rmSync(c.dir, { recursive: true, force: true });
        else rmSync(c.entry, { force: true });
      }
      log(`${Math.min(count, base + BATCH)}/${count}`);
    }
  } finally {
    oracle.close();
    rmSync(work, { recursive: true, force: true });
  }
  return { seed, count, counts, rules, diffs, cliMismatches };
}

/** Shrinks a differing case by lines while it stays in its class; writes it out. */
async function minimize(oracle, c, cls, outDir, seed) {
  const verdictOf = async (bytes) => {
    writeFileSync(c.mutated, bytes);
    const q = oracle.check(c.entry);
    const t = tsCheck(c.entry);
    return { cls: classify(await q, t), qemu: await q, ts: t };
  };
  const original = readFileSync(c.mutated);
  // Lines as byte chunks (a byte-level case need not be valid UTF-8).
  let lines = [];
  for (let s = 0; s <= original.length; ) {
    const e = original.indexOf(0x0a, s);
    const end = e < 0 ? original.length : e + 1;
    if (end > s) lines.push(original.subarray(s, end));
    if (e < 0) break;
    s = end;
  }
  let budget = 400;
  let chunk = Math.max(1, lines.length >> 1);
  while (chunk >= 1 && budget > 0) {
    let removed = false;
    for (let at = 0; at < lines.length && budget > 0; ) {
      const candidate = [...lines.slice(0, at), ...lines.slice(at + chunk)];
      budget--;
      if ((await verdictOf(Buffer.concat(candidate))).cls === cls) {
        lines = candidate;
        removed = true;
      } else at += chunk;
    }
    if (!removed) chunk >>= 1;
  }
  const bytes = Buffer.concat(lines);
  const final = await verdictOf(bytes);
  const slug = cls.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60);
  const dir = join(outDir, `seed${seed}-case${c.i}-${slug}`);
  mkdirSync(dir, { recursive: true });
  const name = c.kind === 'tree' ? basename(c.mutated) : 'case.json';
  writeFileSync(join(dir, name), bytes);
  writeFileSync(
    join(dir, 'README.txt'),
    [
      `class: ${cls}`,
      c.kind === 'tree' ? `tree case: put ${name} into a copy of ../shared/qemu/10.2.2/qapi and check ${basename(c.entry) === 'entry.json' ? 'an entry that includes it after pragma.json' : 'qapi-schema.json'}` : `single file (seed ${c.seedFile}; may include files of ../shared/conformance/qapi-schema)`,
      `QEMU: ${JSON.stringify(final.qemu)}`,
      `qapi-ts (status ${final.ts.status}): ${JSON.stringify(final.ts.stderr)}`,
      '',
    ].join('\n'),
  );
  writeFileSync(c.mutated, original);
  return dir;
}

export function formatCounts(result) {
  const rows = [...result.counts].sort((a, b) => (a[0].startsWith('differ') === b[0].startsWith('differ') ? b[1] - a[1] : a[0].startsWith('differ') ? 1 : -1));
  const lines = [`seed ${result.seed}, ${result.count} cases:`];
  for (const [cls, n] of rows) lines.push(`  ${String(n).padStart(6)}  ${cls}`);
  const differ = result.diffs.length;
  lines.push(`  ${String(differ).padStart(6)}  differences in all`);
  if (result.cliMismatches.length) lines.push(`  ${String(result.cliMismatches.length).padStart(6)}  in-process result unlike the CLI's (cases ${result.cliMismatches.map((m) => m.case).join(', ')})`);
  return lines.join('\n');
}

async function main() {
  const args = process.argv.slice(2);
  const opt = (name, dflt) => {
    const k = args.indexOf(name);
    return k >= 0 ? args[k + 1] : dflt;
  };
  if (args.includes('--help')) {
    console.log('usage: node scripts/fuzz-frontend.mjs [--seed N] [--count N] [--tree-ratio R] [--full-ratio R] [--out DIR] [--no-minimize] [--cli-sample N] [--quiet]');
    return;
  }
  for (const p of [QEMU_SCRIPTS, CONFORMANCE_DIR, TREE_DIR, CLI]) {
    if (!existsSync(p)) {
      console.error(`fuzz-frontend: missing ${p}${p === CLI ? ' (build first: npx tsc -p .)' : ''}`);
      process.exit(2);
    }
  }
  const quiet = args.includes('--quiet');
  const t0 = Date.now();
  const result = await runFuzz({
    seed: Number(opt('--seed', '1')),
    count: Number(opt('--count', '1000')),
    treeRatio: Number(opt('--tree-ratio', '0.1')),
    fullRatio: Number(opt('--full-ratio', '0.1')),
    out: resolve(opt('--out', join(ROOT, 'tmp', 'fuzz-frontend'))),
    minimize: !args.includes('--no-minimize'),
    cliSample: Number(opt('--cli-sample', '0')),
    log: quiet ? () => {} : (m) => process.stderr.write(`\r${m}`),
  });
  if (!quiet) process.stderr.write('\n');
  console.log(formatCounts(result));
  console.log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (args.includes('--rules')) {
    for (const [r, n] of [...result.rules].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(6)}  reject: ${r}`);
  }
  const show = Number(opt('--show', '0'));
  for (const d of result.diffs.slice(0, show)) {
    console.log(`--- case ${d.case} (${d.kind} ${d.module ?? d.seedFile}): ${d.cls}\n  QEMU: ${JSON.stringify(d.qemu)}\n  ts:   ${JSON.stringify(d.ts)}`);
  }
  const repro = result.diffs.filter((d) => d.reproducer).map((d) => `  ${d.cls}\n    ${d.reproducer}`);
  if (repro.length) console.log('reproducers:\n' + repro.join('\n'));
  process.exitCode = result.diffs.length || result.cliMismatches.length ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
