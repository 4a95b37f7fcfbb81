/**
 * The codec emitter (`--codecs`): a module's walk plans → `X.codec.ts`, the
 * walks of the stock visitors written out for each list, struct, union and
 * alternate, exactly as the interpreter's fast closures
 * (templates/runtime/plans.ts) run them, and held to give exactly their
 * results and errors:
 *
 * - `decodeFoo` (input visitor): `checkFoo(x, strict)` answers whether the
 *   walk would give back a value equal to `x`; if so `x` is the result,
 *   otherwise the walk (`visitFoo`) runs (codec-support.ts says why that is
 *   sound);
 * - `encodeFoo` (output visitor): the walk written out, without the
 *   indirection; leaf values still go through the visitor's methods. A
 *   struct's encode takes `clean` last: whether Object.prototype is
 *   untouched, so that plain objects can be read without hasOwn (a call
 *   from outside leaves it out, and it is asked once);
 * - `cloneFoo` (QAPI_CLONE): `fastCloneFoo` copies what it expects and
 *   gives up on anything else, and the walk decides.
 *
 * Each file ends with a map from type name to its codecs
 * (`migrationCodecs`), which index.ts hands to `linkPlans`. Helpers are
 * exported only where another module's codecs call them.
 *
 * Reads plans only: built-in facts (integer ranges, feature words) come
 * from the plans and the runtime, names and paths from the module plans.
 */
import type { StatementStructures } from 'ts-morph';
import { visitorName, type FeatureWord } from '../../templates/runtime/plans.js';
import {
  type AlternatePlan,
  type EnumPlan,
  type IntPlan,
  type ListPlan,
  type MemberPlan,
  type ModulePlan,
  type ObjectPlan,
  type ScalarPlan,
  type SchemaPlans,
  type TypePlan,
  type TypeRef,
} from '../plan/plans.js';
import { ImportBinder } from './binder.js';
import { CONST, Kind } from './structure-kind.js';
import { propertyKey, quote } from './naming.js';

/** Names a plain object inherits from Object.prototype: reading them needs hasOwn, writing them setOwn. */
const INHERITED: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));
/** Enums up to this many values are checked with a chain of `===`, larger ones with a Set. */
const ENUM_CHAIN_MAX = 8;
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The name of a module's codec map (`migrationCodecs`), after its plan table's (`migrationPlans`). */
export function codecMapName(mp: ModulePlan): string {
  return mp.tableName.replace(/Plans(\d*)$/, 'Codecs$1');
}

/** The types that get codecs: lists, structs, unions and alternates (enums and built-in scalars are inline). */
export function hasCodec(p: TypePlan): p is ListPlan | ObjectPlan | AlternatePlan {
  return p.kind === 'list' || p.kind === 'object' || p.kind === 'alternate';
}

/** What follows the verb in a type's codec names: `decodeFoo`, `checkStrList`, as `visitFoo`. */
function stem(p: TypePlan): string {
  return (p.visitName ?? visitorName(p.tsName)).slice('visit'.length);
}

/** A key as an object literal writes it: `__proto__` computed, so that it stays data. */
function literalKey(name: string): string {
  return name === '__proto__' ? `['__proto__']` : propertyKey(name);
}

/** The identifiers `body` uses, string literals (where member names sit) left out. */
function identifiers(body: string): ReadonlySet<string> {
  return new Set(body.replace(/'(?:[^'\\\n]|\\.)*'/g, "''").match(/[A-Za-z_$][\w$]*/g) ?? []);
}

/** A function, before its structure: whether it is exported is known once every module is emitted. */
interface FunctionSpec {
  readonly name: string;
  /** `[name, type, initializer?]`; a parameter the body does not use gets a leading underscore. */
  readonly params: readonly (readonly [string, string, string?])[];
  readonly returnType: string;
  readonly body: string;
  readonly doc: string;
  /** decodeFoo, encodeFoo, cloneFoo: always exported. */
  readonly isPublic: boolean;
}

/** One codec file being emitted: its imports, constants and functions. */
class CodecFile extends ImportBinder {
  /** Constants the functions read (feature objects, enum infos, enum value sets), in order. */
  readonly head = new Map<string, { type: string | null; init: string }>();
  readonly functions: FunctionSpec[] = [];
  /** Constants built from functions (alternates' branch tables): after the functions. */
  readonly tail = new Map<string, { type: string | null; init: string }>();
  /** The types with codecs, for the map at the end. */
  readonly entries: string[] = [];

  constructor(readonly mp: ModulePlan) {
    super(mp.codecPath);
  }
}

export interface CodecOutput {
  path: string;
  /** The schema module it comes from, as the header names it. */
  source: string;
  /** The name of its codec map (`migrationCodecs`), for index.ts. */
  mapName: string;
  statements: StatementStructures[];
}

class CodecEmitter {
  private file!: CodecFile;
  private readonly files: CodecFile[] = [];
  /** Per codec file, the helpers other codec files call: exported. */
  private readonly wanted = new Map<string, Set<string>>();
  /** Types file → codec file, for the modules that have codecs. */
  private readonly codecPaths = new Map<string, string>();
  /** Structs that are a union's branch: they need a members fast clone of their own. */
  private readonly branchTypes = new Set<TypeRef>();
  /** Under `--int64 bigint`, the types that can hold a wide integer: their decode may widen (fastWidenFoo). */
  private readonly widening: ReadonlySet<TypeRef>;

  constructor(
    private readonly plans: SchemaPlans,
    private readonly bigint: boolean,
  ) {
    for (const mp of plans.modules) if (mp.types.some(hasCodec)) this.codecPaths.set(mp.typesPath, mp.codecPath);
    for (const p of plans.types.values()) {
      if (p.kind === 'object' && p.union) for (const b of p.union.branches) if (b.type !== null) this.branchTypes.add(b.type);
    }
    this.widening = bigint ? this.wideningTypes() : new Set();
  }

