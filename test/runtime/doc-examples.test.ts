/**
 * The doc examples as data: every `qmp-example` block in QEMU 10.2.2's
 * schema docs, its messages checked by the generated code (with
 * `--int64 bigint`, so that 64-bit values in examples are read exactly):
 * `->` commands strictly as that command's arguments, `<-` returns
 * leniently as the reply of the example's preceding command, `<-` events
 * leniently as that event, `<-` errors as error replies.
 *
 * Messages whose JSON doesn't parse (elisions like `...`, comments) are
 * counted and skipped. At least 95% of the parsed ones must be accepted;
 * every rejected one is listed, with its reason, in
 * doc-examples-rejected.txt (rewritten with UPDATE_DOC_EXAMPLES=1), and
 * each reason is checked against the schema model on its own: QEMU's
 * examples are sometimes wrong, and this proves it is the example, not us.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaEnumType,
  SchemaEvent,
  SchemaObjectType,
  type SchemaObjectTypeMember,
  type SchemaType,
} from '../../generator/model/entities.js';
import { loadSchema, type QapiSchema } from '../../generator/model/schema.js';
import { parseQmpJson } from '../../templates/runtime/json.js';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { REPO_ROOT } from '../helpers/paths.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

const SCHEMA = 'qemu/10.2.2/qapi/qapi-schema.json';
const LIST_FILE = join(dirname(fileURLToPath(import.meta.url)), 'doc-examples-rejected.txt');
const UPDATE = process.env.UPDATE_DOC_EXAMPLES === '1';

// ---------------------------------------------------------------------------
// Extraction
// ---------------------------------------------------------------------------

interface ExampleMessage {
  dir: '->' | '<-';
  text: string;
}

interface Example {
  /** The definition documented (or `file:line` of a free-form doc block). */
  where: string;
  file: string;
  /** 1-based, among the examples of the same doc block. */
  ordinal: number;
  messages: ExampleMessage[];
}

const indentOf = (line: string): number => line.length - line.trimStart().length;

/** The `->`/`<-` messages of one example block (its lines, directive excluded). */
function messagesOf(lines: string[]): ExampleMessage[] {
  const out: ExampleMessage[] = [];
  let cur: { dir: '->' | '<-'; col: number; lines: string[] } | null = null;
  const flush = (): void => {
    if (cur) out.push({ dir: cur.dir, text: cur.lines.join('\n').trim() });
    cur = null;
  };
  for (const line of lines) {
    const t = line.trimStart();
    if (t.startsWith('->') || t.startsWith('<-')) {
      flush();
      cur = { dir: t.slice(0, 2) as '->' | '<-', col: indentOf(line), lines: [t.slice(2)] };
    } else if (cur) {
      // A message goes on over lines indented at least as far as its
      // marker; prose (annotated examples) is indented less.
      if (t === '') cur.lines.push('');
      else if (indentOf(line) >= cur.col) cur.lines.push(line);
      else flush();
    }
  }
  flush();
  return out;
}

function extractExamples(schema: QapiSchema): { examples: Example[]; blocks: number } {
  const examples: Example[] = [];
  for (const doc of schema.docs) {
    let ordinal = 0;
    const where = doc.symbol ?? `${basename(doc.info.fname)}:${doc.info.line}`;
    for (const section of doc.allSections) {
      const lines = section.text.split('\n');
      for (let i = 0; i < lines.length; i++) {
        const m = /^(\s*)\.\. qmp-example::\s*$/.exec(lines[i]!);
        if (!m) continue;
        const col = m[1]!.length;
        const block: string[] = [];
        let j = i + 1;
        for (; j < lines.length; j++) {
          const l = lines[j]!;
          if (l.trim() !== '' && indentOf(l) <= col) break;
          block.push(l);
        }
        i = j - 1;
        examples.push({ where, file: basename(doc.info.fname), ordinal: ++ordinal, messages: messagesOf(block) });
      }
    }
  }
  return { examples, blocks: examples.length };
}

// ---------------------------------------------------------------------------
// Checking a reason against the model, independently of the runtime
// ---------------------------------------------------------------------------

type Key = string | number;

