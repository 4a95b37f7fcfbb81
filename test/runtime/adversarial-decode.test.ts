/**
 * Adversarial input to the generated decoders (decodeArguments,
 * decodeReturn, decodeEvent, checkQmpMessage, the plan interpreter's fast paths and
 * the generic visitor walk) over our schema/: `__proto__`/`constructor`
 * keys (as unknown members, inside `any`, as enum values and names),
 * 100,000-deep nesting (through the reader and as a JavaScript value),
 * cycles, a 50 MB string, 1e400, -0, lone surrogates, duplicate keys and
 * huge integer literals. Every case must end cleanly (a value, or a
 * QapiValueError / QmpJsonError / QmpError), in bounded time, with
 * Object.prototype untouched.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../generator/api.js';
import { REPO_ROOT } from '../helpers/paths.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

let out = '';
let index: any;
let rt: any;

beforeAll(async () => {
  mkdirSync(join(REPO_ROOT, 'tmp'), { recursive: true });
  out = mkdtempSync(join(REPO_ROOT, 'tmp', 'adversarial-'));
  await generate({ schema: join(REPO_ROOT, 'test', 'fixtures', 'small-schema', 'qapi-schema.json'), out });
  index = { ...(await import(join(out, 'index.ts'))), ...(await import(join(out, 'schema.ts'))) };
  rt = await import(join(out, 'runtime', 'index.ts'));
}, 900_000);
afterAll(() => {
  if (out) rmSync(out, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------
// Prototype watch: every test leaves the built-in prototypes as they were.
// ---------------------------------------------------------------------------

function snapshot(o: object): string {
  return Reflect.ownKeys(o)
    .map((k) => {
      const d = Object.getOwnPropertyDescriptor(o, k)!;
      return `${String(k)}:${typeof d.value}:${String(d.writable)}:${String(d.enumerable)}:${typeof d.get}`;
    })
    .join('|');
}
const PROTOS: [string, object][] = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['String.prototype', String.prototype],
  ['Function.prototype', Function.prototype],
];
const before = PROTOS.map(([, p]) => snapshot(p));

function expectPrototypesUntouched(): void {
  PROTOS.forEach(([name, p], i) => expect(snapshot(p), name).toBe(before[i]));
  const probe: any = {};
  expect(probe.polluted, 'a fresh object sees no polluted member').toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
  expect(Object.keys(Object.prototype)).toEqual([]);
}
afterEach(expectPrototypesUntouched);

// ---------------------------------------------------------------------------
// Clean outcomes
// ---------------------------------------------------------------------------

type Outcome = { ok: true; value: any; ms: number } | { ok: false; error: any; ms: number };

/** Runs `f`; a value or a runtime error is clean, anything else (RangeError, TypeError, …) fails the test. */
function clean(f: () => unknown): Outcome {
  const t0 = performance.now();
  let o: Outcome;
  try {
    const value = f();
    o = { ok: true, value, ms: performance.now() - t0 };
  } catch (error) {
    const ms = performance.now() - t0;
    const known = error instanceof rt.QapiPathError || error instanceof rt.QmpJsonError || error instanceof rt.QmpError;
    if (!known) throw new Error(`not a clean outcome: ${String(error)}`, { cause: error });
    expect(typeof (error as Error).message).toBe('string');
    o = { ok: false, error, ms };
  }
  // No wall-clock bound (a loaded machine must not fail a test): a hang is caught by the test's
  // timeout, and `ms` is there for the logs.
  return o;
}

function cleanError(f: () => unknown): any {
  const o = clean(f);
  if (o.ok) throw new Error(`expected an error, got ${String(o.value)}`);
  return o.error;
}

function cleanValue(f: () => unknown): any {
  const o = clean(f);
  if (!o.ok) throw new Error(`expected a value, got ${String(o.error.message)}`);
  return o.value;
}

const J = (text: string): any => rt.parseQmpJson(text);
const check = (text: string, options: Record<string, unknown> = {}): any =>
  rt.checkQmpMessage(text, index.qmpCommandTable, index.qmpEventTable, { int64: index.int64Mode, ...options });

/** A valid MachineDiagnostics (the return of query-machine-diagnostics, the one type with `any`). */
function diag(extra: unknown, patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    hostname: 'h',
    load: 0.5,
    'uptime-ns': 1,
    nice: 0,
    'clock-skew-ms': 0,
    'last-exit-code': 0,
    'rtc-offset': 0,
    'boot-index': 0,
    'monitor-port': 0,
    pid: 1,
    generation: 0,
    'ram-size': 0,
    accelerated: true,
    'extra-type': 'qdict',
    ...(extra === undefined ? {} : { extra }),
    ...patch,
  };
}