  /**
   * The types from which a wide integer can be reached (lists, members,
   * branches, alternatives), to a fixed point: recursive types reach
   * through each other, in any order.
   */
  private wideningTypes(): Set<TypeRef> {
    const found = new Set<TypeRef>();
    const holds = (t: TypeRef): boolean => {
      const p = this.plan(t);
      return (p.kind === 'int' && p.wide) || found.has(t);
    };
    for (let grew = true; grew; ) {
      grew = false;
      for (const p of this.plans.types.values()) {
        if (found.has(p.tsName)) continue;
        const reaches =
          p.kind === 'list'
            ? holds(p.element)
            : p.kind === 'object'
              ? p.members.some((m) => holds(m.type)) || (p.union?.branches.some((b) => b.type !== null && holds(b.type)) ?? false)
              : p.kind === 'alternate' && p.alternatives.some((a) => holds(a.type));
        if (reaches) {
          found.add(p.tsName);
          grew = true;
        }
      }
    }
    return found;
  }

  emit(): CodecOutput[] {
    for (const mp of this.plans.modules) {
      if (!this.codecPaths.has(mp.typesPath)) continue;
      this.file = new CodecFile(mp);
      this.files.push(this.file);
      for (const p of mp.types) {
        if (p.kind === 'list') this.list(p);
        else if (p.kind === 'object') this.object(p);
        else if (p.kind === 'alternate') this.alternate(p);
        else continue;
        this.file.entries.push(p.tsName);
      }
    }
    return this.files.map((f) => this.output(f));
  }

  // ---- names and references ----------------------------------------------

  private plan(ref: TypeRef): TypePlan {
    const p = this.plans.types.get(ref);
    if (p === undefined) throw new Error(`qapi-ts: no plan for type ${ref}`);
    return p;
  }

  private objectPlan(ref: TypeRef): ObjectPlan {
    const p = this.plan(ref);
    if (p.kind !== 'object') throw new Error(`qapi-ts: ${ref} is not a struct or union`);
    return p;
  }

  /** A runtime export, in scope here. */
  private rt(file: string, name: string, typeOnly = false): string {
    this.file.use(this.plans.paths.runtime(file), name, typeOnly);
    return name;
  }

  /** `name`, a codec function of type `p`, in scope here (exported by its file when that is another). */
  private helper(name: string, p: TypePlan): string {
    const path = p.typesPath === null ? undefined : this.codecPaths.get(p.typesPath);
    if (path === undefined) throw new Error(`qapi-ts: ${p.tsName} has no codec file`);
    if (path !== this.file.path) {
      this.file.use(path, name, false);
      let names = this.wanted.get(path);
      if (names === undefined) this.wanted.set(path, (names = new Set()));
      names.add(name);
    }
    return name;
  }

  /** The generic walk of type `p` (`visitFoo` from its types file, or the runtime's for a built-in). */
  private walk(p: TypePlan): string {
    if (p.visitName === null || p.typesPath === null) return this.rt('visitor.ts', visitorName(p.tsName));
    // A list's visit function is not exported (index.ts exports named types' functions only):
    // QEMU's visit_type_FooList, from the element's, as a constant of this file.
    if (p.kind === 'list') {
      const name = `walk${stem(p)}`;
      if (!this.file.head.has(name)) {
        const element = this.walk(this.plan(p.element));
        this.file.head.set(name, { type: this.rt('visitor.ts', 'VisitFn', true), init: `(v, key, value) => v.list(key, value, ${element})` });
      }
      return name;
    }
    this.file.use(p.typesPath, p.visitName, false);
    return p.visitName;
  }

  /** The TypeScript type of `p`, in scope here. */
  private typeName(p: TypePlan): string {
    if (p.typesPath !== null) this.file.use(p.typesPath, p.tsName, true);
    return p.tsName;
  }

  /** The runtime's features object for a feature word, as a constant of this file. */
  private features(word: FeatureWord): string {
    const name = `F_${word.toUpperCase().replace(' ', '_')}`;
    if (!this.file.head.has(name)) this.file.head.set(name, { type: null, init: `${this.rt('plans.ts', 'featuresOf')}(${quote(word)})` });
    return name;
  }

  /** The EnumInfo of an enum (as the interpreter builds it from the plan), as a constant of this file. */
  private enumInfo(p: EnumPlan): string {
    const name = `enumInfo${stem(p)}`;
    if (!this.file.head.has(name)) {
      const featured = p.values.filter((v) => v.features !== undefined).map((v) => `${literalKey(v.name)}: ${this.features(v.features!)}`);
      const init = `Object.freeze({ name: ${quote(p.tsName)}, values: Object.freeze([${p.values.map((v) => quote(v.name)).join(', ')}]), valueFeatures: { ${featured.join(', ')} } })`;
      this.file.head.set(name, { type: this.rt('visitor.ts', 'EnumInfo', true), init });
    }
    return name;
  }

  private fn(spec: FunctionSpec): void {
    this.file.functions.push(spec);
  }

  // ---- values ------------------------------------------------------------

  /** Whether a type's encode takes `clean`: structs do, and lists of what does. */
  private takesClean(p: TypePlan): boolean {
    return p.kind === 'object' || (p.kind === 'list' && this.takesClean(this.plan(p.element)));
  }

