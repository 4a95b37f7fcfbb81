/**
 * fast-check arbitraries built from the schema model (generator/model):
 *
 * - `valueArbitrary(type, opts)`: random valid typed values of any schema
 *   type, as the generated TypeScript holds them (64-bit kinds as `bigint`
 *   under `--int64 bigint`), depth-limited for recursive types;
 * - `mutationArbitrary(type, opts)`: a valid value with ONE invalid change at
 *   a random location, with the path (QEMU's `a.b[2].c`) and the message the
 *   strict input visitor must report;
 * - `scrambleArbitrary(type, opts)`: a valid value with an arbitrary change
 *   (garbage JSON, deletions, extra keys, unknown enum values…) at a random
 *   location, for differential tests where only agreement matters;
 * - `garbageArbitrary()`: random JSON-ish values, including bigints and keys
 *   such as `__proto__`.
 */
import fc from 'fast-check';
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaEnumType,
  SchemaObjectType,
  type SchemaObjectTypeMember,
  type SchemaType,
} from '../../generator/model/entities.js';
import { BIGINT_KINDS as RUNTIME_BIGINT_KINDS, INT_RANGES } from '../../templates/runtime/ints.js';
import type { IntKind, Key } from '../../templates/runtime/visitor.js';

export interface ArbOptions {
  /** How the generated code holds `int64`, `uint64` and `size`. */
  readonly int64: 'number' | 'bigint';
  /** Objects and lists nested deeper than this get only what they must have. Default 4. */
  readonly maxDepth?: number;
  /** Longest generated list. Default 3. */
  readonly maxListLength?: number;
}

const INT_KINDS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'size']);
/** The kinds the generated types hold as `bigint` under `--int64 bigint` (emit/types.ts). */
const BIGINT_KINDS: ReadonlySet<string> = new Set(RUNTIME_BIGINT_KINDS);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function isIntKind(t: SchemaType): boolean {
  return t instanceof SchemaBuiltinType && INT_KINDS.has(t.name);
}

/** Whether the generated code holds values of this built-in as `bigint`. */
export function heldAsBigint(t: SchemaType, int64: 'number' | 'bigint'): boolean {
  return int64 === 'bigint' && t instanceof SchemaBuiltinType && BIGINT_KINDS.has(t.name);
}

// ---------------------------------------------------------------------------
// Leaves
// ---------------------------------------------------------------------------

function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
}

function objectFromEntries(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) setOwn(o, k, v);
  return o;
}

/** Integers of a kind: boundaries and their neighbours often, anything in range otherwise. */
function intArbitrary(kind: IntKind, asBigint: boolean): fc.Arbitrary<number | bigint> {
  const r = INT_RANGES[kind];
  let min = r.min;
  let max = r.max;
  if (!asBigint) {
    if (min < MIN_SAFE) min = MIN_SAFE;
    if (max > MAX_SAFE) max = MAX_SAFE;
  }
  const special = [min, max, min + 1n, max - 1n, 0n, 1n, -1n].filter((x) => x >= min && x <= max);
  const big = fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...special) },
    { weight: 3, arbitrary: fc.bigInt({ min, max }) },
    { weight: 2, arbitrary: fc.bigInt({ min: min > -1000n ? min : -1000n, max: max < 1000n ? max : 1000n }) },
  );
  return asBigint ? big : big.map((x) => Number(x));
}

const SPECIAL_STRINGS = ['', '__proto__', 'constructor', 'toString', 'a.b[2].c', '%s', '\u0000', 'é', '😀', '\ufffd'];

/**
 * Whether QEMU's reader (and so ours) takes the string: no lone surrogate,
 * no noncharacter. Values go through text, so the strings keep to these.
 */
function qemuReadable(s: string): boolean {
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if ((cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe) return false;
  }
  return true;
}

/** Strings: ASCII, full Unicode (astral too; what QEMU reads), and names that are traps for objects. */
export function stringArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 8 }).filter(qemuReadable) },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }).filter(qemuReadable) },
    { weight: 1, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  );
}

/**
 * Finite doubles that survive the QMP writer and reader. -0 is left out:
 * stringifyQmpJson writes it as `0` on purpose (QEMU reads `-0` as the
 * integer 0, so QEMU does not keep the sign either).
 */
export function doubleArbitrary(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0)),
    fc.constantFrom(0, 1, -1, 0.5, 1e21, 2 ** 53, 2 ** 60, -(2 ** 63), 1.7976931348623157e308, 5e-324),
  );
}