/** Every decoder of MachineDiagnostics: the plan fast path (via decodeReturn) and the visitor walk, strict and lenient. */
function decodersOfDiag(): [string, (x: unknown) => unknown][] {
  return [
    ['decodeReturn lenient', (x) => index.decodeReturn('query-machine-diagnostics', x)],
    ['decodeReturn strict', (x) => index.decodeReturn('query-machine-diagnostics', x, { strict: true })],
    ['visitor walk strict', (x) => rt.decodeValue(index.visitMachineDiagnostics, x, index.int64Mode)],
    ['visitor walk lenient', (x) => rt.decodeValue(index.visitMachineDiagnostics, x, index.int64Mode, { strict: false })],
  ];
}

/** Every encoder/cloner of MachineDiagnostics. */
function writersOfDiag(): [string, (x: unknown) => unknown][] {
  return [
    ['plan encode', (x) => index.encode('MachineDiagnostics', x)],
    ['visitor encode', (x) => rt.encodeValue(index.visitMachineDiagnostics, x, index.int64Mode)],
    ['plan clone', (x) => index.clone('MachineDiagnostics', x)],
    ['visitor clone', (x) => rt.cloneValue(index.visitMachineDiagnostics, x)],
  ];
}

// ---------------------------------------------------------------------------

describe('__proto__ and constructor', () => {
  it('as unknown members: strict rejects with the path, lenient keeps them as own data, nothing leaks', () => {
    for (const key of ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString']) {
      const text = `{"uri": "u", "${key}": {"polluted": "yes", "prototype": {"polluted": "yes"}}}`;
      const e = cleanError(() => index.decodeArguments('migrate', J(text)));
      expect(e.message).toBe(`Parameter '${key}' is unexpected`);
      expect(check(`{"execute": "migrate", "arguments": ${text}}`)).toEqual({ ok: false, error: `Parameter '${key}' is unexpected` });
      // JSON.parse makes an own __proto__ member too: the same through a plain JS value.
      expect(cleanError(() => index.decodeArguments('migrate', JSON.parse(text))).message).toBe(`Parameter '${key}' is unexpected`);

      const reply = J(`{"max-bandwidth": 1, "${key}": {"polluted": "yes"}}`);
      const v = cleanValue(() => index.decodeReturn('query-migrate-parameters', reply));
      expect(v['max-bandwidth']).toBe(1);
      expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(v, key)!.value).toEqual(J('{"polluted": "yes"}'));
      expect(v.polluted).toBeUndefined();
      const viaVisitor = cleanValue(() => rt.decodeValue(index.visitMigrationParameters, reply, index.int64Mode, { strict: false }));
      expect(Object.getPrototypeOf(viaVisitor)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(viaVisitor, key)!.value).toEqual(J('{"polluted": "yes"}'));
      expect(viaVisitor.polluted).toBeUndefined();
    }
  });

  it('inside any: kept as plain data (own keys), never as prototypes; clone and encode keep them too', () => {
    const text = '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}, "list": [{"__proto__": null}]}';
    for (const [name, decode] of decodersOfDiag()) {
      const v = cleanValue(() => decode(diag(J(text)))) as any;
      const extra = v.extra;
      expect(Object.prototype.hasOwnProperty.call(extra, '__proto__'), name).toBe(true);
      expect(Object.getPrototypeOf(extra) === Object.prototype || Object.getPrototypeOf(extra) === null, name).toBe(true);
      expect(extra.polluted, name).toBeUndefined();
      expect(Object.getOwnPropertyDescriptor(extra, '__proto__')!.value).toEqual(J('{"polluted": "yes"}'));
      expect(Object.getPrototypeOf(Object.getOwnPropertyDescriptor(extra, '__proto__')!.value)).not.toBe(null);
      for (const [wname, write] of writersOfDiag()) {
        const w = cleanValue(() => write(v)) as any;
        expect(Object.prototype.hasOwnProperty.call(w.extra, '__proto__'), wname).toBe(true);
        expect(w.extra.polluted, wname).toBeUndefined();
        expect(JSON.parse(rt.stringifyQmpJson(w.extra)), wname).toEqual(JSON.parse(text));
      }
    }
  });

  it('as enum values, union tags and alternate values: rejected strictly, kept leniently (the default for replies and events) as plain strings', () => {
    for (const value of ['__proto__', 'constructor', 'toString', 'valueOf', 'hasOwnProperty']) {
      expect(cleanError(() => index.decodeArguments('migrate-set-parameters', J(`{"backend-transfer": ["${value}"]}`))).message).toBe(
        `Parameter 'backend-transfer[0]' does not accept value '${value}'`,
      );
      expect(cleanError(() => index.decodeArguments('blockdev-attach', J(`{"node-name": "n", "format": "${value}"}`))).message).toBe(
        `Parameter 'format' does not accept value '${value}'`,
      );
      expect(cleanError(() => index.decodeArguments('block-set-io-limits', J(`{"node-name": "n", "limits": "${value}"}`))).message).toBe(
        `Parameter 'limits' does not accept value '${value}'`,
      );
      expect(cleanError(() => index.decodeEvent('VM_STATE_CHANGED', J(`{"state": "${value}"}`), { strict: true })).message).toBe(
        `The data of event VM_STATE_CHANGED does not fit its type: data.state: received the string "${value}", which is not a value of its enum`,
      );
      const kept = cleanValue(() => index.decodeReturn('query-migrate-parameters', J(`{"backend-transfer": ["${value}"]}`), { keepUnknownEnumValues: true }));
      expect(kept).toEqual({ 'backend-transfer': [value] });
      const vcpu = `[{"cpu-index": 0, "qom-path": "/c", "thread-id": 1, "arch": "${value}", "apic-id": 1}]`;
      clean(() => index.decodeReturn('query-vcpus', J(vcpu), { keepUnknownEnumValues: true, keepUnknownBranches: true }));
      expect(cleanError(() => index.decodeReturn('query-vcpus', J(vcpu), { strict: true })).path).toBe('[0].arch');
      expect(cleanError(() => index.decodeReturn('query-vcpus', J(vcpu), { keepUnknownEnumValues: false })).path).toBe('[0].arch');
      // Leniently, by default: kept, and never as the prototype's property.
      const lenient = cleanValue(() => index.decodeEvent('VM_STATE_CHANGED', J(`{"state": "${value}"}`))) as { state: unknown };
      expect(lenient.state).toBe(value);
      expect(Object.getPrototypeOf(lenient)).toBe(Object.prototype);
    }
  });

  it('as command and event names', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      const e = cleanError(() => index.decodeArguments(name, {}));
      expect(e).toBeInstanceOf(rt.QmpError);
      expect(e.message).toBe(`The command ${name} has not been found`);
      expect(cleanError(() => index.decodeReturn(name, {})).message).toBe(`The command ${name} has not been found`);
      expect(cleanError(() => index.decodeEvent(name, {})).message).toBe(`The event ${name} is not in the schema`);
      expect(check(`{"execute": "${name}"}`)).toEqual({ ok: false, error: `The command ${name} has not been found` });
      expect(check(`{"exec-oob": "${name}"}`).ok).toBe(false);
      expect(check(`{"event": "${name}", "data": {}}`).ok).toBe(false);
      expect(check('{"return": {}}', { replyTo: name }).ok).toBe(false);
    }
  });
});