  /** The expression that encodes value `v` (an identifier) of type `t`; `c` is the output visitor, `clean` passed down. */
  private encodeValue(t: TypeRef, v: string): string {
    const p = this.plan(t);
    switch (p.kind) {
      case 'scalar':
        // The common case is checked inline; anything else goes to the visitor, for its exact error.
        if (p.scalar === 'str') return `typeof ${v} === 'string' ? ${v} : c.str(null, ${v})`;
        if (p.scalar === 'bool') return `typeof ${v} === 'boolean' ? ${v} : c.bool(null, ${v})`;
        return `c.${p.scalar}(null, ${v})`;
      case 'int':
        return `c.int(null, ${v}, ${quote(p.int)})`;
      case 'enum':
        return `c.enumValue(null, ${v}, ${this.enumInfo(p)})`;
      case 'list':
      case 'object':
      case 'alternate':
        return `${this.helper(`encode${stem(p)}`, p)}(c, ${v}${this.takesClean(p) ? ', clean' : ''})`;
    }
  }

  /** The fast clone of value `v` of type `t`: scalars and enums as they are (the clone visitor checks nothing), `any` as a JSON copy. */
  private cloneValue(t: TypeRef, v: string): string {
    const p = this.plan(t);
    switch (p.kind) {
      case 'scalar':
        return p.scalar === 'any' ? `${this.rt('visitor.ts', 'copyJsonValue')}(${v}, false)` : v;
      case 'int':
      case 'enum':
        return v;
      default:
        return `${this.helper(`fastClone${stem(p)}`, p)}(${v})`;
    }
  }

  /**
   * The fast check of value `v` (an identifier) of type `t`: true only if
   * the input walk would accept it and give back an equal value, for the
   * visitor's default options (no compat policy) and this output's
   * `--int64` mode; decodeFoo asks only then.
   */
  private cond(t: TypeRef, v: string): string {
    const p = this.plan(t);
    switch (p.kind) {
      case 'scalar':
        return this.scalarCond(p.scalar, v);
      case 'int':
        return this.intCond(p, v);
      case 'enum': {
        const values = p.values.map((x) => x.name);
        if (values.length === 0) return 'false';
        if (values.length <= ENUM_CHAIN_MAX) return `(${values.map((x) => `${v} === ${quote(x)}`).join(' || ')})`;
        const set = `values${stem(p)}`;
        if (!this.file.head.has(set)) {
          const info = this.enumInfo(p);
          this.file.head.set(set, { type: 'ReadonlySet<unknown>', init: `new Set<unknown>(${info}.values)` });
        }
        return `${set}.has(${v})`;
      }
      default:
        return `${this.helper(`check${stem(p)}`, p)}(${v}, s)`;
    }
  }

  private scalarCond(scalar: ScalarPlan['scalar'], v: string): string {
    switch (scalar) {
      case 'str':
        return `typeof ${v} === 'string'`;
      case 'bool':
        return `typeof ${v} === 'boolean'`;
      case 'null':
        return `${v} === null`;
      case 'number':
        return `typeof ${v} === 'number' && Number.isFinite(${v})`;
      case 'any':
        return `${this.rt('codec-support.ts', 'isJsonData')}(${v})`;
    }
  }

  /** An integer within the kind's range, as the walk would give it back: a bigint for a wide kind under `--int64 bigint`; -0 is not (the walk makes it 0). */
  private intCond(p: IntPlan, v: string): string {
    const bounds = [p.min > MIN_SAFE ? ` && ${v} >= ${p.min}` : '', p.max < MAX_SAFE ? ` && ${v} <= ${p.max}` : ''].join('');
    const number = `typeof ${v} === 'number' && Number.isSafeInteger(${v})${bounds} && !Object.is(${v}, -0)`;
    if (!(this.bigint && p.wide)) return number;
    // A number for a wide integer, as a JSON reader gives it: the walk makes it a bigint, so the decode widens (intCounts).
    return `(typeof ${v} === 'bigint' ? ${v} >= ${p.min}n && ${v} <= ${p.max}n : ${number} && ${this.rt('codec-support.ts', 'countNarrow')}())`;
  }

  /** A test that `x` is not a plain object: reading `constructor` first is the cheap filter (V8 knows the maps then), the prototype test the exact one. */
  private notPlain(x: string): string {
    return `typeof ${x} !== 'object' || ${x} === null || (${x} as PlainObject).constructor !== Object || Object.getPrototypeOf(${x}) !== Object.prototype`;
  }

  // ---- the entries -------------------------------------------------------

  /** decodeFoo: `x` itself when checkFoo says the walk would give it back, else the walk. */
  private decodeEntry(p: TypePlan, what: string): void {
    const type = this.typeName(p);
    const s = stem(p);
    const call = this.widening.has(p.tsName)
      ? `${this.rt('codec-support.ts', 'decodeWidening')}(c, x, check${s}, fastWiden${s}, ${this.walk(p)})`
      : `${this.rt('codec-support.ts', 'decodeFast')}(c, x, check${s}, ${this.walk(p)}, ${this.bigint})`;
    this.fn({
      name: `decode${s}`,
      params: [['c', this.rt('input-visitor.ts', 'InputVisitor', true)], ['x', 'unknown']],
      returnType: type,
      body: `return ${call} as ${type};`,
      doc: `Decodes ${what} with the input visitor \`c\`: its checks, QEMU's errors.`,
      isPublic: true,
    });
  }

  /** cloneFoo: the fast clone when Object.prototype is untouched; whatever it does not expect, the walk decides. */
  private cloneEntry(p: TypePlan, what: string): void {
    const type = this.typeName(p);
    this.fn({
      name: `clone${stem(p)}`,
      params: [['x', 'unknown']],
      returnType: type,
      body: `return ${this.rt('codec-support.ts', 'cloneFast')}(x, fastClone${stem(p)}, ${this.walk(p)}) as ${type};`,
      doc: `The clone (QAPI_CLONE) of ${what}: a deep copy that shares no object with \`x\`.`,
      isPublic: true,
    });
  }