/**
 * A JSON value as the exact QMP reader produces it: safe integers and other
 * doubles as `number`, integers beyond 2^53 as `bigint`. Integral doubles
 * beyond 2^53 written without an exponent read back as `bigint`, so they
 * are left out, as is -0.
 */
export function jsonValueArbitrary(maxDepth = 2): fc.Arbitrary<unknown> {
  const num = fc.oneof(
    fc.integer({ min: -1000, max: 1000 }),
    fc.maxSafeInteger(),
    fc
      .double({ noNaN: true, noDefaultInfinity: true })
      .filter((x) => !Object.is(x, -0) && (Number.isSafeInteger(x) || !Number.isInteger(x) || String(x).includes('e'))),
    fc.oneof(fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 70n }), fc.bigInt({ min: -(2n ** 70n), max: MIN_SAFE - 1n })),
  );
  const key = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 6 }) }, { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'hasOwnProperty') });
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      num,
      stringArbitrary(),
      fc.array(tie('value'), { maxLength: 3 }),
      fc.uniqueArray(fc.tuple(key, tie('value')), { maxLength: 3, selector: (e) => e[0] }).map(objectFromEntries),
    ),
  }));
  return value;
}

/**
 * Anything at all where a typed value is expected: JSON values, plus values
 * no JSON reader produces (undefined, NaN, -0, unsafe integral numbers, a
 * Date, a class instance, a sparse array).
 */
export function garbageArbitrary(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: jsonValueArbitrary(3) },
    {
      weight: 1,
      arbitrary: fc.constantFrom<unknown>(
        undefined,
        NaN,
        Infinity,
        -0,
        2 ** 60,
        1.5,
        -1,
        2n ** 64n,
        -(2n ** 63n) - 1n,
        '',
        [],
        {},
        [undefined],
      ),
    },
    { weight: 1, arbitrary: fc.constantFrom<() => unknown>(() => new Date(0), () => new (class X {})(), () => [, 1], () => Object.create(null)).map((f) => f()) },
  );
}

// ---------------------------------------------------------------------------
// Valid values of any schema type
// ---------------------------------------------------------------------------

function requiredMembers(t: SchemaObjectType): SchemaObjectTypeMember[] {
  return allLocalMembers(t).filter((m) => !m.optional);
}

/** Base members first, then local ones (branches not included). */
export function allLocalMembers(t: SchemaObjectType): SchemaObjectTypeMember[] {
  return [...(t.base ? allLocalMembers(t.base) : []), ...t.localMembers];
}

/**
 * The height of the smallest value of every type (0 for scalars, 1 for an
 * empty list, 1 + the tallest required member for objects, the shortest
 * branch for alternates and unions). Beyond the depth limit, only the
 * choices that reach a smallest value are taken, so recursive types end.
 */
class Heights {
  private readonly h = new Map<SchemaType, number>();
  constructor(private readonly types: Iterable<SchemaType>) {
    const all = new Set<SchemaType>();
    const add = (t: SchemaType): void => {
      if (all.has(t)) return;
      all.add(t);
      if (t instanceof SchemaArrayType) add(t.elementType);
      else if (t instanceof SchemaObjectType) {
        if (t.base) add(t.base);
        for (const m of t.localMembers) add(m.type);
        for (const b of t.branches?.variants ?? []) add(b.type);
      } else if (t instanceof SchemaAlternateType) for (const b of t.alternatives.variants) add(b.type);
    };
    for (const t of this.types) add(t);
    for (let changed = true; changed; ) {
      changed = false;
      for (const t of all) {
        const n = this.compute(t);
        if (n < this.get(t)) {
          this.h.set(t, n);
          changed = true;
        }
      }
    }
  }
  get(t: SchemaType): number {
    return this.h.get(t) ?? Infinity;
  }
  private compute(t: SchemaType): number {
    if (t instanceof SchemaBuiltinType || t instanceof SchemaEnumType) return 0;
    if (t instanceof SchemaArrayType) return 1;
    if (t instanceof SchemaAlternateType) return Math.min(...t.alternatives.variants.map((b) => this.get(b.type)));
    if (t instanceof SchemaObjectType) return 1 + this.objectMembersHeight(t);
    return Infinity;
  }
  /** Height of the members (not counting the object itself). */
  objectMembersHeight(t: SchemaObjectType): number {
    let h = 0;
    for (const m of requiredMembers(t)) h = Math.max(h, this.get(m.type));
    if (t.branches) h = Math.max(h, Math.min(...t.branches.variants.map((b) => this.objectMembersHeight(b.type as SchemaObjectType))));
    return h;
  }
}