function parsePath(path: string): Key[] {
  if (path === 'null') return [];
  const keys: Key[] = [];
  const re = /\[(\d+)\]|\.?([^.[\]]+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path)) !== null) keys.push(m[1] !== undefined ? Number(m[1]) : m[2]!);
  return keys;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): boolean => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));

function jsonKind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'bigint') return 'number';
  return typeof v;
}

/** The JSON kind a type's values have ('value' for any). */
function kindOfType(t: SchemaType): string {
  const j = t.jsonType();
  return j === 'int' ? 'number' : j;
}

/** An alternate's branch for a value, by JSON type, as QEMU picks it; null if none. */
function alternateBranch(t: SchemaAlternateType, v: unknown): SchemaType | null {
  const k = jsonKind(v);
  for (const b of t.alternatives.variants) if (kindOfType(b.type) === k) return b.type;
  return null;
}

/** The members of an object type for a value: the base's and the chosen branch's, recursively. */
function membersFor(t: SchemaObjectType, v: Record<string, unknown>): SchemaObjectTypeMember[] {
  const out = [...t.members!];
  if (t.branches) {
    const tag = v[t.branches.tagMember!.name];
    const branch = t.branches.variants.find((b) => b.name === tag);
    if (branch && branch.type instanceof SchemaObjectType) out.push(...membersFor(branch.type, v));
  }
  return out;
}

/** Resolves the type of an alternate value through to its branch. */
function throughAlternates(t: SchemaType, v: unknown): SchemaType | null {
  let cur: SchemaType | null = t;
  while (cur instanceof SchemaAlternateType) cur = alternateBranch(cur, v);
  return cur;
}

/** Walks `keys` down from (type, value); returns the type (not through a final alternate) and value there. */
function resolve(root: SchemaType, value: unknown, keys: Key[]): { type: SchemaType; value: unknown } {
  let t = root;
  let v = value;
  for (const k of keys) {
    const u = throughAlternates(t, v);
    if (typeof k === 'number') {
      if (!(u instanceof SchemaArrayType) || !Array.isArray(v)) throw new Error(`path step [${k}] is not into an array`);
      t = u.elementType;
      v = v[k];
    } else {
      if (!(u instanceof SchemaObjectType) || !isObj(v)) throw new Error(`path step ${k} is not into an object`);
      const m = membersFor(u, v).find((x) => x.name === k);
      if (!m) throw new Error(`${u.name} has no member ${k}`);
      t = m.type;
      v = v[k];
    }
  }
  return { type: t, value: v };
}

const RANGES: Record<string, [bigint, bigint, string]> = {
  int: [-(2n ** 63n), 2n ** 63n - 1n, 'int64'],
  int8: [-128n, 127n, 'int8_t'],
  int16: [-32768n, 32767n, 'int16_t'],
  int32: [-(2n ** 31n), 2n ** 31n - 1n, 'int32_t'],
  int64: [-(2n ** 63n), 2n ** 63n - 1n, 'int64'],
  uint8: [0n, 255n, 'uint8_t'],
  uint16: [0n, 65535n, 'uint16_t'],
  uint32: [0n, 2n ** 32n - 1n, 'uint32_t'],
  uint64: [0n, 2n ** 64n - 1n, 'uint64'],
  size: [0n, 2n ** 64n - 1n, 'size'],
};

/** Does a value fit a (non-alternate) type's JSON kind? */
function fitsKind(t: SchemaType, v: unknown): boolean {
  // QEMU's type_int64: an integer within int64 (beyond, it says "expected: integer" too).
  if (t instanceof SchemaBuiltinType && t.name in RANGES) return isInt(v) && BigInt(v as number | bigint) >= -(2n ** 63n) && BigInt(v as number | bigint) < 2n ** 63n;
  const k = kindOfType(t);
  return k === 'value' || k === jsonKind(v);
}

/**
 * Checks that `reason` really holds for `value` as an instance of `root`,
 * by the model alone. Returns null when it does, else why not.
 */