  private outputVisitor(): string {
    return this.rt('output-visitor.ts', 'OutputVisitor', true);
  }

  /** The `clean` parameter of an encode entry: a call from outside leaves it out. */
  private cleanParam(): readonly [string, string, string] {
    return ['clean', 'boolean', `${this.rt('codec-support.ts', 'pristine')}()`];
  }

  // ---- lists -------------------------------------------------------------

  private list(p: ListPlan): void {
    const s = stem(p);
    const what = `a list of \`${this.plan(p.element).qapiName}\``;
    const wrongType = this.rt('errors.ts', 'wrongType');
    // Allocated at its length, then filled: faster than growing it push by push.
    const encode = [
      `if (!Array.isArray(x)) throw ${wrongType}('array');`,
      'const n = x.length;',
      'const out: unknown[] = new Array(n);',
      'let i = 0;',
      `try {\nfor (; i < n; i++) {\nconst v: unknown = x[i];\nout[i] = ${this.encodeValue(p.element, 'v')};\n}\n} catch (e) {\nthrow ${this.rt('errors.ts', 'addKey')}(e, i);\n}`,
      'return out;',
    ];
    this.fn({
      name: `encode${s}`,
      params: [['c', this.outputVisitor()], ['x', 'unknown'], ...(this.takesClean(p) ? [this.cleanParam()] : [])],
      returnType: 'unknown',
      body: encode.join('\n'),
      doc: `The encode walk of ${what}.`,
      isPublic: true,
    });
    this.decodeEntry(p, what);
    // An element read from a float literal (1.0): the walk tells an integer from it.
    const check = [
      `if (!Array.isArray(x) || ${this.rt('codec-support.ts', 'holdsJsonFloat')}(x)) return false;`,
      `for (let i = 0; i < x.length; i++) {\nconst v: unknown = x[i];\nif (!(${this.cond(p.element, 'v')})) return false;\n}`,
      'return true;',
    ];
    this.fn({
      name: `check${s}`,
      params: [['x', 'unknown'], ['s', 'boolean']],
      returnType: 'boolean',
      body: check.join('\n'),
      doc: `Whether decoding \`x\` as ${what} would give back \`x\` (\`s\`: strictly).`,
      isPublic: false,
    });
    this.cloneEntry(p, what);
    const giveUp = this.rt('codec-support.ts', 'GIVE_UP');
    const fast = [
      `if (!Array.isArray(x)) throw ${giveUp};`,
      'const n = x.length;',
      'const out: unknown[] = new Array(n);',
      `for (let i = 0; i < n; i++) out[i] = ${this.cloneValue(p.element, 'x[i]')};`,
      'return out;',
    ];
    this.fn({ name: `fastClone${s}`, params: [['x', 'unknown']], returnType: 'unknown[]', body: fast.join('\n'), doc: `The fast clone of ${what} (see clone${s}).`, isPublic: false });
    if (this.widening.has(p.tsName)) this.fastWidenList(p, what);
  }

  // ---- structs and unions ------------------------------------------------

  private object(p: ObjectPlan): void {
    const s = stem(p);
    const what = `\`${p.qapiName}\``;
    const plain = this.rt('visitor.ts', 'PlainObject', true);
    this.encodeMembers(p);
    const wrongType = this.rt('errors.ts', 'wrongType');
    const lines = [`if (!${this.rt('visitor.ts', 'isObject')}(x)) throw ${wrongType}('object');`, `const out: ${plain} = {};`];
    const call = `encode${s}Members(c, x, out, clean);`;
    if (p.union) {
      // Only a union meets an unknown branch that the options keep: the generic walk handles that.
      lines.push(`try {\n${call}\n} catch (e) {\nif (e === ${this.rt('codec-support.ts', 'FALLBACK')}) return ${this.walk(p)}(c, null, x);\nthrow e;\n}`);
    } else {
      lines.push(call);
    }
    lines.push('return out;');
    this.fn({ name: `encode${s}`, params: [['c', this.outputVisitor()], ['x', 'unknown'], this.cleanParam()], returnType: 'unknown', body: lines.join('\n'), doc: `The encode walk of ${what}.`, isPublic: true });
    this.decodeEntry(p, what);
    this.checkMembers(p);
    // A member read from a float literal (1.0): the walk tells an integer from it.
    const check = [
      `if (${this.notPlain('x')} || ${this.rt('codec-support.ts', 'holdsJsonFloat')}(x)) return false;`,
      `const n = check${s}Members(x as PlainObject, s);`,
      `return n >= 0 && (!s || ${this.rt('codec-support.ts', 'keyCount')}(x) === n);`,
    ];
    this.fn({
      name: `check${s}`,
      params: [['x', 'unknown'], ['s', 'boolean']],
      returnType: 'boolean',
      body: check.join('\n'),
      doc: `Whether decoding \`x\` as ${what} would give back \`x\` (\`s\`: strictly).`,
      isPublic: false,
    });
    this.cloneEntry(p, what);
    this.fastCloneObject(p);
    if (this.widening.has(p.tsName)) this.fastWidenObject(p);
  }