type Entries = (readonly [string, unknown])[];

/** Builds value arbitraries for the types of one schema, memoized per (type, depth). */
export class ValueArbitraries {
  private readonly memo = new Map<string, fc.Arbitrary<unknown>>();
  private readonly heights: Heights;
  private readonly maxDepth: number;
  private readonly maxListLength: number;
  private readonly ids = new Map<SchemaType, number>();

  constructor(
    types: Iterable<SchemaType>,
    readonly opts: ArbOptions,
  ) {
    this.heights = new Heights(types);
    this.maxDepth = opts.maxDepth ?? 4;
    this.maxListLength = opts.maxListLength ?? 3;
  }

  private id(t: SchemaType): number {
    let n = this.ids.get(t);
    if (n === undefined) this.ids.set(t, (n = this.ids.size));
    return n;
  }

  /** Random valid values of `t`; `depth` is how deep in objects and lists the value sits. */
  value(t: SchemaType, depth = 0): fc.Arbitrary<unknown> {
    const d = Math.min(depth, this.maxDepth + 1);
    const key = `${this.id(t)}@${d}`;
    let a = this.memo.get(key);
    if (a === undefined) {
      // No cycle while building: every object and list adds a level, and beyond maxDepth only smaller values are chosen.
      a = this.build(t, d);
      this.memo.set(key, a);
    }
    return a;
  }

  private minimal(depth: number): boolean {
    return depth > this.maxDepth;
  }

  private build(t: SchemaType, depth: number): fc.Arbitrary<unknown> {
    if (t instanceof SchemaBuiltinType) return this.builtin(t);
    if (t instanceof SchemaEnumType) return fc.constantFrom(...t.members.map((m) => m.name));
    if (t instanceof SchemaArrayType) {
      if (this.minimal(depth)) return fc.constant([]);
      return fc.array(this.value(t.elementType, depth + 1), { maxLength: this.maxListLength });
    }
    if (t instanceof SchemaAlternateType) {
      let branches = t.alternatives.variants;
      if (this.minimal(depth)) {
        const best = this.heights.get(t);
        branches = branches.filter((b) => this.heights.get(b.type) === best);
      }
      return fc.oneof(...branches.map((b) => this.value(b.type, depth)));
    }
    if (t instanceof SchemaObjectType) return this.members(t, depth + 1, null).map(objectFromEntries);
    throw new Error(`no arbitrary for ${t.describe()}`);
  }

  private builtin(t: SchemaBuiltinType): fc.Arbitrary<unknown> {
    if (INT_KINDS.has(t.name)) return intArbitrary(t.name as IntKind, heldAsBigint(t, this.opts.int64));
    switch (t.name) {
      case 'str':
        return stringArbitrary();
      case 'number':
        return doubleArbitrary();
      case 'bool':
        return fc.boolean();
      case 'null':
        return fc.constant(null);
      case 'any':
        return jsonValueArbitrary(2);
      default:
        throw new Error(`no arbitrary for built-in ${t.name}`);
    }
  }

  /**
   * The members of an object type as entries, in the order the walk visits
   * them: base members, local members, then the chosen branch's members.
   * `tag` fixes the value of the tag member (set by the enclosing union).
   * `depth` is the depth of the members' values.
   */
  private members(t: SchemaObjectType, depth: number, tag: { name: string; value: string } | null): fc.Arbitrary<Entries> {
    const minimal = this.minimal(depth);
    if (t.branches) {
      const tagName = t.branches.tagMember!.name;
      let variants = t.branches.variants;
      if (minimal) {
        const best = Math.min(...variants.map((b) => this.heights.objectMembersHeight(b.type as SchemaObjectType)));
        variants = variants.filter((b) => this.heights.objectMembersHeight(b.type as SchemaObjectType) === best);
      }
      return fc.oneof(
        ...variants.map((b) =>
          fc
            .tuple(this.plainMembers(t, depth, { name: tagName, value: b.name }, tag), this.members(b.type as SchemaObjectType, depth, null))
            .map(([common, branch]) => [...common, ...branch]),
        ),
      );
    }
    return this.plainMembers(t, depth, tag, null);
  }

