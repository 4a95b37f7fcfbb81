/**
 * emitCodecs: per schema module, a `.codec.ts` file with the visitor walk
 * of every type written out for each stock visitor: `decodeFoo` (input
 * visitor), `encodeFoo` (output visitor) and `cloneFoo` (clone). They make
 * the same checks in the same order and throw the same errors as the
 * generic walk through `visitFoo`, only without the indirection; leaf
 * values still go through the visitor's own methods.
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
const KINDS: CodecKind[] = ['decode', 'encode', 'clone'];
const VISITOR_CLASS: Record<Exclude<CodecKind, 'clone'>, [string, string]> = {
  decode: ['InputVisitor', 'input-visitor.ts'],
  encode: ['OutputVisitor', 'output-visitor.ts'],
};
/** Names a plain object inherits from Object.prototype: reading them needs hasOwn. */
const INHERITED = new Set(Object.getOwnPropertyNames(Object.prototype));
const INT_KINDS = new Set(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'size']);

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

  private codec(kind: CodecKind, t: SchemaType): string {
    const name = codecName(this.ctx, kind, t);
    if (t.module) this.file.use(codecPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private members(kind: CodecKind, t: SchemaObjectType): string {
    const name = `${codecName(this.ctx, kind, t)}Members`;
    if (t.module) this.file.use(codecPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private enumInfo(t: SchemaEnumType): string {
    const name = `enumInfo${this.ctx.names.of(t)}`;
    if (t.module) this.file.use(visitPath(this.ctx.paths.of(t.module)), name, false);
    return name;
  }

  private featuresConst(features: readonly SchemaFeature[]): string | null {
    const flags = featureFlags(features);
    if (flags === null) return null;
    const name = `F_${flags.includes('deprecated') ? 'DEPRECATED' : ''}${flags.includes('deprecated') && flags.includes('unstable') ? '_' : ''}${flags.includes('unstable') ? 'UNSTABLE' : ''}`;
    this.file.consts.set(name, `Object.freeze(${flags})`);
    this.rt('visitor.ts', 'Features', true);
    return name;
  }

  /** The expression that visits value `x` of type `t` with codec `kind` (`c` is the visitor). */
  private value(kind: CodecKind, t: SchemaType, x: string): string {
    if (t instanceof SchemaBuiltinType) {
      if (kind === 'clone') return t.name === 'any' ? `${this.rt('visitor.ts', 'copyJsonValue')}(${x}, false)` : x;
      if (INT_KINDS.has(t.name)) return `c.int(null, ${x}, ${quote(t.name)})`;
      const method = { str: 'str', bool: 'bool', number: 'number', null: 'null', any: 'any' }[t.name];
      // The common case is checked inline; anything else goes to the visitor, for its exact error.
      if (t.name === 'str') return `typeof ${x} === 'string' ? ${x} : c.str(null, ${x})`;
      if (t.name === 'bool') return `typeof ${x} === 'boolean' ? ${x} : c.bool(null, ${x})`;
      return `c.${method}(null, ${x})`;
    }
    if (t instanceof SchemaEnumType) return kind === 'clone' ? x : `c.enumValue(null, ${x}, ${this.enumInfo(t)})`;
    return kind === 'clone' ? `${this.codec(kind, t)}(${x})` : `${this.codec(kind, t)}(c, ${x})`;
  }

  /** decode and clone return the type itself; encode returns JSON (unknown). */
  private returnType(kind: CodecKind, t: SchemaType): string {
    if (kind === 'encode') return 'unknown';
    const name = this.ctx.names.of(t);
    if (t.module) this.file.use(this.ctx.paths.of(t.module), name, true);
    return name;
  }

  private param(kind: CodecKind): string {
    if (kind === 'clone') return '';
    const [cls, file] = VISITOR_CLASS[kind];
    this.rt(file, cls, true);
    return `c: ${cls}, `;
  }

  private fn(name: string, params: string, returnType: string, body: string, doc: string): void {
    this.file.statements.push({
      kind: StructureKind.Function,
      name,
      isExported: true,
      parameters: params
        .split(', ')
        .filter(Boolean)
        .map((p) => {
          const [n, ty] = p.split(': ');
          return { name: n!, type: ty! };
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
    for (const kind of KINDS) {
      const body = [
        `if (!Array.isArray(x)) throw ${this.rt('errors.ts', 'wrongType')}('array');`,
        'const n = x.length;',
        'const out: unknown[] = [];',
        'let i = 0;',
        `try {\nfor (; i < n; i++) out.push(${this.value(kind, t.elementType, 'x[i]')});\n} catch (e) {\nthrow ${this.rt('errors.ts', 'addKey')}(e, i);\n}`,
        kind === 'encode' ? 'return out;' : `return out as ${this.returnType(kind, t)};`,
      ].join('\n');
      this.fn(codecName(this.ctx, kind, t), `${this.param(kind)}x: unknown`, this.returnType(kind, t), body, `The ${kind} walk of a list of \`${t.elementType.name}\`.`);
    }
  }

  visitObjectType(t: SchemaObjectType): void {
    if (t.name === 'q_empty') return;
    this.rt('visitor.ts', 'PlainObject', true);
    for (const kind of KINDS) {
      this.objectMembers(kind, t);
      const wrongType = this.rt('errors.ts', 'wrongType');
      const lines = [`if (!${this.rt('visitor.ts', 'isObject')}(x)) throw ${wrongType}('object');`];
      const literal = kind === 'clone' && !t.base && !t.branches ? this.cloneLiteralPrefix(t) : null;
      lines.push(literal ? literal.create : 'const out: PlainObject = {};');
      const members = literal ? literal.rest : `${this.members(kind, t)}(${kind === 'clone' ? '' : 'c, '}x, out);`;
      const call = kind === 'decode' ? `const n = ${this.members(kind, t)}(c, x, out);\nif (c.strict) ${this.rt('codec-support.ts', 'checkUnexpected')}(x, out, n);` : members;
      if (t.branches) {
        // Only a union can meet an unknown branch that the options keep; the generic walk handles that.
        const generic = visitName(this.ctx, t);
        if (t.module) this.file.use(visitPath(this.ctx.paths.of(t.module)), generic, false);
        const visitor = kind === 'clone' ? this.rt('clone-visitor.ts', 'cloneVisitor') : 'c';
        lines.push(`try {\n${call}\n} catch (e) {\nif (e === ${this.rt('codec-support.ts', 'FALLBACK')}) return ${generic}(${visitor}, null, x);\nthrow e;\n}`);
      } else {
        lines.push(call);
      }
      lines.push(kind === 'encode' ? 'return out;' : `return out as unknown as ${this.returnType(kind, t)};`);
      if (t.branches) {
        // The fallback returns the generic walk's `unknown`.
        const i = lines.findIndex((l) => l.startsWith('try {'));
        lines[i] = lines[i]!.replace(/return (\w+)\(([^)]*)\);/, kind === 'encode' ? 'return $1($2);' : `return $1($2) as ${this.returnType(kind, t)};`);
      }
      this.fn(codecName(this.ctx, kind, t), `${this.param(kind)}x: unknown`, this.returnType(kind, t), lines.join('\n'), `The ${kind} walk of \`${t.name}\`.`);
    }
  }

  /**
   * A clone builds its object in one literal where it can: the leading
   * required members that are copied as they are. Same keys, same order,
   * only faster than adding them one by one.
   */
  private cloneLiteralPrefix(t: SchemaObjectType): { create: string; rest: string } | null {
    const isLeaf = (ty: SchemaType): boolean => (ty instanceof SchemaBuiltinType && ty.name !== 'any') || ty instanceof SchemaEnumType;
    let k = 0;
    while (k < t.localMembers.length && !t.localMembers[k]!.optional && isLeaf(t.localMembers[k]!.type)) k++;
    if (k === 0) return null;
    const prefix = t.localMembers.slice(0, k);
    const hasOwn = this.rt('visitor.ts', 'hasOwn');
    const fetch = [`const own = ${this.rt('codec-support.ts', 'readsOwn')}(x);`]
      .concat(
        prefix.map((m, i) =>
          INHERITED.has(m.name)
            ? `const p${i} = ${hasOwn}(x, ${quote(m.name)}) ? x[${quote(m.name)}] : undefined;`
            : `const p${i} = own || ${hasOwn}(x, ${quote(m.name)}) ? x[${quote(m.name)}] : undefined;`,
        ),
      )
      .join('\n');
    const all = prefix.map((_, i) => `p${i} !== undefined`).join(' && ');
    const literal = `{ ${prefix.map((m, i) => `${quote(m.name)}: p${i}`).join(', ')} }`;
    const oneByOne = prefix.map((m, i) => `if (p${i} !== undefined) out[${quote(m.name)}] = p${i};`).join('\n');
    const create = `${fetch}\nlet out: PlainObject;\nif (${all}) out = ${literal};\nelse {\nout = {};\n${oneByOne}\n}`;
    const rest = t.localMembers.slice(k).map((m, i) => this.cloneMember(m, k + i)).join('\n');
    return { create, rest };
  }

  private cloneMember(m: SchemaObjectType['localMembers'][number], i: number): string {
    const key = quote(m.name);
    const v = `x${i}`;
    const fetch = INHERITED.has(m.name)
      ? `const ${v} = ${this.rt('visitor.ts', 'hasOwn')}(x, ${key}) ? x[${key}] : undefined;`
      : `const ${v} = own || ${this.rt('visitor.ts', 'hasOwn')}(x, ${key}) ? x[${key}] : undefined;`;
    const assign = `out[${key}] = ${this.value('clone', m.type, v)};`;
    const leaf = m.type instanceof SchemaBuiltinType ? m.type.name !== 'any' : m.type instanceof SchemaEnumType;
    const body = leaf ? assign : `try {\n${assign}\n} catch (e) {\nthrow ${this.rt('errors.ts', 'addKey')}(e, ${key});\n}`;
    return `{\n${fetch}\nif (${v} !== undefined) {\n${body}\n}\n}`;
  }

  /**
   * The members walk. One try block per function: `k` names the member
   * whose value is being visited, so that an error from below gets its key
   * (QEMU's path), while errors about the struct itself (a missing member,
   * an unknown branch) pass through as they are.
   */
  private objectMembers(kind: CodecKind, t: SchemaObjectType): void {
    const hasOwn = this.rt('visitor.ts', 'hasOwn');
    const addKey = this.rt('errors.ts', 'addKey');
    const missing = (key: string): string => `throw ${this.rt('errors.ts', 'missingMember')}(${key});`;
    const lines: string[] = [];
    if (t.base) lines.push(`${kind === 'decode' ? 'n += ' : ''}${this.members(kind, t.base)}(${kind === 'clone' ? '' : 'c, '}src, out);`);
    for (const [i, m] of t.localMembers.entries()) {
      const key = quote(m.name);
      const v = `x${i}`;
      const features = this.featuresConst(m.features);
      const leaf = m.type instanceof SchemaBuiltinType ? m.type.name !== 'any' : m.type instanceof SchemaEnumType;
      const assign = kind === 'clone' && leaf ? `out[${key}] = ${v};` : `k = ${key};\nout[${key}] = ${this.value(kind, m.type, v)};\nk = null;`;
      if (kind === 'decode') {
        // Own members only: a value inherited (say, from a polluted Object.prototype) was not sent.
        const policy = features
          ? `if (c.checkPolicy) {\nconst r = ${this.rt('compat.ts', 'inputRefusal')}(${features}, c.compat);\nif (r !== undefined) throw ${addKey}(${this.rt('compat.ts', 'policyError')}(r, 'parameter'), ${key});\n}\n`
          : '';
        const visit = `${policy}${assign}\nn++;`;
        // A defined value read from a plain object with an untouched Object.prototype is an own member;
        // anything else (an undefined value, an inherited name) asks hasOwn, as the visitor does.
        const present = INHERITED.has(m.name) ? `${hasOwn}(src, ${key})` : `${v} !== undefined ? own || ${hasOwn}(src, ${key}) : ${hasOwn}(src, ${key})`;
        lines.push(
          m.optional
            ? `const ${v} = src[${key}];\nif (${present}) {\n${visit}\n}`
            : `const ${v} = src[${key}];\nif (!(${present})) ${missing(key)}\n{\n${visit}\n}`,
        );
      } else {
        // Names Object.prototype has (constructor, toString, …) always need hasOwn.
        const fetch = INHERITED.has(m.name)
          ? `const ${v} = ${hasOwn}(src, ${key}) ? src[${key}] : undefined;`
          : `const ${v} = own || ${hasOwn}(src, ${key}) ? src[${key}] : undefined;`;
        // The output policy leaves hidden members out (after the missing-member check, as the visitor does).
        const guarded =
          kind === 'encode' && features ? `if (!(c.hides && ${this.rt('compat.ts', 'isHiddenByPolicy')}(${features}, c.compat))) {\n${assign}\n}` : assign;
        if (kind === 'clone' || m.optional) lines.push(`${fetch}\nif (${v} !== undefined) {\n${guarded}\n}`);
        else lines.push(`${fetch}\nif (${v} === undefined) ${missing(key)}\n${guarded}`);
      }
    }
    if (t.branches) {
      const tag = quote(t.branches.tagMember!.name);
      const tagValue = kind === 'decode' ? `out[${tag}]` : `(${hasOwn}(src, ${tag}) ? src[${tag}] : undefined)`;
      lines.push(`switch (${tagValue}) {`);
      for (const b of t.branches.variants) {
        if (b.type.name === 'q_empty') lines.push(`case ${quote(b.name)}:\nbreak;`);
        else lines.push(`case ${quote(b.name)}:\n${kind === 'decode' ? 'n += ' : ''}${this.members(kind, b.type as SchemaObjectType)}(${kind === 'clone' ? '' : 'c, '}src, out);\nbreak;`);
      }
      const fallback = this.rt('codec-support.ts', 'FALLBACK');
      const unknown =
        kind === 'clone'
          ? `throw ${fallback};`
          : `if (!c.keepUnknownBranches) throw ${addKey}(${this.rt('errors.ts', 'badEnumValue')}(String(${tagValue})), ${tag});\nthrow ${fallback};`;
      lines.push(`default:\n${unknown}\n}`);
    }
    if (lines.some((l) => l.includes('own ||'))) lines.unshift(`const own = ${this.rt('codec-support.ts', 'readsOwn')}(src);`);
    const usesKey = lines.some((l) => l.includes('k = '));
    const body = usesKey ? [`let k: string | null = null;`, `try {\n${lines.join('\n')}\n} catch (e) {\nthrow k === null ? e : ${addKey}(e, k);\n}`] : lines;
    if (kind === 'decode') {
      body.unshift('let n = 0;');
      body.push('return n;');
    }
    this.fn(
      `${codecName(this.ctx, kind, t)}Members`,
      `${this.param(kind)}src: PlainObject, out: PlainObject`,
      kind === 'decode' ? 'number' : 'void',
      body.join('\n'),
      `The ${kind} walk of the members of \`${t.name}\`, into \`out\`.`,
    );
  }

  visitAlternateType(t: SchemaAlternateType): void {
    this.rt('visitor.ts', 'AlternateBranch', true);
    for (const kind of KINDS) {
      const arrayName = `${kind}Alternatives${this.ctx.names.of(t)}`;
      const branches = t.alternatives.variants.map((b, i) => {
        const type = b.type;
        const enumValues = type instanceof SchemaEnumType ? `, enumValues: [${type.members.map((m) => quote(m.name)).join(', ')}]` : '';
        let visit: string;
        if (hasCodec(type)) {
          // The visitor reaching here is the one this codec is for.
          visit = `${arrayName}_${i}`;
          this.rt('visitor.ts', 'Visitor', true);
          this.rt('visitor.ts', 'Key', true);
          const cast = kind === 'clone' ? '' : `v as ${VISITOR_CLASS[kind][0]}, `;
          if (kind !== 'clone') this.rt(VISITOR_CLASS[kind][1], VISITOR_CLASS[kind][0], true);
          this.file.statements.push({
            kind: StructureKind.Function,
            name: visit,
            parameters: [
              { name: kind === 'clone' ? '_v' : 'v', type: 'Visitor' },
              { name: '_key', type: 'Key' },
              { name: 'x', type: 'unknown' },
            ],
            returnType: 'unknown',
            statements: `return ${this.codec(kind, type)}(${cast}x);`,
          });
        } else {
          visit = visitName(this.ctx, type);
          if (type.module) this.file.use(visitPath(this.ctx.paths.of(type.module)), visit, false);
        }
        return `{ name: ${quote(b.name)}, jsonType: ${quote(type.alternateJsonType()!)}${enumValues}, visit: ${visit} }`;
      });
      this.file.consts.set(`${arrayName}: readonly AlternateBranch[]`, `[${branches.join(',\n')}]`);
      const visitor = kind === 'clone' ? this.rt('clone-visitor.ts', 'cloneVisitor') : 'c';
      this.fn(
        codecName(this.ctx, kind, t),
        `${this.param(kind)}x: unknown`,
        this.returnType(kind, t),
        `return ${visitor}.alternate(null, x, ${quote(t.name)}, ${arrayName})${kind === 'encode' ? '' : ` as ${this.returnType(kind, t)}`};`,
        `The ${kind} walk of \`${t.name}\` (an alternate).`,
      );
    }
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