  /**
   * The encode walk of a struct's members into `out`: base first, then
   * the local members, then the branch. One try block: `k` names the
   * member whose value is being encoded, so that an error from below gets
   * its key (QEMU's path), while errors about the struct itself (a missing
   * member, an unknown branch) pass through as they are.
   */
  private encodeMembers(p: ObjectPlan): void {
    const s = stem(p);
    const hasOwn = this.rt('visitor.ts', 'hasOwn');
    const addKey = this.rt('errors.ts', 'addKey');
    const lines: string[] = [];
    if (p.base !== null) {
      const base = this.objectPlan(p.base);
      lines.push(`${this.helper(`encode${stem(base)}Members`, base)}(c, src, out, clean);`);
    }
    // Inline, where V8 knows the maps of `src`, which makes the prototype test cheap.
    if (p.local.some((m) => !INHERITED.has(m.name))) lines.push('const own = clean && src.constructor === Object && Object.getPrototypeOf(src) === Object.prototype;');
    for (const [i, m] of p.local.entries()) {
      const key = quote(m.name);
      const v = `x${i}`;
      const inherited = INHERITED.has(m.name);
      // Names Object.prototype has (constructor, toString, …) always need hasOwn.
      const fetch = inherited ? `const ${v} = ${hasOwn}(src, ${key}) ? src[${key}] : undefined;` : `const ${v} = own || ${hasOwn}(src, ${key}) ? src[${key}] : undefined;`;
      const value = this.encodeValue(m.type, v);
      const store = inherited ? `${this.rt('visitor.ts', 'setOwn')}(out, ${key}, ${value});` : `out[${key}] = ${value};`;
      const assign = `k = ${key};\n${store}\nk = null;`;
      // The output policy leaves hidden members out (after the missing-member check, as the visitor does).
      const guarded = m.features !== undefined ? `if (!(c.hides && ${this.rt('compat.ts', 'isHiddenByPolicy')}(${this.features(m.features)}, c.compat))) {\n${assign}\n}` : assign;
      if (m.optional) lines.push(`${fetch}\nif (${v} !== undefined) {\n${guarded}\n}`);
      else lines.push(`${fetch}\nif (${v} === undefined) throw ${this.rt('errors.ts', 'missingMember')}(${key});\n${guarded}`);
    }
    if (p.union) {
      const tag = quote(p.union.tag);
      lines.push(`const tag = ${hasOwn}(src, ${tag}) ? src[${tag}] : undefined;`, 'switch (tag) {');
      for (const b of p.union.branches) {
        if (b.type === null) {
          lines.push(`case ${quote(b.value)}:\nbreak;`);
        } else {
          const bp = this.objectPlan(b.type);
          lines.push(`case ${quote(b.value)}:\n${this.helper(`encode${stem(bp)}Members`, bp)}(c, src, out, clean);\nbreak;`);
        }
      }
      const unknown = `if (!c.keepUnknownBranches) throw ${addKey}(${this.rt('errors.ts', 'badEnumValue')}(String(tag)), ${tag});\nthrow ${this.rt('codec-support.ts', 'FALLBACK')};`;
      lines.push(`default:\n${unknown}\n}`);
    }
    const body = p.local.length ? [`let k: string | null = null;`, `try {\n${lines.join('\n')}\n} catch (e) {\nthrow k === null ? e : ${addKey}(e, k);\n}`] : lines;
    this.fn({
      name: `encode${s}Members`,
      params: [['c', this.outputVisitor()], ['src', 'PlainObject'], ['out', 'PlainObject'], ['clean', 'boolean']],
      returnType: 'void',
      body: body.join('\n'),
      doc: `The encode walk of the members of \`${p.qapiName}\`, into \`out\`.`,
      isPublic: false,
    });
  }

  /**
   * The fast check of the members of a struct: how many members `o` has
   * that the type knows, or -1 when the walk would not give them back as
   * they are. Base first, then the local members, then the branch: the
   * walk's order.
   */
  private checkMembers(p: ObjectPlan): void {
    const lines: string[] = [];
    const required = p.local.filter((m) => !m.optional).length;
    if (p.base !== null) {
      const base = this.objectPlan(p.base);
      lines.push(`let n = ${this.helper(`check${stem(base)}Members`, base)}(o, s);`, 'if (n < 0) return -1;', ...(required ? [`n += ${required};`] : []));
    } else {
      lines.push(`let n = ${required};`);
    }
    if (p.local.length) lines.push('let v: unknown;');
    for (const m of p.local) {
      const key = quote(m.name);
      const cond = this.cond(m.type, 'v');
      if (INHERITED.has(m.name)) {
        // A name Object.prototype has itself: only hasOwn tells whether it was sent.
        const hasOwn = this.rt('visitor.ts', 'hasOwn');
        lines.push(`if (${hasOwn}(o, ${key})) {\nv = o[${key}];\nif (!(${cond})) return -1;${m.optional ? '\nn++;' : ''}\n}${m.optional ? '' : ' else return -1;'}`);
      } else if (m.optional) {
        // An undefined value that is there all the same is the walk's error: not the fast path's business.
        lines.push(`v = o[${key}];\nif (v !== undefined) {\nif (!(${cond})) return -1;\nn++;\n} else if (${key} in o) return -1;`);
      } else {
        lines.push(`v = o[${key}];\nif (!(${cond})) return -1;`);
      }
    }
    if (p.union) {
      lines.push(`switch (o[${quote(p.union.tag)}]) {`);
      for (const b of p.union.branches) {
        if (b.type === null) {
          lines.push(`case ${quote(b.value)}:\nbreak;`);
        } else {
          const bp = this.objectPlan(b.type);
          lines.push(`case ${quote(b.value)}: {\nconst b = ${this.helper(`check${stem(bp)}Members`, bp)}(o, s);\nif (b < 0) return -1;\nn += b;\nbreak;\n}`);
        }
      }
      lines.push('default:\nreturn -1;\n}');
    }
    lines.push('return n;');
    this.fn({
      name: `check${stem(p)}Members`,
      params: [['o', 'PlainObject'], ['s', 'boolean']],
      returnType: 'number',
      body: lines.join('\n'),
      doc: `The fast check of the members of \`${p.qapiName}\`: how many \`o\` has, or -1.`,
      isPublic: false,
    });
  }