  /** Base and local members (no branches). */
  private plainMembers(
    t: SchemaObjectType,
    depth: number,
    tag: { name: string; value: string } | null,
    outerTag: { name: string; value: string } | null,
  ): fc.Arbitrary<Entries> {
    const minimal = this.minimal(depth);
    const parts: fc.Arbitrary<Entries>[] = [];
    if (t.base) parts.push(this.plainMembers(t.base, depth, tag, outerTag));
    for (const m of t.localMembers) {
      const fixed = tag?.name === m.name ? tag : outerTag?.name === m.name ? outerTag : null;
      if (fixed) {
        parts.push(fc.constant([[m.name, fixed.value] as const]));
      } else if (!m.optional) {
        parts.push(this.value(m.type, depth).map((v) => [[m.name, v] as const]));
      } else if (!minimal) {
        parts.push(fc.option(this.value(m.type, depth), { nil: undefined, freq: 3 }).map((v) => (v === undefined ? [] : [[m.name, v] as const])));
      }
    }
    return fc.tuple(...parts).map((ps) => ps.flat());
  }
}

/** Random valid values of a type (one-off; share a {@link ValueArbitraries} for many types). */
export function valueArbitrary(type: SchemaType, opts: ArbOptions): fc.Arbitrary<unknown> {
  return new ValueArbitraries([type], opts).value(type);
}

// ---------------------------------------------------------------------------
// Locations in a value, and invalid mutations
// ---------------------------------------------------------------------------

/** A place in a valid value: its path and declared type (an alternate, not the branch, where there is one). */
export interface Location {
  readonly keys: readonly Key[];
  readonly type: SchemaType;
  readonly value: unknown;
}

/** QEMU's rendering of a path: `a.b[2].c`, `null` at the top. */
export function renderPath(keys: readonly Key[]): string {
  let out = '';
  for (const k of keys) {
    if (typeof k === 'number') out += `[${k}]`;
    else if (k !== null) out += out === '' ? k : `.${k}`;
  }
  return out === '' ? 'null' : out;
}

/** The alternative an alternate's visitor picks for a valid value (jsonTypes are distinct). */
export function alternateBranchType(t: SchemaAlternateType, x: unknown): SchemaType | undefined {
  const jt = jsonTypeOf(x);
  return t.alternatives.variants.find((b) => b.type.alternateJsonType() === jt)?.type;
}

export function jsonTypeOf(x: unknown): string | undefined {
  switch (typeof x) {
    case 'string':
      return 'string';
    case 'number':
    case 'bigint':
      return 'number';
    case 'boolean':
      return 'boolean';
    case 'object':
      return x === null ? 'null' : Array.isArray(x) ? 'array' : 'object';
    default:
      return undefined;
  }
}

/** The object types whose members a union value has: its own, and those of the chosen branch (recursively). */
export function objectMembersOf(t: SchemaObjectType, x: Record<string, unknown>): SchemaObjectTypeMember[] {
  const out = allLocalMembers(t);
  if (t.branches) {
    const tag = x[t.branches.tagMember!.name];
    const b = t.branches.variants.find((v) => v.name === tag);
    if (b && b.type instanceof SchemaObjectType) out.push(...objectMembersOf(b.type, x));
  }
  return out;
}

/** Every location of a valid value, outermost first. */
export function locations(t: SchemaType, x: unknown, keys: Key[] = []): Location[] {
  const out: Location[] = [{ keys, type: t, value: x }];
  let inner: SchemaType | undefined = t;
  if (t instanceof SchemaAlternateType) inner = alternateBranchType(t, x);
  if (inner instanceof SchemaArrayType && Array.isArray(x)) {
    x.forEach((e, i) => out.push(...locations(inner.elementType, e, [...keys, i])));
  } else if (inner instanceof SchemaObjectType && typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    for (const m of objectMembersOf(inner, o)) {
      if (Object.prototype.hasOwnProperty.call(o, m.name)) out.push(...locations(m.type, o[m.name], [...keys, m.name]));
    }
  }
  return out;
}

/** A deep copy (plain objects, arrays, scalars; `__proto__` keys kept as data). */
export function deepCopy<T>(x: T): T {
  if (Array.isArray(x)) return x.map(deepCopy) as T;
  if (typeof x === 'object' && x !== null) {
    const o: Record<string, unknown> = {};
    for (const k of Object.keys(x)) setOwn(o, k, deepCopy((x as Record<string, unknown>)[k]));
    return o as T;
  }
  return x;
}