describe('deep nesting', () => {
  const DEPTH = 100_000;

  function deepArray(n: number): unknown {
    let v: unknown = 0;
    for (let i = 0; i < n; i++) v = [v];
    return v;
  }
  function deepObject(n: number): unknown {
    let v: unknown = 0;
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  }

  it('through the reader: 100,000 levels is a QmpJsonError at the nesting limit', () => {
    const pairs: [string, string][] = [
      ['[', ']'],
      ['{"a":', '}'],
    ];
    for (const [open, close] of pairs) {
      const text = `{"execute": "migrate", "arguments": {"uri": "u", "x": ${open.repeat(DEPTH)}0${close.repeat(DEPTH)}}}`;
      const e = cleanError(() => J(text));
      expect(e).toBeInstanceOf(rt.QmpJsonError);
      expect(e.message).toMatch(/nesting depth limit exceeded \(1024\)/);
      const v = check(text);
      expect(v.ok).toBe(false);
      expect(v.error).toMatch(/nesting depth limit exceeded/);
      // Unbalanced: only opening brackets.
      expect(cleanError(() => J(open.repeat(DEPTH)))).toBeInstanceOf(rt.QmpJsonError);
    }
  });

  it('as a JavaScript value inside any: every decoder, encoder, cloner and the writer end cleanly', () => {
    for (const deep of [deepArray(DEPTH), deepObject(DEPTH)]) {
      for (const [name, decode] of decodersOfDiag()) {
        const o = clean(() => decode(diag(deep)));
        if (!o.ok) expect(o.error.path, name).toMatch(/^extra/);
      }
      for (const [, write] of writersOfDiag()) clean(() => write(diag(deep)));
      expect(cleanError(() => rt.stringifyQmpJson(deep))).toBeInstanceOf(rt.QmpJsonError);
    }
  });

  it('a cycle inside any ends cleanly too', () => {
    const cyc: any = { a: [] };
    cyc.a.push(cyc);
    for (const [, decode] of decodersOfDiag()) expect(cleanError(() => decode(diag(cyc))).path).toMatch(/^extra/);
    for (const [, write] of writersOfDiag()) cleanError(() => write(diag(cyc)));
    expect(cleanError(() => rt.stringifyQmpJson(cyc))).toBeInstanceOf(rt.QmpJsonError);
  });

  it('a recursive schema type (BlockNodeOptions → backing → BlockNodeOptions) nested 100,000 deep as a JS value', () => {
    let v: any = { 'node-name': 'leaf', format: 'zero' };
    for (let i = 0; i < DEPTH; i++) v = { 'node-name': `n${i}`, format: 'qcow2', file: 'f', 'encrypt-format': 'none', backing: v };
    clean(() => index.decodeArguments('blockdev-attach', v));
    clean(() => rt.decodeValue(index.visitBlockNodeOptions, v, index.int64Mode));
    clean(() => index.encode('BlockNodeOptions', v));
    clean(() => index.clone('BlockNodeOptions', v));
    clean(() => rt.cloneValue(index.visitBlockNodeOptions, v));
  });

  it('a cyclic value of a recursive schema type', () => {
    const v: any = { 'node-name': 'n', format: 'qcow2', file: 'f', 'encrypt-format': 'none' };
    v.backing = v;
    clean(() => index.decodeArguments('blockdev-attach', v));
    clean(() => index.clone('BlockNodeOptions', v));
    clean(() => index.encode('BlockNodeOptions', v));
  });

  it('through text within the reader limit: 1000 levels of backing get a verdict, not a stack overflow', () => {
    let text = '{"node-name": "leaf", "format": "zero"}';
    for (let i = 0; i < 1000; i++) text = `{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "none", "backing": ${text}}`;
    const args = cleanValue(() => J(text));
    // Valid as far as the schema goes: QEMU would take it; a clean error (a depth limit) would do too.
    clean(() => index.decodeArguments('blockdev-attach', args));
    clean(() => check(`{"execute": "blockdev-attach", "arguments": ${text}}`));
  });

  it('the same through text stops at the reader (1024)', () => {
    let text = '{"node-name": "leaf", "format": "zero"}';
    for (let i = 0; i < 2000; i++) text = `{"node-name": "n", "format": "qcow2", "file": "f", "encrypt-format": "none", "backing": ${text}}`;
    expect(check(`{"execute": "blockdev-attach", "arguments": ${text}}`).error).toMatch(/nesting depth limit exceeded/);
  });
});