  /**
   * The fast clone of a struct or union: the object built in one literal
   * from the leading required members, the others added in the walk's
   * order (every member, base first, then the branch's). A required member
   * that is missing, an unknown branch, an object that is not plain: it
   * gives up (the walk then copies what is there). A struct that is a
   * union's branch also gets `fastCloneFooMembers`, which adds its members
   * to the union's copy.
   */
  private fastCloneObject(p: ObjectPlan): void {
    const s = stem(p);
    const giveUp = this.rt('codec-support.ts', 'GIVE_UP');
    const members = p.members;
    const inherited = (m: MemberPlan): boolean => INHERITED.has(m.name);
    const read = (m: MemberPlan, v: string): string => {
      const key = quote(m.name);
      return inherited(m) ? `const ${v} = ${this.rt('visitor.ts', 'hasOwn')}(o, ${key}) ? o[${key}] : undefined;` : `const ${v} = o[${key}];`;
    };
    const store = (m: MemberPlan, v: string): string =>
      inherited(m) ? `${this.rt('visitor.ts', 'setOwn')}(out, ${quote(m.name)}, ${this.cloneValue(m.type, v)});` : `out[${quote(m.name)}] = ${this.cloneValue(m.type, v)};`;
    const one = (m: MemberPlan, i: number): string => {
      const v = `v${i}`;
      return m.optional ? `${read(m, v)}\nif (${v} !== undefined) ${store(m, v)}` : `${read(m, v)}\nif (${v} === undefined) throw ${giveUp};\n${store(m, v)}`;
    };
    // The literal: the leading required members, up to one Object.prototype has (those need setOwn).
    let k = 0;
    while (k < members.length && !members[k]!.optional && !inherited(members[k]!)) k++;
    const prefix = members.slice(0, k);
    const bulk = members.slice(k).map((m, i) => one(m, k + i));
    // A branch may be a union itself: its members function has its own switch.
    if (p.union) {
      bulk.push(`switch (o[${quote(p.union.tag)}]) {`);
      for (const b of p.union.branches) {
        if (b.type === null) {
          bulk.push(`case ${quote(b.value)}:\nbreak;`);
        } else {
          const bp = this.objectPlan(b.type);
          bulk.push(`case ${quote(b.value)}:\n${this.helper(`fastClone${stem(bp)}Members`, bp)}(o, out);\nbreak;`);
        }
      }
      bulk.push(`default:\nthrow ${giveUp};\n}`);
    }
    const lines = [`if (${this.notPlain('x')}) throw ${giveUp};`];
    if (members.length || p.union) lines.push('const o = x as PlainObject;');
    for (const [i, m] of prefix.entries()) lines.push(read(m, `v${i}`));
    if (prefix.length) lines.push(`if (${prefix.map((_, i) => `v${i} === undefined`).join(' || ')}) throw ${giveUp};`);
    lines.push(`const out: PlainObject = { ${prefix.map((m, i) => `${literalKey(m.name)}: ${this.cloneValue(m.type, `v${i}`)}`).join(', ')} };`);
    const membersFn = (body: string[]): void =>
      this.fn({
        name: `fastClone${s}Members`,
        params: [['o', 'PlainObject'], ['out', 'PlainObject']],
        returnType: 'void',
        body: body.join('\n'),
        doc: `The fast clone of the members of \`${p.qapiName}\`, into \`out\` (for a union with this branch).`,
        isPublic: false,
      });
    if (!this.branchTypes.has(p.tsName)) {
      lines.push(...bulk);
    } else if (k === 0) {
      // The members are written once, in the function the unions call too.
      membersFn(bulk);
      if (bulk.length) lines.push(`fastClone${s}Members(o, out);`);
    } else {
      const rest = bulk.length ? [`fastClone${s}Rest(o, out);`] : [];
      if (bulk.length) {
        this.fn({
          name: `fastClone${s}Rest`,
          params: [['o', 'PlainObject'], ['out', 'PlainObject']],
          returnType: 'void',
          body: bulk.join('\n'),
          doc: `The fast clone of what follows the literal of \`${p.qapiName}\`, into \`out\`.`,
          isPublic: false,
        });
      }
      lines.push(...rest);
      membersFn([...prefix.map((m, i) => one(m, i)), ...rest]);
    }
    lines.push('return out;');
    this.fn({ name: `fastClone${s}`, params: [['x', 'unknown']], returnType: 'PlainObject', body: lines.join('\n'), doc: `The fast clone of \`${p.qapiName}\` (see clone${s}).`, isPublic: false });
  }

  // ---- alternates --------------------------------------------------------