/** `root` with the value at `keys` replaced by `f(old)`, or deleted when `f` returns DELETE. */
export const DELETE = Symbol('delete');
export function updateAt(root: unknown, keys: readonly Key[], f: (old: unknown) => unknown): unknown {
  if (keys.length === 0) return f(root);
  const copy = deepCopy(root);
  let parent = copy as Record<string | number, unknown>;
  for (const k of keys.slice(0, -1)) parent = parent[k as string | number] as Record<string | number, unknown>;
  const last = keys[keys.length - 1]! as string | number;
  const nv = f(parent[last]);
  if (nv === DELETE) {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (typeof last === 'string') setOwn(parent as Record<string, unknown>, last, nv);
  else parent[last] = nv;
  return copy;
}

export type MutationKind = 'missing' | 'unexpected' | 'type' | 'range' | 'inexact' | 'enum' | 'alternate';

export interface Mutation {
  readonly value: unknown;
  /** The path the error must name, QEMU's way. */
  readonly path: string;
  readonly kind: MutationKind;
  /** The strict input visitor's message. */
  readonly message: string;
  /** What was done, for failure reports. */
  readonly description: string;
}

/** A name no QEMU type has. */
export const UNKNOWN_MEMBER = 'qapi-ts-no-such-member';
export const UNKNOWN_ENUM_VALUE = 'qapi-ts-no-such-value';

const ALL_JSON: Record<string, unknown[]> = {
  string: ['', 'x', '1'],
  number: [0, 1.5, -7, 2n ** 70n],
  boolean: [true, false],
  null: [null],
  object: [{}, { a: 1 }],
  array: [[], [1]],
};

/** QEMU's "expected: …" for a scalar or container type (null for `any`, which takes everything). */
/** The kinds QEMU's input visitor reads with type_uint64 (size too: the QMP input visitor has no type_size). */
function isUnsignedKind(kind: IntKind): boolean {
  return kind.startsWith('u') || kind === 'size';
}

function expectedJson(t: SchemaType): string | null {
  if (t instanceof SchemaBuiltinType) {
    if (INT_KINDS.has(t.name)) return 'integer';
    return ({ str: 'string', number: 'number', bool: 'boolean', null: 'null' } as Record<string, string>)[t.name] ?? null;
  }
  if (t instanceof SchemaEnumType) return 'string';
  if (t instanceof SchemaObjectType) return 'object';
  if (t instanceof SchemaArrayType) return 'array';
  return null;
}

/** The JSON types a type accepts (for wrong-type replacements). */
function acceptedJson(t: SchemaType): Set<string> | null {
  if (t instanceof SchemaAlternateType) return new Set(t.alternatives.variants.map((b) => b.type.alternateJsonType()!));
  const e = expectedJson(t);
  if (e === null) return null;
  return new Set([e === 'integer' ? 'number' : e]);
}

/** The invalid changes possible at one location, each with its expected error. */
function mutationsAt(loc: Location, strict: boolean, opts: ArbOptions): fc.Arbitrary<Mutation>[] {
  const out: fc.Arbitrary<Mutation>[] = [];
  const p = renderPath(loc.keys);
  const t = loc.type;
  const sub = (k: string | number): string => renderPath([...loc.keys, k]);

  // Wrong JSON type.
  const accepted = acceptedJson(t);
  if (accepted) {
    const wrong = Object.entries(ALL_JSON)
      .filter(([jt]) => !accepted.has(jt))
      .flatMap(([, xs]) => xs);
    const message =
      t instanceof SchemaAlternateType
        ? `Invalid parameter type for '${p}', expected: ${t.name}`
        : isIntKind(t) && isUnsignedKind(t.name as IntKind)
          ? `Parameter '${p}' expects uint64` // QEMU's type_uint64 says so whatever the JSON type
          : `Invalid parameter type for '${p}', expected: ${expectedJson(t)}`;
    const kind: MutationKind = t instanceof SchemaAlternateType ? 'alternate' : 'type';
    if (wrong.length) out.push(fc.constantFrom(...wrong).map((w) => ({ value: w, path: p, kind, message, description: `replace ${p} with ${show(w)}` })));
    if (isIntKind(t)) {
      out.push(fc.constantFrom(0.5, -1.25, 1e-300).map((w) => ({ value: w, path: p, kind: 'type' as const, message, description: `replace ${p} with ${w}` })));
    }
  }

  // Integers: out of range, and (as a number) not exact.
  let intType: SchemaType | undefined = t;
  if (t instanceof SchemaAlternateType) intType = t.alternatives.variants.find((b) => isIntKind(b.type))?.type;
  if (intType && isIntKind(intType)) {
    const kind = intType.name as IntKind;
    const r = INT_RANGES[kind];
    const unsigned = isUnsignedKind(kind);
    // QEMU casts a negative int64 to uint64: -1 is a valid uint64 or size (2^64-1), so the bad ones lie below int64 there.
    const bad = unsigned && r.wide ? [r.max + 1n, r.max + 12345n, -(2n ** 63n) - 1n, r.min - 2n ** 65n] : [r.max + 1n, r.min - 1n, r.max + 12345n, r.min - 2n ** 65n];
    // The 8/16/32-bit range error names the bare member (QEMU: name ? name : "null"); type_int64/type_uint64 the path.
    const bare = p === 'null' || p.endsWith(']') ? 'null' : p.slice(p.lastIndexOf('.') + 1).replace(/^.*\]/, '');
    out.push(
      fc.constantFrom(...bad).map((b) => {
        const v = b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b;
        const beyond64 = unsigned ? b < -(2n ** 63n) || b > 2n ** 64n - 1n : b < -(2n ** 63n) || b > 2n ** 63n - 1n;
        const message = beyond64
          ? unsigned
            ? `Parameter '${p}' expects uint64`
            : `Invalid parameter type for '${p}', expected: integer`
          : `Parameter '${bare}' expects ${r.typeName}`;
        return { value: v, path: p, kind: 'range' as const, message, description: `replace ${p} with ${b}` };
      }),
    );
    if (!heldAsBigint(intType, opts.int64) && r.max > MAX_SAFE) {
      out.push(
        fc.bigInt({ min: MAX_SAFE + 1n, max: r.max }).map((b) => ({
          value: b,
          path: p,
          kind: 'inexact' as const,
          message: `Parameter '${p}' value ${b} cannot be represented exactly as a number (generate with --int64 bigint)`,
          description: `replace ${p} with ${b}`,
        })),
      );
    }
  }

  // Unknown enum value (an alternate with an enum branch takes strings there).
  let enumType: SchemaType | undefined = t;
  if (t instanceof SchemaAlternateType) enumType = t.alternatives.variants.find((b) => b.type instanceof SchemaEnumType)?.type;
  if (enumType instanceof SchemaEnumType) {
    const values = new Set(enumType.members.map((m) => m.name));
    out.push(
      fc
        .constantFrom(UNKNOWN_ENUM_VALUE, '', 'X', '__proto__')
        .filter((s) => !values.has(s))
        .map((s) => ({ value: s, path: p, kind: 'enum' as const, message: `Parameter '${p}' does not accept value '${s}'`, description: `replace ${p} with '${s}'` })),
    );
  }

  // Objects: a required member deleted, an unknown member added.
  let objType: SchemaType | undefined = t;
  if (t instanceof SchemaAlternateType) objType = alternateBranchType(t, loc.value);
  if (objType instanceof SchemaObjectType && typeof loc.value === 'object' && loc.value !== null && !Array.isArray(loc.value)) {
    const required = objectMembersOf(objType, loc.value as Record<string, unknown>).filter((m) => !m.optional);
    if (required.length) {
      out.push(
        fc.constantFrom(...required).map((m) => ({
          value: DELETE_MEMBER(m.name),
          path: sub(m.name),
          kind: 'missing' as const,
          message: `Parameter '${sub(m.name)}' is missing`,
          description: `delete ${sub(m.name)}`,
        })),
      );
    }
    if (strict) {
      out.push(
        fc.constantFrom(UNKNOWN_MEMBER, '__proto__', 'constructor').map((k) => ({
          value: ADD_MEMBER(k),
          path: sub(k),
          kind: 'unexpected' as const,
          message: `Parameter '${sub(k)}' is unexpected`,
          description: `add ${sub(k)}`,
        })),
      );
    }
  }
  return out;
}

