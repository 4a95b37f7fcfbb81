/**
 * emitCodecs: per schema module, a `.codec.ts` file with the fast paths of
 * the stock visitors, each giving exactly the results and errors of the
 * generic walk through `visitFoo`:
 * - `decodeFoo` (input visitor): `checkFoo(x, strict)` answers whether the
 *   walk would give back a value equal to `x`; if so `x` is the result,
 *   otherwise the walk runs (codec-support.ts says why that is sound);
 * - `encodeFoo` (output visitor): the walk written out in full, without
 *   the indirection; leaf values still go through the visitor's methods.
 *   It takes `clean` last: whether Object.prototype is untouched, so that
 *   plain objects can be read without hasOwn (a call from outside leaves
 *   it out, and it is asked once);
 * - `cloneFoo` (QAPI_CLONE): `fastCloneFoo` copies what it expects and
 *   gives up on anything else, and the walk decides.
 */
import { StructureKind, type StatementStructures } from 'ts-morph';
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaEnumType,
  SchemaObjectType,
  type SchemaFeature,
  type SchemaModule,
  type SchemaType,
} from '../model/entities.js';
import type { SchemaVisitor } from '../model/visitor.js';
import { ImportBinder } from './binder.js';
import { quote } from './naming.js';
import type { EmitContext } from './types.js';
import { RUNTIME_DIR, visitName, visitPath } from './visit.js';

export type CodecKind = 'decode' | 'encode' | 'clone';
/** Names a plain object inherits from Object.prototype: reading them needs hasOwn. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));
const INT_KINDS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'size']);
/** Integer ranges for the fast check (ints.ts has the walk's): [min, max], as source text. */
const INT_BOUNDS: Record<string, [string, string]> = {
  int8: ['-128', '127'],
  int16: ['-32768', '32767'],
  int32: ['-2147483648', '2147483647'],
  uint8: ['0', '255'],
  uint16: ['0', '65535'],
  uint32: ['0', '4294967295'],
};
const WIDE_BOUNDS: Record<string, [string, string]> = {
  int64: ['-9223372036854775808n', '9223372036854775807n'],
  uint64: ['0n', '18446744073709551615n'],
  size: ['0n', '18446744073709551615n'],
};
/**
 * Whether `x` is not a plain object (Object.prototype its prototype), as the
 * fast paths test it. Reading `constructor` first is the cheap filter, and
 * it gives V8 the maps that make Object.getPrototypeOf cheap (a third of a
 * clone's time without it); the prototype test is the exact one.
 */
function notPlain(x: string): string {
  return `${x} === null || (${x} as PlainObject).constructor !== Object || Object.getPrototypeOf(${x} as object) !== Object.prototype`;
}
/** Enums up to this many values are checked with a chain of `===`, larger ones with a Set. */
const ENUM_CHAIN_MAX = 8;

export function codecPath(typesPath: string): string {
  return typesPath.replace(/\.ts$/, '.codec.ts');
}

/** Name of a type's codec function: `decodeFoo`, `encode_strList`, … */
export function codecName(ctx: EmitContext, kind: CodecKind, t: SchemaType): string {
  return visitName(ctx, t).replace(/^visit/, kind);
}

function featureFlags(features: readonly SchemaFeature[]): string | null {
  const d = features.some((f) => f.name === 'deprecated');
  const u = features.some((f) => f.name === 'unstable');
  if (!d && !u) return null;
  return `{ ${[d ? 'deprecated: true' : '', u ? 'unstable: true' : ''].filter(Boolean).join(', ')} }`;
}

/** Name of a type's fast check: `checkFoo`, `check_strList`, … */
export function checkName(ctx: EmitContext, t: SchemaType): string {
  return visitName(ctx, t).replace(/^visit/, 'check');
}

/** Name of a type's fast clone, which cloneFoo tries first: `fastCloneFoo`, … */
export function fastCloneName(ctx: EmitContext, t: SchemaType): string {
  return visitName(ctx, t).replace(/^visit/, 'fastClone');
}