  private alternate(p: AlternatePlan): void {
    const s = stem(p);
    const what = `\`${p.qapiName}\` (an alternate)`;
    const table = `encodeAlternatives${s}`;
    const branches = p.alternatives.map((a, i) => {
      const t = this.plan(a.type);
      const enumValues = t.kind === 'enum' ? `, enumValues: ${this.enumInfo(t)}.values` : '';
      let visit: string;
      if (t.kind === 'list' || t.kind === 'object') {
        // The visitor reaching here is the output visitor; the branch can't know `clean`: it asks.
        visit = `${table}_${i}`;
        const clean = this.takesClean(t) ? `, ${this.rt('codec-support.ts', 'pristine')}()` : '';
        this.fn({
          name: visit,
          params: [['v', this.rt('visitor.ts', 'Visitor', true)], ['key', this.rt('visitor.ts', 'Key', true)], ['x', 'unknown']],
          returnType: 'unknown',
          body: `return ${this.helper(`encode${stem(t)}`, t)}(v as ${this.outputVisitor()}, x${clean});`,
          doc: `The encode walk of alternative \`${a.name}\` of \`${p.qapiName}\`.`,
          isPublic: false,
        });
      } else {
        visit = this.walk(t);
      }
      return `{ name: ${quote(a.name)}, jsonType: ${quote(a.json)}${enumValues}, visit: ${visit} }`;
    });
    this.file.tail.set(table, { type: `readonly ${this.rt('visitor.ts', 'AlternateBranch', true)}[]`, init: `[${branches.join(',\n')}]` });
    this.fn({
      name: `encode${s}`,
      params: [['c', this.outputVisitor()], ['x', 'unknown']],
      returnType: 'unknown',
      body: `return c.alternate(null, x, ${quote(p.qapiName)}, ${table});`,
      doc: `The encode walk of ${what}.`,
      isPublic: true,
    });
    this.decodeEntry(p, what);
    this.fn({ name: `check${s}`, params: [['x', 'unknown'], ['s', 'boolean']], returnType: 'boolean', body: this.alternateCheck(p), doc: `Whether decoding \`x\` as ${what} would give back \`x\` (\`s\`: strictly).`, isPublic: false });
    this.cloneEntry(p, what);
    this.fn({ name: `fastClone${s}`, params: [['x', 'unknown']], returnType: 'unknown', body: this.alternateFastClone(p), doc: `The fast clone of ${what} (see clone${s}).`, isPublic: false });
    if (this.widening.has(p.tsName)) this.fastWidenAlternate(p, what);
  }

  /** The fast clone of an alternate: the branch for the value's JSON type (the clone visitor checks no scalar). */
  private alternateFastClone(p: AlternatePlan): string {
    const giveUp = this.rt('codec-support.ts', 'GIVE_UP');
    const branch = (j: string): TypeRef | undefined => p.alternatives.find((a) => a.json === j)?.type;
    const scalar = (j: string): string => (branch(j) !== undefined ? 'return x;' : `throw ${giveUp};`);
    const container = (j: string): string => {
      const t = branch(j);
      return t !== undefined ? `return ${this.cloneValue(t, 'x')};` : `throw ${giveUp};`;
    };
    return [
      'switch (typeof x) {',
      `case 'string':\n${scalar('string')}`,
      `case 'number':\ncase 'bigint':\n${scalar('number')}`,
      `case 'boolean':\n${scalar('boolean')}`,
      `case 'object':\nif (x === null) {\n${scalar('null')}\n}\nif (Array.isArray(x)) {\n${container('array')}\n}\n${container('object')}`,
      `default:\nthrow ${giveUp};`,
      '}',
    ].join('\n');
  }

  /** The fast check of an alternate mirrors pickBranch: the value's JSON type picks the branch; a string suits a `str` branch, or an enum that has it. */
  private alternateCheck(p: AlternatePlan): string {
    const byJson = new Map<string, TypeRef[]>();
    for (const a of p.alternatives) byJson.set(a.json, [...(byJson.get(a.json) ?? []), a.type]);
    const strings = byJson.get('string') ?? [];
    const stringCond = strings.some((t) => this.plan(t).kind !== 'enum') ? 'true' : strings.length ? strings.map((t) => `(${this.cond(t, 'x')})`).join(' || ') : 'false';
    const first = (j: string): string => {
      const t = byJson.get(j)?.[0];
      return t !== undefined ? this.cond(t, 'x') : 'false';
    };
    return [
      'switch (typeof x) {',
      `case 'string':\nreturn ${stringCond};`,
      `case 'number':\ncase 'bigint':\nreturn ${first('number')};`,
      `case 'boolean':\nreturn ${byJson.has('boolean')};`,
      `case 'object':\nif (x === null) return ${byJson.has('null')};\nif (Array.isArray(x)) return ${first('array')};\nreturn ${first('object')};`,
      'default:\nreturn false;',
      '}',
    ].join('\n');
  }

  // ---- widening (--int64 bigint) -------------------------------------------

  /**
   * The widening of value `v` (an identifier) of type `t`, which its check
   * accepted: what the walk gives for it, numbers for wide integers made
   * bigints; null when the type holds no wide integer (`v` as it is).
   */
  private widenValue(t: TypeRef, v: string): string | null {
    const p = this.plan(t);
    if (p.kind === 'int') return p.wide && this.bigint ? `${this.rt('codec-support.ts', 'widenInt')}(${v})` : null;
    return this.widening.has(t) ? `${this.helper(`fastWiden${stem(p)}`, p)}(${v})` : null;
  }