/**
 * One of `items`; with `shallow`, mostly the top or a member of it: where a
 * type's own code runs (nested values are the nested types' business, and
 * a test that covers every type covers those too).
 */
function pickLocation<T>(items: readonly T[], depth: (x: T) => number, shallow: boolean): fc.Arbitrary<T> {
  const all = fc.constantFrom(...items);
  if (!shallow) return all;
  const near = items.filter((x) => depth(x) <= 1);
  return near.length ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...near) }, { weight: 1, arbitrary: all }) : all;
}

interface MemberEdit {
  readonly edit: 'delete' | 'add';
  readonly name: string;
}
const EDIT = Symbol('member edit');
function DELETE_MEMBER(name: string): unknown {
  return { [EDIT]: { edit: 'delete', name } satisfies MemberEdit };
}
function ADD_MEMBER(name: string): unknown {
  return { [EDIT]: { edit: 'add', name } satisfies MemberEdit };
}

function applyAt(root: unknown, keys: readonly Key[], replacement: unknown): unknown {
  const edit = typeof replacement === 'object' && replacement !== null ? (replacement as { [EDIT]?: MemberEdit })[EDIT] : undefined;
  if (edit === undefined) return updateAt(root, keys, () => replacement);
  return updateAt(root, keys, (old) => {
    const o = deepCopy(old) as Record<string, unknown>;
    if (edit.edit === 'delete') delete o[edit.name];
    else setOwn(o, edit.name, 1);
    return o;
  });
}