/** Types that get codecs: everything but built-in scalars and the empty type. */
function hasCodec(t: SchemaType): boolean {
  return t instanceof SchemaArrayType || t instanceof SchemaObjectType || t instanceof SchemaAlternateType;
}

class CodecFile extends ImportBinder {
  readonly statements: StatementStructures[] = [];
  readonly consts = new Map<string, string>();
  constructor(readonly module: SchemaModule, typesPath: string) {
    super(codecPath(typesPath));
  }
}

class CodecEmitter implements SchemaVisitor {
  readonly files: CodecFile[] = [];
  private file!: CodecFile;

  constructor(private readonly ctx: EmitContext) {}

  private rt(file: string, name: string, typeOnly = false): string {
    this.file.use(`${RUNTIME_DIR}/${file}`, name, typeOnly);
    return name;
  }

  /** `name`, a function of the codec file of `t`'s module, in scope here. */
  private codecRef(name: string, t: SchemaType): string {
    if (t.module) this.file.use(codecPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  /** `name`, a function of the visit file of `t`'s module, in scope here. */
  private visitRef(name: string, t: SchemaType): string {
    if (t.module) this.file.use(visitPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private codec(kind: 'encode' | 'check', t: SchemaType): string {
    return this.codecRef(kind === 'check' ? checkName(this.ctx, t) : codecName(this.ctx, kind, t), t);
  }

  private members(kind: 'encode' | 'check' | 'fastClone', t: SchemaObjectType): string {
    const prefix = kind === 'check' ? checkName(this.ctx, t) : kind === 'fastClone' ? fastCloneName(this.ctx, t) : codecName(this.ctx, kind, t);
    return this.codecRef(`${prefix}Members`, t);
  }

  /** The generic walk of `t`, `visitFoo`. */
  private walk(t: SchemaType): string {
    return this.visitRef(visitName(this.ctx, t), t);
  }

  private enumInfo(t: SchemaEnumType): string {
    return this.visitRef(`enumInfo${this.ctx.names.of(t)}`, t);
  }

  private featuresConst(features: readonly SchemaFeature[]): string | null {
    const flags = featureFlags(features);
    if (flags === null) return null;
    const name = `F_${flags.includes('deprecated') ? 'DEPRECATED' : ''}${flags.includes('deprecated') && flags.includes('unstable') ? '_' : ''}${flags.includes('unstable') ? 'UNSTABLE' : ''}`;
    this.file.consts.set(name, `Object.freeze(${flags})`);
    return name;
  }

  /** The expression that encodes value `x` of type `t` (`c` is the output visitor, `clean` passed down). */
  private value(t: SchemaType, x: string): string {
    if (t instanceof SchemaBuiltinType) {
      if (INT_KINDS.has(t.name)) return `c.int(null, ${x}, ${quote(t.name)})`;
      const method = { str: 'str', bool: 'bool', number: 'number', null: 'null', any: 'any' }[t.name];
      // The common case is checked inline; anything else goes to the visitor, for its exact error.
      if (t.name === 'str') return `typeof ${x} === 'string' ? ${x} : c.str(null, ${x})`;
      if (t.name === 'bool') return `typeof ${x} === 'boolean' ? ${x} : c.bool(null, ${x})`;
      return `c.${method}(null, ${x})`;
    }
    if (t instanceof SchemaEnumType) return `c.enumValue(null, ${x}, ${this.enumInfo(t)})`;
    return `${this.codec('encode', t)}(c, ${x}, clean)`;
  }

  /**
   * The fast clone of value `x` of type `t`: scalars and enums as they are
   * (the clone visitor checks nothing), `any` as a JSON copy, the rest by
   * its fast clone.
   */
  private cloneValue(t: SchemaType, x: string): string {
    if (t instanceof SchemaBuiltinType) return t.name === 'any' ? `${this.rt('visitor.ts', 'copyJsonValue')}(${x}, false)` : x;
    if (t instanceof SchemaEnumType) return x;
    return `${this.fastClone(t)}(${x})`;
  }

  private fastClone(t: SchemaType): string {
    return this.codecRef(fastCloneName(this.ctx, t), t);
  }

  /**
   * cloneFoo: the fast clone when Object.prototype is untouched; anything
   * it does not expect (a missing member, an unknown branch, an object
   * that is not plain, a stack too deep) and it gives up, and the generic
   * walk decides, errors included.
   */
  private cloneEntry(t: SchemaType, what: string): void {
    const type = this.returnType('clone', t);
    const body = `return ${this.rt('codec-support.ts', 'cloneFast')}(x, ${this.fastClone(t)}, ${this.walk(t)}) as ${type};`;
    this.fn(codecName(this.ctx, 'clone', t), 'x: unknown', type, body, `The clone (QAPI_CLONE) of ${what}: a deep copy that shares no object with \`x\`.`);
  }

  /**
   * The fast check of value `v` (an identifier) of type `t`: true only if
   * the input walk would accept it and give back an equal value. Written
   * for the visitor's default options (no compat policy) and the
   * generated `--int64` mode; decodeFoo asks only then.
   */
  private cond(t: SchemaType, v: string): string {
    if (t instanceof SchemaBuiltinType) {
      switch (t.name) {
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
      const wide = WIDE_BOUNDS[t.name];
      if (wide && this.ctx.options.int64 === 'bigint') return `typeof ${v} === 'bigint' && ${v} >= ${wide[0]} && ${v} <= ${wide[1]}`;
      // -0 is a valid integer that the walk turns into 0: not the same value.
      const bounds = INT_BOUNDS[t.name];
      if (bounds) return `typeof ${v} === 'number' && Number.isInteger(${v}) && ${v} >= ${bounds[0]} && ${v} <= ${bounds[1]} && !Object.is(${v}, -0)`;
      const unsigned = t.name === 'uint64' || t.name === 'size';
      return `typeof ${v} === 'number' && Number.isSafeInteger(${v})${unsigned ? ` && ${v} >= 0` : ''} && !Object.is(${v}, -0)`;
    }
    if (t instanceof SchemaEnumType) {
      const values = t.members.map((m) => m.name);
      if (values.length === 0) return 'false';
      if (values.length <= ENUM_CHAIN_MAX) return `(${values.map((x) => `${v} === ${quote(x)}`).join(' || ')})`;
      const set = `VALUES_${this.ctx.names.of(t)}`;
      // The values written out: enumInfo lives in the visit module, which imports this one.
      this.file.consts.set(`${set}: ReadonlySet<unknown>`, `new Set([${values.map(quote).join(', ')}])`);
      return `${set}.has(${v})`;
    }
    if (t instanceof SchemaObjectType && t.name === 'q_empty') return 'false';
    return `${this.codec('check', t)}(${v}, s)`;
  }

  /** decode and clone return the type itself; encode returns JSON (unknown). */
  private returnType(kind: CodecKind, t: SchemaType): string {
    if (kind === 'encode') return 'unknown';
    const name = this.ctx.names.of(t);
    if (t.module) this.file.use(this.ctx.paths.of(t.module), name, true);
    return name;
  }

  /** The first parameter of an encode codec. */
  private param(): string {
    return `c: ${this.rt('output-visitor.ts', 'OutputVisitor', true)}, `;
  }

  /** The last parameter of a walk codec: a call from outside leaves it out. */
  private cleanParam(): string {
    return `clean: boolean = ${this.rt('codec-support.ts', 'pristine')}()`;
  }

  /** decodeFoo: `x` itself when checkFoo says the walk would give it back, else the walk. */
  private decodeFunction(t: SchemaType, what: string): void {
    this.rt('input-visitor.ts', 'InputVisitor', true);
    const type = this.returnType('decode', t);
    const body = `return ${this.rt('codec-support.ts', 'decodeFast')}(c, x, ${this.codec('check', t)}, ${this.walk(t)}, ${this.ctx.options.int64 === 'bigint'}) as ${type};`;
    this.fn(codecName(this.ctx, 'decode', t), 'c: InputVisitor, x: unknown', type, body, `Decodes ${what} with the input visitor \`c\`: its checks, QEMU's errors.`);
  }

  private fn(name: string, params: string, returnType: string, body: string, doc: string, isExported = true): void {
    this.file.statements.push({
      kind: StructureKind.Function,
      name,
      isExported,
      parameters: params
        .split(', ')
        .filter(Boolean)
        .map((p) => {
          const [decl, init] = p.split(' = ');
          const [n, ty] = decl!.split(': ');
          const optional = n!.endsWith('?');
          return { name: optional ? n!.slice(0, -1) : n!, type: ty!, hasQuestionToken: optional, ...(init ? { initializer: init } : {}) };
        }),
      returnType,
      statements: body,
      docs: [{ description: doc }],
    });
  }

  visitModule(module: SchemaModule): void {
    this.file = new CodecFile(module, this.ctx.paths.of(module));
    this.files.push(this.file);
  }

  visitArrayType(t: SchemaArrayType): void {
    const body = [
      `if (!Array.isArray(x)) throw ${this.rt('errors.ts', 'wrongType')}('array');`,
      'const n = x.length;',
      // Allocated at its length, then filled: faster than growing it push by push.
      'const out: unknown[] = new Array(n);',
      'let i = 0;',
      `try {\nfor (; i < n; i++) out[i] = ${this.value(t.elementType, 'x[i]')};\n} catch (e) {\nthrow ${this.rt('errors.ts', 'addKey')}(e, i);\n}`,
      'return out;',
    ].join('\n');
    this.fn(codecName(this.ctx, 'encode', t), `${this.param()}x: unknown, ${this.cleanParam()}`, 'unknown', body, `The encode walk of a list of \`${t.elementType.name}\`.`);
    this.decodeFunction(t, `a list of \`${t.elementType.name}\``);
    const check = [
      'if (!Array.isArray(x)) return false;',
      `for (let i = 0; i < x.length; i++) {\nconst v: unknown = x[i];\nif (!(${this.cond(t.elementType, 'v')})) return false;\n}`,
      'return true;',
    ].join('\n');
    this.fn(checkName(this.ctx, t), 'x: unknown, s: boolean', 'boolean', check, `Whether decoding \`x\` as a list of \`${t.elementType.name}\` would give back \`x\`.`);
    this.cloneEntry(t, `a list of \`${t.elementType.name}\``);
    const fast = [
      `if (!Array.isArray(x)) throw ${this.rt('codec-support.ts', 'GIVE_UP')};`,
      'const n = x.length;',
      'const out: unknown[] = new Array(n);',
      `for (let i = 0; i < n; i++) out[i] = ${this.cloneValue(t.elementType, 'x[i]')};`,
      'return out;',
    ].join('\n');
    this.fn(fastCloneName(this.ctx, t), 'x: unknown', 'unknown[]', fast, `The fast clone of a list of \`${t.elementType.name}\` (see cloneFoo).`);
  }

  visitObjectType(t: SchemaObjectType): void {
    if (t.name === 'q_empty') return;
    this.rt('visitor.ts', 'PlainObject', true);
    this.encodeMembers(t);
    const wrongType = this.rt('errors.ts', 'wrongType');
    const lines = [`if (!${this.rt('visitor.ts', 'isObject')}(x)) throw ${wrongType}('object');`, 'const out: PlainObject = {};'];
    const call = `${this.members('encode', t)}(c, x, out, clean);`;
    if (t.branches) {
      // Only a union can meet an unknown branch that the options keep; the generic walk handles that.
      lines.push(`try {\n${call}\n} catch (e) {\nif (e === ${this.rt('codec-support.ts', 'FALLBACK')}) return ${this.walk(t)}(c, null, x);\nthrow e;\n}`);
    } else {
      lines.push(call);
    }
    lines.push('return out;');
    this.fn(codecName(this.ctx, 'encode', t), `${this.param()}x: unknown, ${this.cleanParam()}`, 'unknown', lines.join('\n'), `The encode walk of \`${t.name}\`.`);
    this.decodeFunction(t, `\`${t.name}\``);
    this.checkMembers(t);
    const check = [
      `if (typeof x !== 'object' || ${notPlain('x')}) return false;`,
      `const n = ${this.members('check', t)}(x as PlainObject, s);`,
      `return n >= 0 && (!s || ${this.rt('codec-support.ts', 'keyCount')}(x) === n);`,
    ].join('\n');
    this.fn(checkName(this.ctx, t), 'x: unknown, s: boolean', 'boolean', check, `Whether decoding \`x\` as \`${t.name}\` would give back \`x\` (\`s\`: strictly).`);
    this.cloneEntry(t, `\`${t.name}\``);
    this.fastCloneObject(t);
  }

  /**
   * The fast clone of a struct or union: the object built in one literal
   * from the leading members that are there, the others added in the
   * walk's order (all members, base first, then the branch's). A member
   * that is required but missing, an unknown branch, an object that is not
   * plain: it gives up (the walk then copies what is there).
   * `fastCloneFooMembers` adds the members of Foo to an object, for the
   * unions that have Foo as a branch.
   */
  private fastCloneObject(t: SchemaObjectType): void {
    const giveUp = this.rt('codec-support.ts', 'GIVE_UP');
    const hasOwn = this.rt('visitor.ts', 'hasOwn');
    const members = t.members ?? [];
    const read = (m: (typeof members)[number], v: string, decl: string): string =>
      INHERITED.has(m.name) ? `${decl}${v} = ${hasOwn}(o, ${quote(m.name)}) ? o[${quote(m.name)}] : undefined;` : `${decl}${v} = o[${quote(m.name)}];`;
    const rest = (ms: typeof members, first: number): string[] =>
      ms.map((m, i) => {
        const v = `v${first + i}`;
        const assign = `out[${quote(m.name)}] = ${this.cloneValue(m.type, v)};`;
        return m.optional ? `${read(m, v, 'const ')}\nif (${v} !== undefined) ${assign}` : `${read(m, v, 'const ')}\nif (${v} === undefined) throw ${giveUp};\n${assign}`;
      });
    // The literal: the leading required members (a missing one gives up: the walk leaves it out).
    let k = 0;
    while (k < members.length && !members[k]!.optional) k++;
    const lines = [`if (${notPlain('x')}) throw ${giveUp};`];
    if (members.length || t.branches) lines.push('const o = x as PlainObject;');
    const prefix = members.slice(0, k);
    for (const [i, m] of prefix.entries()) lines.push(read(m, `v${i}`, 'const '));
    if (prefix.length) lines.push(`if (${prefix.map((_, i) => `v${i} === undefined`).join(' || ')}) throw ${giveUp};`);
    lines.push(`const out: PlainObject = { ${prefix.map((m, i) => `${quote(m.name)}: ${this.cloneValue(m.type, `v${i}`)}`).join(', ')} };`);
    // A branch may be a union itself: its members function has its own switch.
    const branch: string[] = [];
    if (t.branches) {
      const tag = t.branches.tagMember!.name;
      branch.push(`switch (o[${quote(tag)}]) {`);
      for (const b of t.branches.variants) {
        if (b.type.name === 'q_empty') branch.push(`case ${quote(b.name)}:\nbreak;`);
        else branch.push(`case ${quote(b.name)}:\n${this.members('fastClone', b.type as SchemaObjectType)}(o, out);\nbreak;`);
      }
      branch.push(`default:\nthrow ${giveUp};\n}`);
    }
    // The members after the literal are written once, in a function of their own when the
    // members function (for unions with this branch) and the fast clone both need them.
    const bulk = [...rest(members.slice(k), k), ...branch];
    const name = fastCloneName(this.ctx, t);
    const membersDoc = `The fast clone of the members of \`${t.name}\`, into \`out\` (for a union with this branch).`;
    if (k === 0) {
      this.fn(`${name}Members`, 'o: PlainObject, out: PlainObject', 'void', bulk.join('\n'), membersDoc);
      if (members.length || t.branches) lines.push(`${name}Members(o, out);`);
    } else {
      const restCall = bulk.length ? [`${name}Rest(o, out);`] : [];
      if (bulk.length) this.fn(`${name}Rest`, 'o: PlainObject, out: PlainObject', 'void', bulk.join('\n'), `What follows the first optional member of \`${t.name}\`.`, false);
      lines.push(...restCall);
      this.fn(`${name}Members`, 'o: PlainObject, out: PlainObject', 'void', [...rest(prefix, 0), ...restCall].join('\n'), membersDoc);
    }
    lines.push('return out;');
    this.fn(name, 'x: unknown', 'PlainObject', lines.join('\n'), `The fast clone of \`${t.name}\` (see cloneFoo).`);
  }

  /**
   * The fast check of the members of a struct: how many members `o` has
   * that the type knows, or -1 when the walk would not give them back as
   * they are. Base first, then the local members, then the branch: the
   * walk's order.
   */
  private checkMembers(t: SchemaObjectType): void {
    const lines: string[] = [];
    const required = t.localMembers.filter((m) => !m.optional).length;
    if (t.base) lines.push(`let n = ${this.members('check', t.base)}(o, s);`, 'if (n < 0) return -1;', ...(required ? [`n += ${required};`] : []));
    else lines.push(`let n = ${required};`);
    if (t.localMembers.length) lines.push('let v: unknown;');
    for (const m of t.localMembers) {
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
    if (t.branches) {
      lines.push(`switch (o[${quote(t.branches.tagMember!.name)}]) {`);
      for (const b of t.branches.variants) {
        if (b.type.name === 'q_empty') lines.push(`case ${quote(b.name)}:\nbreak;`);
        else lines.push(`case ${quote(b.name)}: {\nconst b = ${this.members('check', b.type as SchemaObjectType)}(o, s);\nif (b < 0) return -1;\nn += b;\nbreak;\n}`);
      }
      lines.push('default:\nreturn -1;\n}');
    }
    lines.push('return n;');
    const body = lines.join('\n');
    this.fn(`${checkName(this.ctx, t)}Members`, 'o: PlainObject, s: boolean', 'number', body, `The fast check of the members of \`${t.name}\`: how many \`o\` has, or -1.`);
  }

  /**
   * The members walk. One try block per function: `k` names the member
   * whose value is being visited, so that an error from below gets its key
   * (QEMU's path), while errors about the struct itself (a missing member,
   * an unknown branch) pass through as they are.
   */
  private encodeMembers(t: SchemaObjectType): void {
    const hasOwn = this.rt('visitor.ts', 'hasOwn');
    const addKey = this.rt('errors.ts', 'addKey');
    const missing = (key: string): string => `throw ${this.rt('errors.ts', 'missingMember')}(${key});`;
    const lines: string[] = [];
    if (t.base) lines.push(`${this.members('encode', t.base)}(c, src, out, clean);`);
    for (const [i, m] of t.localMembers.entries()) {
      const key = quote(m.name);
      const v = `x${i}`;
      const features = this.featuresConst(m.features);
      const assign = `k = ${key};\nout[${key}] = ${this.value(m.type, v)};\nk = null;`;
      // Names Object.prototype has (constructor, toString, …) always need hasOwn.
      const fetch = INHERITED.has(m.name)
        ? `const ${v} = ${hasOwn}(src, ${key}) ? src[${key}] : undefined;`
        : `const ${v} = own || ${hasOwn}(src, ${key}) ? src[${key}] : undefined;`;
      // The output policy leaves hidden members out (after the missing-member check, as the visitor does).
      const guarded = features ? `if (!(c.hides && ${this.rt('compat.ts', 'isHiddenByPolicy')}(${features}, c.compat))) {\n${assign}\n}` : assign;
      if (m.optional) lines.push(`${fetch}\nif (${v} !== undefined) {\n${guarded}\n}`);
      else lines.push(`${fetch}\nif (${v} === undefined) ${missing(key)}\n${guarded}`);
    }
    if (t.branches) {
      const tag = quote(t.branches.tagMember!.name);
      const tagValue = `(${hasOwn}(src, ${tag}) ? src[${tag}] : undefined)`;
      lines.push(`switch (${tagValue}) {`);
      for (const b of t.branches.variants) {
        if (b.type.name === 'q_empty') lines.push(`case ${quote(b.name)}:\nbreak;`);
        else lines.push(`case ${quote(b.name)}:\n${this.members('encode', b.type as SchemaObjectType)}(c, src, out, clean);\nbreak;`);
      }
      const fallback = this.rt('codec-support.ts', 'FALLBACK');
      const unknown = `if (!c.keepUnknownBranches) throw ${addKey}(${this.rt('errors.ts', 'badEnumValue')}(String(${tagValue})), ${tag});\nthrow ${fallback};`;
      lines.push(`default:\n${unknown}\n}`);
    }
    // Inline, where V8 knows the maps of `src`, which makes the prototype test cheap (see notPlain).
    if (lines.some((l) => l.includes('own ||'))) lines.unshift(`const own = clean && src.constructor === Object && Object.getPrototypeOf(src) === Object.prototype;`);
    const usesKey = lines.some((l) => l.includes('k = '));
    const body = usesKey ? [`let k: string | null = null;`, `try {\n${lines.join('\n')}\n} catch (e) {\nthrow k === null ? e : ${addKey}(e, k);\n}`] : lines;
    this.fn(
      `${codecName(this.ctx, 'encode', t)}Members`,
      `${this.param()}src: PlainObject, out: PlainObject, clean: boolean`,
      'void',
      body.join('\n'),
      `The encode walk of the members of \`${t.name}\`, into \`out\`.`,
    );
  }

  visitAlternateType(t: SchemaAlternateType): void {
    this.rt('visitor.ts', 'AlternateBranch', true);
    const arrayName = `encodeAlternatives${this.ctx.names.of(t)}`;
    const branches = t.alternatives.variants.map((b, i) => {
      const type = b.type;
      const enumValues = type instanceof SchemaEnumType ? `, enumValues: [${type.members.map((m) => quote(m.name)).join(', ')}]` : '';
      let visit: string;
      if (hasCodec(type)) {
        // The visitor reaching here is the output visitor. The branch is no call
        // from outside, but it can't know `clean`: it asks.
        visit = `${arrayName}_${i}`;
        this.rt('visitor.ts', 'Visitor', true);
        this.rt('visitor.ts', 'Key', true);
        const outputVisitor = this.rt('output-visitor.ts', 'OutputVisitor', true);
        this.file.statements.push({
          kind: StructureKind.Function,
          name: visit,
          parameters: [
            { name: 'v', type: 'Visitor' },
            { name: '_key', type: 'Key' },
            { name: 'x', type: 'unknown' },
          ],
          returnType: 'unknown',
          statements: `return ${this.codec('encode', type)}(v as ${outputVisitor}, x, ${this.rt('codec-support.ts', 'pristine')}());`,
        });
      } else {
        visit = this.walk(type);
      }
      return `{ name: ${quote(b.name)}, jsonType: ${quote(type.alternateJsonType()!)}${enumValues}, visit: ${visit} }`;
    });
    this.file.consts.set(`${arrayName}: readonly AlternateBranch[]`, `[${branches.join(',\n')}]`);
    this.fn(
      codecName(this.ctx, 'encode', t),
      `${this.param()}x: unknown, _clean?: boolean`,
      'unknown',
      `return c.alternate(null, x, ${quote(t.name)}, ${arrayName});`,
      `The encode walk of \`${t.name}\` (an alternate).`,
    );
    this.decodeFunction(t, `\`${t.name}\` (an alternate)`);
    this.fn(checkName(this.ctx, t), 'x: unknown, s: boolean', 'boolean', this.alternateCheck(t), `Whether decoding \`x\` as \`${t.name}\` would give back \`x\`.`);
    this.cloneEntry(t, `\`${t.name}\` (an alternate)`);
    this.fn(fastCloneName(this.ctx, t), 'x: unknown', 'unknown', this.alternateFastClone(t), `The fast clone of \`${t.name}\` (see cloneFoo).`);
  }

  /** The fast clone of an alternate: the branch for the value's JSON type (the clone visitor checks no scalar). */
  private alternateFastClone(t: SchemaAlternateType): string {
    const giveUp = this.rt('codec-support.ts', 'GIVE_UP');
    const branch = (j: string): SchemaType | undefined => t.alternatives.variants.find((b) => b.type.alternateJsonType() === j)?.type;
    const scalar = (j: string): string => (branch(j) ? 'return x;' : `throw ${giveUp};`);
    const container = (j: string): string => {
      const ty = branch(j);
      return ty ? `return ${this.cloneValue(ty, 'x')};` : `throw ${giveUp};`;
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

  /**
   * The fast check of an alternate mirrors pickBranch: the value's JSON
   * type picks the branch; a string suits an enum branch that has it or a
   * `str` branch.
   */
  private alternateCheck(t: SchemaAlternateType): string {
    const byJson = new Map<string, SchemaType[]>();
    for (const b of t.alternatives.variants) {
      const j = b.type.alternateJsonType()!;
      byJson.set(j, [...(byJson.get(j) ?? []), b.type]);
    }
    const first = (j: string): SchemaType | undefined => byJson.get(j)?.[0];
    const strings = byJson.get('string') ?? [];
    const stringCond = strings.some((ty) => !(ty instanceof SchemaEnumType)) ? 'true' : strings.length ? strings.map((ty) => this.cond(ty, 'x')).join(' || ') : 'false';
    const one = (j: string): string => {
      const ty = first(j);
      return ty ? this.cond(ty, 'x') : 'false';
    };
    return [
      'switch (typeof x) {',
      `case 'string':\nreturn ${stringCond};`,
      `case 'number':\ncase 'bigint':\nreturn ${one('number')};`,
      `case 'boolean':\nreturn ${byJson.has('boolean') ? 'true' : 'false'};`,
      `case 'object':\nif (x === null) return ${byJson.has('null') ? 'true' : 'false'};\nif (Array.isArray(x)) return ${one('array')};\nreturn ${one('object')};`,
      'default:\nreturn false;',
      '}',
    ].join('\n');
  }
}

export interface CodecOutput {
  path: string;
  source: string;
  statements: StatementStructures[];
}

export function emitCodecs(ctx: EmitContext, module?: SchemaModule): CodecOutput[] {
  const emitter = new CodecEmitter(ctx);
  if (module) module.visit(emitter);
  else ctx.schema.visit(emitter);
  return emitter.files.map((f) => {
    const consts: StatementStructures[] = [...f.consts].map(([decl, init]) => {
      const [name, type] = decl.split(': ');
      return {
        kind: StructureKind.VariableStatement,
        declarationKind: 'const' as never,
        declarations: [{ name: name!, ...(type ? { type } : {}), initializer: init }],
      };
    });
    // Constants first: alternate tables reference functions (hoisted), functions reference constants (at call time).
    const statements = [...f.importDeclarations(), ...consts.filter((c) => !('declarations' in c && c.declarations[0]!.name.includes('Alternatives'))), ...f.statements, ...consts.filter((c) => 'declarations' in c && c.declarations[0]!.name.includes('Alternatives'))];
    return { path: f.path, source: f.module.isBuiltin() ? 'the built-in types' : f.module.name, statements };
  });
}