  /**
   * fastWidenFoo for a struct or union its check accepted with numbers for
   * wide integers: a spread of the object (unknown members a lenient check
   * let through stay, as the walk keeps them), then the members that hold
   * wide integers replaced by their widening; a union's branch too. A
   * struct that is a union's branch also gets `fastWidenFooMembers`, which
   * the unions call.
   */
  private fastWidenObject(p: ObjectPlan): void {
    const s = stem(p);
    const plain = this.rt('visitor.ts', 'PlainObject', true);
    const members: string[] = [];
    for (const m of p.members) {
      const w = this.widenValue(m.type, 'v');
      if (w === null) continue;
      const key = quote(m.name);
      // A name Object.prototype has: only hasOwn tells whether it was sent.
      const read = INHERITED.has(m.name) ? `${this.rt('visitor.ts', 'hasOwn')}(o, ${key}) ? o[${key}] : undefined` : `o[${key}]`;
      const store = INHERITED.has(m.name) ? `${this.rt('visitor.ts', 'setOwn')}(out, ${key}, ${w})` : `out[${key}] = ${w}`;
      members.push(`v = ${read};\nif (v !== undefined) ${store};`);
    }
    const lines = members.length ? ['let v: unknown;', ...members] : [];
    const branches = p.union?.branches.filter((b) => b.type !== null && this.widening.has(b.type)) ?? [];
    if (p.union && branches.length) {
      lines.push(`switch (o[${quote(p.union.tag)}]) {`);
      for (const b of branches) {
        const bp = this.objectPlan(b.type!);
        lines.push(`case ${quote(b.value)}:\n${this.helper(`fastWiden${stem(bp)}Members`, bp)}(o, out);\nbreak;`);
      }
      lines.push('}');
    }
    let body = lines;
    if (this.branchTypes.has(p.tsName)) {
      this.fn({
        name: `fastWiden${s}Members`,
        params: [['o', 'PlainObject'], ['out', 'PlainObject']],
        returnType: 'void',
        body: lines.join('\n'),
        doc: `The widening of the members of \`${p.qapiName}\`, into \`out\` (for a union with this branch).`,
        isPublic: false,
      });
      body = [`fastWiden${s}Members(o, out);`];
    }
    this.fn({
      name: `fastWiden${s}`,
      params: [['x', 'unknown']],
      returnType: 'PlainObject',
      body: ['const o = x as PlainObject;', `const out: ${plain} = { ...o };`, ...body, 'return out;'].join('\n'),
      doc: `The widening copy of \`${p.qapiName}\` (see decode${s}).`,
      isPublic: false,
    });
  }

  /** fastWidenFooList: the list, each element widened. */
  private fastWidenList(p: ListPlan, what: string): void {
    const s = stem(p);
    const lines = ['const a = x as unknown[];', 'const n = a.length;', 'const out: unknown[] = new Array(n);', `for (let i = 0; i < n; i++) out[i] = ${this.widenValue(p.element, 'a[i]') ?? 'a[i]'};`, 'return out;'];
    this.fn({ name: `fastWiden${s}`, params: [['x', 'unknown']], returnType: 'unknown[]', body: lines.join('\n'), doc: `The widening copy of ${what} (see decode${s}).`, isPublic: false });
  }

  /** fastWidenFoo for an alternate: the branch for the value's JSON type, widened where it holds wide integers. */
  private fastWidenAlternate(p: AlternatePlan, what: string): void {
    const s = stem(p);
    const widened = (j: string): string => {
      const t = p.alternatives.find((a) => a.json === j)?.type;
      return (t === undefined ? null : this.widenValue(t, 'x')) ?? 'x';
    };
    const lines = [
      'switch (typeof x) {',
      `case 'number':\nreturn ${widened('number')};`,
      `case 'object':\nif (x === null) return x;\nreturn Array.isArray(x) ? ${widened('array')} : ${widened('object')};`,
      'default:\nreturn x;',
      '}',
    ];
    this.fn({ name: `fastWiden${s}`, params: [['x', 'unknown']], returnType: 'unknown', body: lines.join('\n'), doc: `The widening copy of ${what} (see decode${s}).`, isPublic: false });
  }

  // ---- the file ----------------------------------------------------------

  private output(f: CodecFile): CodecOutput {
    const wanted = this.wanted.get(f.path) ?? new Set<string>();
    const mapName = codecMapName(f.mp);
    // The binder needs the map's type before it prints the imports.
    f.use(this.plans.paths.runtime('plans.ts'), 'CodecEntry', true);
    const constant = (name: string, c: { type: string | null; init: string }, doc?: string): StatementStructures => ({
      kind: Kind.VariableStatement,
      isExported: doc !== undefined,
      declarationKind: CONST,
      declarations: [{ name, ...(c.type !== null ? { type: c.type } : {}), initializer: c.init }],
      ...(doc !== undefined ? { docs: [{ description: doc }] } : {}),
    });
    const functions: StatementStructures[] = f.functions.map((spec) => {
      const used = identifiers(spec.body);
      return {
        kind: Kind.Function,
        name: spec.name,
        isExported: spec.isPublic || wanted.has(spec.name),
        parameters: spec.params.map(([name, type, init]) => ({ name: used.has(name) ? name : `_${name}`, type, ...(init !== undefined ? { initializer: init } : {}) })),
        returnType: spec.returnType,
        statements: spec.body,
        docs: [{ description: spec.doc }],
      };
    });
    const map = f.entries.map((t) => {
      const s = stem(this.plan(t));
      return `${literalKey(t)}: { check: check${s}, decode: decode${s}, encode: encode${s}, clone: clone${s} }`;
    });
    const source = f.mp.source.includes(' ') ? f.mp.source : '`' + f.mp.source + '`';
    const mapStatement = constant(
      mapName,
      { type: '{ readonly [tsName: string]: CodecEntry }', init: `{\n${map.join(',\n')}\n}` },
      `The codecs of the types of ${source}, by TypeScript name: what \`linkPlans\` takes as \`codecs\`.`,
    );
    return {
      path: f.path,
      source: f.mp.source,
      mapName,
      statements: [
        ...f.importDeclarations(),
        ...[...f.head].map(([name, c]) => constant(name, c)),
        ...functions,
        ...[...f.tail].map(([name, c]) => constant(name, c)),
        mapStatement,
      ],
    };
  }
}

/**
 * The codec files of a schema: one per module that has lists, structs,
 * unions or alternates, in module order. `int64` is the output's
 * `--int64` mode (the fast checks of decode depend on it).
 */
export function emitCodecs(plans: SchemaPlans, int64: 'number' | 'bigint'): CodecOutput[] {
  return new CodecEmitter(plans, int64 === 'bigint').emit();
}