export function show(x: unknown): string {
  try {
    return JSON.stringify(x, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v === undefined ? '<undefined>' : v)) ?? String(x);
  } catch {
    return String(x);
  }
}

/**
 * A valid value of `type` with one invalid change at a random location, and
 * the error strict input must report (unknown members only when `strict`).
 * Values with nowhere to go wrong (a lone `any`) are filtered out.
 */
export function mutationArbitrary(
  type: SchemaType,
  opts: ArbOptions & { readonly strict?: boolean; readonly shallow?: boolean },
  values: ValueArbitraries = new ValueArbitraries([type], opts),
): fc.Arbitrary<Mutation & { readonly original: unknown }> {
  const strict = opts.strict ?? true;
  return values
    .value(type)
    .chain((v) => {
      const sites = locations(type, v)
        .map((loc) => ({ loc, muts: mutationsAt(loc, strict, opts) }))
        .filter((s) => s.muts.length > 0);
      if (sites.length === 0) return fc.constant(null);
      return pickLocation(sites, (s) => s.loc.keys.length, opts.shallow === true)
        .chain((s) => fc.oneof(...s.muts).map((m) => ({ ...m, value: applyAt(v, s.loc.keys, m.value), original: v })));
    })
    .filter((m): m is Mutation & { original: unknown } => m !== null);
}

/**
 * A valid value with an arbitrary change at a random location: garbage, a
 * member deleted or set to undefined, an extra member, an unknown enum value
 * or union tag, an out-of-range integer, or one of the invalid mutations.
 * No expected outcome: for tests that compare two implementations.
 */
export function scrambleArbitrary(type: SchemaType, values: ValueArbitraries, shallow = false): fc.Arbitrary<unknown> {
  return values.value(type).chain((v) => {
    const locs = locations(type, v);
    return pickLocation(locs, (l) => l.keys.length, shallow).chain((loc) => {
      const changes: fc.Arbitrary<unknown>[] = [garbageArbitrary().map((g) => updateAt(v, loc.keys, () => g))];
      const muts = mutationsAt(loc, true, values.opts);
      if (muts.length) changes.push(fc.oneof(...muts).map((m) => applyAt(v, loc.keys, m.value)));
      if (loc.keys.length > 0) {
        changes.push(fc.constant(updateAt(v, loc.keys, () => DELETE)));
        changes.push(fc.constant(updateAt(v, loc.keys, () => undefined)));
      }
      if (typeof loc.value === 'object' && loc.value !== null && !Array.isArray(loc.value)) {
        changes.push(
          fc
            .tuple(fc.constantFrom('__proto__', 'constructor', 'toString', UNKNOWN_MEMBER, ...Object.keys(loc.value)), garbageArbitrary())
            .map(([k, g]) =>
              updateAt(v, loc.keys, (old) => {
                const o = deepCopy(old) as Record<string, unknown>;
                setOwn(o, k, g);
                return o;
              }),
            ),
        );
      }
      return fc.oneof(...changes);
    });
  });
}