describe('big, odd and hostile scalars', () => {
  it('a 50 MB string member (argument, any, reply), in bounded time', () => {
    const big = 'a'.repeat(50 * 1024 * 1024);
    const text = `{"execute": "migrate", "arguments": {"uri": "${big}"}}`;
    const msg = cleanValue(() => J(text), 15_000);
    const args = cleanValue(() => index.decodeArguments('migrate', msg.arguments), 15_000);
    expect(args.uri.length).toBe(big.length);
    expect(clean(() => check(text)).ok).toBe(true);
    const d = cleanValue(() => index.decodeReturn('query-machine-diagnostics', diag({ s: big }, { hostname: big })), 15_000);
    expect(d.hostname.length).toBe(big.length);
    const written = cleanValue(() => rt.stringifyQmpJson(index.encode('MachineDiagnostics', d)), 15_000);
    expect(written.length).toBeGreaterThan(2 * big.length);
    // As an unknown member's name it is refused (the message names it).
    const e = cleanError(() => index.decodeArguments('migrate', { uri: 'u', [big.slice(0, 1_000_000)]: 1 }));
    expect(e.code).toBe('unexpected');
  }, 900_000);

  it('1e400 and other out-of-range floats read as ±Infinity (strtod); integers refuse them; Infinity/NaN as JS values end cleanly', () => {
    for (const lit of ['1e400', '-1e400', '1E+400', '123456789e999']) {
      const msg = cleanValue(() => J(`{"return": {"load": ${lit}}}`));
      expect(Math.abs(msg.return.load), lit).toBe(Infinity);
      const v = clean(() => check(`{"execute": "block-resize", "arguments": {"node-name": "n", "size": ${lit}}}`));
      expect(v.ok && v.value.ok, lit).toBe(false);
    }
    for (const x of [Infinity, -Infinity, NaN]) {
      for (const [, decode] of decodersOfDiag()) clean(() => decode(diag(undefined, { load: x })));
      for (const [, decode] of decodersOfDiag()) expect(cleanError(() => decode(diag(undefined, { nice: x }))).path).toBe('nice');
      const o = clean(() => rt.stringifyQmpJson(index.encode('MachineDiagnostics', diag(undefined, { load: x }))));
      // Either the encoder or the writer refuses what JSON can't hold.
      expect(o.ok).toBe(false);
    }
  });

  it('huge integer literals: a reader error or a range error, quickly', () => {
    for (const digits of [25, 1000, 1001, 100_000]) {
      const text = `{"execute": "block-resize", "arguments": {"node-name": "n", "size": ${'9'.repeat(digits)}}}`;
      const v = clean(() => check(text));
      expect(v.ok && v.value.ok).toBe(false);
    }
  });

  it('-0: an integer member reads as +0; a number member round-trips as zero', () => {
    const msg = J('{"return": {"x": -0}}');
    expect(Object.is(msg.return.x, -0) || Object.is(msg.return.x, 0)).toBe(true);
    for (const [name, decode] of decodersOfDiag()) {
      const v = cleanValue(() => decode(diag(undefined, { nice: J('-0'), 'ram-size': J('-0'), load: J('-0') })));
      expect(Object.is(v.nice, 0), name).toBe(true);
      expect(Object.is(v['ram-size'], 0), name).toBe(true);
      const text = rt.stringifyQmpJson(index.encode('MachineDiagnostics', v));
      expect(J(text).load === 0, name).toBe(true);
    }
    expect(cleanValue(() => index.decodeArguments('block-resize', J('{"node-name": "n", "size": -0}')))).toEqual({ 'node-name': 'n', size: 0 });
  });

  it('lone surrogates in values, keys and enum values: reader errors (as QEMU), never decoded', () => {
    for (const s of ['\\ud800', '\\udfff', 'a\\ud800b', '\\udc00\\ud800']) {
      const text = `{"execute": "migrate", "arguments": {"uri": "${s}"}}`;
      expect(cleanError(() => J(text))).toBeInstanceOf(rt.QmpJsonError);
      expect(cleanError(() => J(`{"uri": "u", "${s}": 1}`)).message).toMatch(/^JSON parse error, .* is not a valid Unicode character/);
      // As JavaScript strings (not from the reader) they decode cleanly.
      const args = cleanValue(() => index.decodeArguments('migrate', { uri: JSON.parse(`"${s}"`) }));
      expect(args.uri).toBe(JSON.parse(`"${s}"`));
      // Written, escaped (so the output is well-formed).
      const written = rt.stringifyQmpJson(args);
      expect(written.isWellFormed?.() ?? true).toBe(true);
      expect(cleanError(() => index.decodeArguments('migrate-set-parameters', { 'backend-transfer': [JSON.parse(`"${s}"`)] })).code).toBe('enum');
    }
    // Raw (unescaped) lone surrogates in the text.
    expect(clean(() => check(`{"execute": "migrate", "arguments": {"uri": "\ud800"}}`)).ok).toBe(true);
    clean(() => check(`{"execute": "migrate", "arguments": {"uri": "u", "\udc00": 1}}`));
    expect(cleanError(() => J(`{"uri": "\ud800"}`)).message).toMatch(/^JSON parse error, invalid UTF-8 sequence in string/);
  });

  it('duplicate keys (via text) end cleanly, and never smuggle a prototype', () => {
    const texts = [
      '{"execute": "migrate", "arguments": {"uri": "a", "uri": "b"}}',
      '{"execute": "migrate", "arguments": {"uri": "a", "uri": 1}}',
      '{"execute": "migrate-pause", "execute": "migrate", "arguments": {"uri": "a"}}',
      '{"execute": "migrate", "arguments": {"uri": "a"}, "arguments": {"bogus": 1}}',
      '{"execute": "migrate", "arguments": {"uri": "a", "__proto__": {"polluted": 1}, "__proto__": {"polluted": 2}}}',
      '{"return": {"max-bandwidth": 1, "max-bandwidth": 2}, "return": {}}',
    ];
    for (const text of texts) {
      const parsed = clean(() => J(text));
      clean(() => check(text, { replyTo: 'query-migrate-parameters' }));
      if (parsed.ok) {
        // Whatever the reader keeps, decoding it is clean and sees the same as checkQmpMessage.
        const msg = parsed.value;
        if ('execute' in msg) {
          const d = clean(() => index.decodeArguments(msg.execute, msg.arguments));
          expect(d.ok).toBe(check(text).ok);
        }
      }
    }
  });
});