function verifyReason(schema: QapiSchema, root: SchemaType | null, value: unknown, reason: string, message?: unknown): string | null {
  if (reason === "QMP input lacks member 'execute'") {
    const kinds = ['execute', 'exec-oob', 'return', 'error', 'event'];
    return isObj(message) && !kinds.some((k) => k in message) ? null : 'the message has a member that says what it is';
  }
  if (reason === 'QMP input must be a JSON object') return isObj(message) ? 'the message is an object' : null;
  let m = /^The command (\S+) has not been found$/.exec(reason);
  if (m) return schema.lookupEntity(m[1]!) instanceof SchemaCommand ? `${m[1]} is a command` : null;
  m = /^The event (\S+) is not in the schema$/.exec(reason);
  if (m) return schema.lookupEntity(m[1]!) instanceof SchemaEvent ? `${m[1]} is an event` : null;
  if (root === null) return 'no type to check the reason against';
  try {
    // A reply's or event's reason, in words for a reply: checked as the input wording it stands for.
    m = /^The (?:reply to \S+|data of event \S+) does not fit its type: (?:return|data)([^:\s]*): (.*)$/.exec(reason);
    if (m) {
      const path = m[1]!.replace(/^\./, '') || 'null';
      const detail = m[2]!;
      let d: RegExpExecArray | null;
      if (detail === 'missing, and its type requires it') return verifyReason(schema, root, value, `Parameter '${path}' is missing`);
      if (/^not a member of its type \(received .*\)$/.test(detail)) return verifyReason(schema, root, value, `Parameter '${path}' is unexpected`);
      if ((d = /^received the string (".*"), which is not a value of its enum$/.exec(detail)))
        return verifyReason(schema, root, value, `Parameter '${path}' does not accept value '${JSON.parse(d[1]!) as string}'`);
      if ((d = /^expected (\S+), received .*, which is out of its range$/.exec(detail))) return verifyReason(schema, root, value, `Parameter '${path}' expects ${d[1]!}`);
      if ((d = /^expected (\S+), received .*$/.exec(detail))) return verifyReason(schema, root, value, `Invalid parameter type for '${path}', expected: ${d[1]!}`);
      if (/^received .*, which fits none of its alternatives$/.test(detail)) {
        const { type } = resolve(root, value, parsePath(path));
        if (!(type instanceof SchemaAlternateType)) return `${type.name} is not an alternate`;
        return verifyReason(schema, root, value, `Invalid parameter type for '${path}', expected: ${type.name}`);
      }
      return `no independent check for this kind of reason: ${reason}`;
    }
    m = /^Parameter '(.*)' is unexpected$/.exec(reason);
    if (m) {
      const keys = parsePath(m[1]!);
      const last = keys.pop();
      const { type, value: pv } = resolve(root, value, keys);
      const u = throughAlternates(type, pv);
      if (!(u instanceof SchemaObjectType) || !isObj(pv) || typeof last !== 'string') return 'not a member of an object';
      if (!Object.prototype.hasOwnProperty.call(pv, last)) return `the value has no ${last}`;
      return membersFor(u, pv).some((x) => x.name === last) ? `${u.name} has a member ${last}` : null;
    }
    m = /^Parameter '(.*)' is missing$/.exec(reason);
    if (m) {
      const keys = parsePath(m[1]!);
      const last = keys.pop();
      const { type, value: pv } = resolve(root, value, keys);
      const u = throughAlternates(type, pv);
      if (!(u instanceof SchemaObjectType) || !isObj(pv)) return 'not in an object';
      const member = membersFor(u, pv).find((x) => x.name === last);
      if (!member) return `${u.name} has no member ${String(last)}`;
      if (member.optional) return `${String(last)} is optional in ${u.name}`;
      return Object.prototype.hasOwnProperty.call(pv, last as string) ? `the value has ${String(last)}` : null;
    }
    m = /^Parameter '(.*)' does not accept value '(.*)'$/.exec(reason);
    if (m) {
      const { type, value: v } = resolve(root, value, parsePath(m[1]!));
      const u = throughAlternates(type, v);
      if (!(u instanceof SchemaEnumType)) return `${type.name} is not an enum here`;
      if (v !== m[2]) return `the value is ${JSON.stringify(v)}`;
      return u.memberNames().includes(m[2]!) ? `${u.name} has the value ${m[2]}` : null;
    }
    m = /^Invalid parameter type for '(.*)', expected: (\S+)$/.exec(reason);
    if (m) {
      const { type, value: v } = resolve(root, value, parsePath(m[1]!));
      const expected = m[2]!;
      if (type instanceof SchemaAlternateType && expected === type.name) {
        return alternateBranch(type, v) === null ? null : `a branch of ${type.name} takes ${jsonKind(v)}`;
      }
      const u = throughAlternates(type, v);
      if (u === null) return 'no type';
      return fitsKind(u, v) ? `${JSON.stringify(String(v))} fits ${u.name}` : null;
    }
    m = /^Parameter '(.*)' expects (\S+)$/.exec(reason);
    if (m) {
      const { type, value: v } = resolve(root, value, parsePath(m[1]!));
      const u = throughAlternates(type, v);
      const r = u ? RANGES[u.name] : undefined;
      if (r && m[2] === 'uint64' && (u!.name.startsWith('u') || u!.name === 'size')) {
        // QEMU's type_uint64, for every unsigned kind and size: a uint64, or an int64 it casts; anything else.
        if (!isInt(v)) return null;
        const b = BigInt(v as number | bigint);
        return b < -(2n ** 63n) || b > 2n ** 64n - 1n ? null : `${b} is a uint64 or an int64 QEMU casts`;
      }
      if (!r || r[2] !== m[2]) return `${u?.name} is not ${m[2]}`;
      if (!isInt(v)) return 'not an integer';
      let b = BigInt(v as number | bigint);
      if (b < 0n && r[0] === 0n) b += 2n ** 64n; // the cast
      return b < r[0] || b > r[1] ? null : `${b} is within ${u!.name}`;
    }
  } catch (e) {
    return `path does not resolve: ${(e as Error).message}`;
  }
  return `no independent check for this kind of reason: ${reason}`;
}

// ---------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------

interface Outcome {
  line: string;
  verified: string | null;
}

describeFixture(SCHEMA, 'QEMU 10.2.2 doc examples as data', () => {
  let out = '';
  let gen: { index: any; runtime: any } | undefined;
  let schema: QapiSchema;

  beforeAll(async () => {
    mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
    out = mkdtempSync(join(REPO_ROOT, 'tmp', 'doc-examples-'));
    schema = loadSchema(sharedPath(SCHEMA), {});
    await generate({ schema: sharedPath(SCHEMA), out, int64: 'bigint' });
    gen = { index: { ...(await import(join(out, 'index.ts'))), ...(await import(join(out, 'schema.ts'))) }, runtime: await import(join(out, 'runtime', 'index.ts')) };
  }, 900_000);
  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('extracts the examples, checks them, lists and justifies every rejection', () => {
    const { index, runtime } = gen!;
    const { examples, blocks } = extractExamples(schema);
    const counts = {
      blocks,
      messages: 0,
      unparsed: 0,
      parsed: 0,
      commands: 0,
      returns: 0,
      events: 0,
      errors: 0,
      unchecked: 0,
      accepted: 0,
      rejected: 0,
    };
    const rejected: Outcome[] = [];
    const unparsed: string[] = [];

    for (const ex of examples) {
      let lastCommand: string | undefined;
      ex.messages.forEach((msg, i) => {
        counts.messages++;
        let value: unknown;
        try {
          value = parseQmpJson(msg.text);
        } catch (e) {
          counts.unparsed++;
          unparsed.push(`${ex.file}: ${ex.where} example ${ex.ordinal} message ${i + 1}: ${(e as Error).message.split('\n')[0]}`);
          // A command we can't read still sets the command its reply answers.
          const name = /"(?:execute|exec-oob)"\s*:\s*"([^"]+)"/.exec(msg.text);
          if (msg.dir === '->' && name) lastCommand = name[1];
          return;
        }
        counts.parsed++;
        let root: SchemaType | null = null;
        let payload: unknown;
        let what: string;
        const options: Record<string, unknown> = { int64: index.int64Mode };
        if (isObj(value) && msg.dir === '->' && (typeof value.execute === 'string' || typeof value['exec-oob'] === 'string')) {
          counts.commands++;
          const name = (value.execute ?? value['exec-oob']) as string;
          lastCommand = name;
          what = `-> ${name}`;
          const cmd = schema.lookupEntity(name);
          root = cmd instanceof SchemaCommand ? (cmd.argType ?? null) : null;
          payload = value.arguments ?? {};
        } else if (isObj(value) && 'return' in value) {
          counts.returns++;
          if (lastCommand === undefined || !Object.prototype.hasOwnProperty.call(index.qmpCommandTable, lastCommand)) {
            counts.unchecked++;
            return;
          }
          what = `<- return of ${lastCommand}`;
          options.replyTo = lastCommand;
          const cmd = schema.lookupEntity(lastCommand) as SchemaCommand;
          root = cmd.retType;
          payload = value.return;
        } else if (isObj(value) && 'event' in value) {
          counts.events++;
          what = `<- event ${String(value.event)}`;
          const ev = schema.lookupEntity(String(value.event));
          root = ev instanceof SchemaEvent ? (ev.argType ?? null) : null;
          payload = value.data ?? {};
        } else if (isObj(value) && 'error' in value) {
          counts.errors++;
          what = '<- error';
        } else {
          what = `${msg.dir} message`;
        }
        const verdict = runtime.checkQmpMessage(msg.text, index.qmpCommandTable, index.qmpEventTable, options);
        if (verdict.ok) {
          counts.accepted++;
          return;
        }
        counts.rejected++;
        const cmd = msg.dir === '->' && lastCommand !== undefined ? schema.lookupEntity(lastCommand) : null;
        // QEMU hands the arguments of a 'gen': false command to its handler unchecked.
        const note = cmd instanceof SchemaCommand && !cmd.gen ? " [the command has 'gen': false]" : '';
        rejected.push({
          line: `${ex.file}: ${ex.where} example ${ex.ordinal} message ${i + 1} (${what}): ${verdict.error}${note}`,
          verified: verifyReason(schema, root, payload, verdict.error, value),
        });
      });
    }

    const checked = counts.accepted + counts.rejected;
    const share = counts.accepted / checked;
    console.log(
      `[doc-examples] ${counts.blocks} qmp-example blocks, ${counts.messages} messages: ${counts.unparsed} don't parse, ${counts.parsed} parse ` +
        `(${counts.commands} commands, ${counts.returns} returns, ${counts.events} events, ${counts.errors} errors; ` +
        `${counts.unchecked} returns with no command to answer); checked ${checked}: ${counts.accepted} accepted, ${counts.rejected} rejected ` +
        `(${(share * 100).toFixed(1)}% accepted)`,
    );

    // The extraction found the examples (the schema has some 250 blocks).
    expect(counts.blocks).toBeGreaterThan(200);
    expect(counts.commands).toBeGreaterThan(200);
    expect(counts.returns).toBeGreaterThan(150);
    expect(counts.events).toBeGreaterThan(20);
    expect(share).toBeGreaterThanOrEqual(0.95);

    const text = rejected.map((r) => r.line).join('\n') + (rejected.length ? '\n' : '');
    const header =
      '# QEMU 10.2.2 qmp-example messages the generated code rejects, with the reason.\n' +
      '# Generated by test/runtime/doc-examples.test.ts (UPDATE_DOC_EXAMPLES=1); each reason is checked against the schema.\n';
    if (UPDATE) writeFileSync(LIST_FILE, header + text);
    for (const u of unparsed) console.log(`[doc-examples] doesn't parse: ${u}`);
    for (const r of rejected) console.log(`[doc-examples] rejected: ${r.line}${r.verified === null ? '' : `  ** NOT CONFIRMED: ${r.verified}`}`);

    // Each rejection is justified by the model alone.
    for (const r of rejected) expect(r.verified, r.line).toBeNull();

    expect(existsSync(LIST_FILE), 'run with UPDATE_DOC_EXAMPLES=1 to write the list').toBe(true);
    expect(readFileSync(LIST_FILE, 'utf8')).toBe(header + text);
  });

  it('the extraction itself: a hand-made annotated block with a multi-line message and prose', () => {
    const msgs = messagesOf([
      '   :annotated:',
      '',
      '   Some prose::',
      '',
      '    -> { "execute": "x",',
      '         "arguments": { "a": 1 } }',
      '    <- { "return": {} }',
      '',
      '   More prose, then an elided reply::',
      '',
      '    <- { "return": [',
      '           ...',
      '       ] }',
    ]);
    expect(msgs.map((m) => m.dir)).toEqual(['->', '<-', '<-']);
    expect(parseQmpJson(msgs[0]!.text)).toEqual({ execute: 'x', arguments: { a: 1 } });
    expect(parseQmpJson(msgs[1]!.text)).toEqual({ return: {} });
    expect(() => parseQmpJson(msgs[2]!.text)).toThrow();
  });

  it('the reason checker refuses false reasons', () => {
    const cmd = schema.lookupEntity('migrate-set-parameters') as SchemaCommand;
    const t = cmd.argType!;
    expect(verifyReason(schema, t, { 'max-bandwidth': 1 }, "Parameter 'max-bandwidth' is unexpected")).not.toBeNull();
    expect(verifyReason(schema, t, { bogus: 1 }, "Parameter 'bogus' is unexpected")).toBeNull();
    expect(verifyReason(schema, t, { 'multifd-compression': 'zstd' }, "Parameter 'multifd-compression' does not accept value 'zstd'")).not.toBeNull();
    expect(verifyReason(schema, t, { 'multifd-compression': 'lz4' }, "Parameter 'multifd-compression' does not accept value 'lz4'")).toBeNull();
    expect(verifyReason(schema, t, { 'multifd-channels': 255 }, "Parameter 'multifd-channels' expects uint8_t")).not.toBeNull();
    expect(verifyReason(schema, t, { 'multifd-channels': 256 }, "Parameter 'multifd-channels' expects uint8_t")).toBeNull();
    expect(verifyReason(schema, t, { 'tls-creds': 'x' }, "Invalid parameter type for 'tls-creds', expected: StrOrNull")).not.toBeNull();
    expect(verifyReason(schema, t, { 'tls-creds': 1 }, "Invalid parameter type for 'tls-creds', expected: StrOrNull")).toBeNull();
    const add = (schema.lookupEntity('blockdev-add') as SchemaCommand).argType!;
    expect(verifyReason(schema, add, { driver: 'nbd', server: { type: 'inet', host: 'h' } }, "Parameter 'server.port' is missing")).toBeNull();
    expect(verifyReason(schema, add, { driver: 'nbd', server: { type: 'inet', host: 'h' } }, "Parameter 'server.numeric' is missing")).not.toBeNull();
    expect(verifyReason(schema, add, { driver: 'file', filename: 'f' }, "Parameter 'filename' is unexpected")).not.toBeNull();
    expect(verifyReason(schema, null, {}, 'The command query-status has not been found')).not.toBeNull();
    expect(verifyReason(schema, null, {}, 'The command query-nothing has not been found')).toBeNull();
    expect(verifyReason(schema, t, {}, 'Something else entirely')).not.toBeNull();
    // The words for a reply stand for the input wording, and are checked the same.
    const status = (schema.lookupEntity('query-status') as SchemaCommand).retType!;
    const reply = 'The reply to query-status does not fit its type: return';
    expect(verifyReason(schema, status, { running: true, status: 'running' }, `${reply}.running: missing, and its type requires it`)).not.toBeNull();
    expect(verifyReason(schema, status, { status: 'running' }, `${reply}.running: missing, and its type requires it`)).toBeNull();
    expect(verifyReason(schema, status, { running: true, status: 'running' }, `${reply}.running: expected boolean, received true`)).not.toBeNull();
    expect(verifyReason(schema, status, { running: 'yes', status: 'running' }, `${reply}.running: expected boolean, received the string "yes"`)).toBeNull();
    expect(verifyReason(schema, status, { running: true, status: 'running' }, `${reply}.status: received the string "running", which is not a value of its enum`)).not.toBeNull();
    expect(verifyReason(schema, status, { running: true, status: 'exploded' }, `${reply}.status: received the string "exploded", which is not a value of its enum`)).toBeNull();
    expect(verifyReason(schema, null, {}, "QMP input lacks member 'execute'", { status: 'measured' })).toBeNull();
    expect(verifyReason(schema, null, {}, "QMP input lacks member 'execute'", { return: {} })).not.toBeNull();
  });
});
