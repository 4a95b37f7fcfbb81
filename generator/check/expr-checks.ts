/**
 * Expression checks: the shape of every definition, its keys, names,
 * conditions, features and flags, before any type is resolved. Also
 * normalizes short forms (`'name': 'type'`, `'feat'`) into their long
 * forms, in place, as QEMU does.
 */
import { QapiSemError, type SourceInfo } from '../source/source-info.js';
import type { ExprDict, ExprValue, QapiExpression } from '../parse/parser.js';

export const META_TYPES = ['enum', 'struct', 'union', 'alternate', 'command', 'event'] as const;
export type MetaType = (typeof META_TYPES)[number];

const validName = /^(__[a-z0-9.-]+_)?(x-)?([a-z][a-z0-9_-]*)$/i;

const C_RESERVED = new Set(
  [
    // C89
    'auto break case char const continue default do double else enum extern float for goto if int long register return short signed sizeof static struct switch typedef union unsigned void volatile while',
    // C99, C11
    'inline restrict _Bool _Complex _Imaginary _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local',
    // GCC extensions
    'asm typeof',
    // C++
    'bool catch class const_cast delete dynamic_cast explicit false friend mutable namespace new operator private protected public reinterpret_cast static_cast template this throw true try typeid typename using virtual wchar_t and and_eq bitand bitor compl not not_eq or or_eq xor xor_eq',
    // namespace pollution
    'unix errno mips sparc i386 linux',
  ]
    .join(' ')
    .split(' '),
);

/** QEMU's c_name(): the C identifier a QAPI name maps to. Name clashes are judged on it. */
export function cName(name: string, protect = true): string {
  const n = name.replace(/[^A-Za-z0-9_]/g, '_');
  if (protect && (C_RESERVED.has(n) || /^[0-9]/.test(n))) return 'q_' + n;
  return n;
}

/** Python truthiness, which QEMU's flag checks rely on. */
function pyTruthy(v: ExprValue | undefined): boolean {
  if (v === undefined || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (v instanceof Map) return v.size > 0;
  return true;
}

function isDict(v: ExprValue | undefined): v is ExprDict {
  return v instanceof Map;
}

function checkNameIsStr(name: ExprValue | undefined, info: SourceInfo, source: string): asserts name is string {
  if (typeof name !== 'string') throw new QapiSemError(info, `${source} requires a string name`);
}

function checkNameStr(name: string, info: SourceInfo, source: string): string {
  // The whole 'q_' namespace is reserved for generated names.
  const match = validName.exec(name);
  if (!match || cName(name, false).startsWith('q_')) throw new QapiSemError(info, `${source} has an invalid name`);
  return match[3]!;
}

function checkNameUpper(name: string, info: SourceInfo, source: string): void {
  const stem = checkNameStr(name, info, source);
  if (/[a-z-]/.test(stem)) throw new QapiSemError(info, `name of ${source} must not use lowercase or '-'`);
}

function checkNameLower(name: string, info: SourceInfo, source: string, permitUpper = false, permitUnderscore = false): void {
  const stem = checkNameStr(name, info, source);
  if ((!permitUpper && /[A-Z]/.test(stem)) || (!permitUnderscore && stem.includes('_'))) {
    throw new QapiSemError(info, `name of ${source} must not use uppercase or '_'`);
  }
}

function checkNameCamel(name: string, info: SourceInfo, source: string): void {
  const stem = checkNameStr(name, info, source);
  if (!/^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$/.test(stem)) throw new QapiSemError(info, `name of ${source} must use CamelCase`);
}

function checkDefnNameStr(name: string, info: SourceInfo, meta: MetaType): void {
  if (meta === 'event') checkNameUpper(name, info, meta);
  else if (meta === 'command') checkNameLower(name, info, meta, false, info.pragma.commandNameExceptions.includes(name));
  else checkNameCamel(name, info, meta);
  if (name.endsWith('List')) throw new QapiSemError(info, `${meta} name should not end in 'List'`);
}

/** Python's sorted() on strings: by code point. */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function checkKeys(value: ExprDict, info: SourceInfo, source: string, required: string[], optional: string[]): void {
  // The common case, without building the sets the messages need.
  let ok = true;
  for (let i = 0; i < required.length && ok; i++) ok = value.has(required[i]!);
  if (ok) value.forEach((_v, k) => {
    if (ok && !required.includes(k) && !optional.includes(k)) ok = false;
  });
  if (ok) return;
  const pprint = (elems: Iterable<string>): string => [...elems].sort(byCodePoint).map((e) => `'${e}'`).join(', ');
  const missing = required.filter((k) => !value.has(k));
  if (missing.length) {
    throw new QapiSemError(info, `${source} misses key${missing.length > 1 ? 's' : ''} ${pprint(missing)}`);
  }
  const allowed = new Set([...required, ...optional]);
  const unknown = [...value.keys()].filter((k) => !allowed.has(k));
  if (unknown.length) {
    throw new QapiSemError(
      info,
      `${source} has unknown key${unknown.length > 1 ? 's' : ''} ${pprint(unknown)}\nValid keys are ${pprint(allowed)}.`,
    );
  }
}

function checkFlags(expr: ExprDict, info: SourceInfo): void {
  for (const key of ['gen', 'success-response']) {
    if (expr.has(key) && expr.get(key) !== false) throw new QapiSemError(info, `flag '${key}' may only use false value`);
  }
  for (const key of ['boxed', 'allow-oob', 'allow-preconfig', 'coroutine']) {
    if (expr.has(key) && expr.get(key) !== true) throw new QapiSemError(info, `flag '${key}' may only use true value`);
  }
  if (expr.has('allow-oob') && expr.has('coroutine')) {
    // No use case yet, and the semantics would not be obvious.
    throw new QapiSemError(info, "flags 'allow-oob' and 'coroutine' are incompatible");
  }
}

function checkIf(expr: ExprDict, info: SourceInfo, source: string): void {
  const checkCond = (cond: ExprValue): void => {
    if (typeof cond === 'string') {
      if (!/^[A-Z][A-Z0-9_]*$/.test(cond)) {
        throw new QapiSemError(info, `'if' condition '${cond}' of ${source} is not a valid identifier`);
      }
      return;
    }
    if (!isDict(cond)) throw new QapiSemError(info, `'if' condition of ${source} must be a string or an object`);
    checkKeys(cond, info, `'if' condition of ${source}`, [], ['all', 'any', 'not']);
    if (cond.size !== 1) throw new QapiSemError(info, `'if' condition of ${source} has conflicting keys`);
    if (cond.has('not')) checkCond(cond.get('not')!);
    else if (cond.has('all')) checkInfix('all', cond.get('all')!);
    else checkInfix('any', cond.get('any')!);
  };
  const checkInfix = (operator: string, operands: ExprValue): void => {
    if (!Array.isArray(operands)) throw new QapiSemError(info, `'${operator}' condition of ${source} must be an array`);
    if (!operands.length) throw new QapiSemError(info, `'if' condition [] of ${source} is useless`);
    for (const operand of operands) checkCond(operand);
  };
  const cond = expr.get('if');
  if (cond === undefined) return;
  checkCond(cond);
}

/** `'name': 'type'` becomes `'name': {'type': 'type'}`. */
function normalizeMembers(members: ExprValue | undefined): void {
  if (!isDict(members)) return;
  for (const [key, arg] of members) {
    if (!isDict(arg)) members.set(key, new Map([['type', arg]]));
  }
}

function checkTypeName(value: ExprValue | undefined, info: SourceInfo, source: string): void {
  if (value !== undefined && typeof value !== 'string') throw new QapiSemError(info, `${source} should be a type name`);
}

function checkTypeNameOrArray(value: ExprValue | undefined, info: SourceInfo, source: string): void {
  if (value === undefined || typeof value === 'string') return;
  if (!Array.isArray(value)) throw new QapiSemError(info, `${source} should be a type name or array`);
  if (value.length !== 1 || typeof value[0] !== 'string') {
    throw new QapiSemError(info, `${source}: array type must contain single type name`);
  }
}

function checkTypeImplicit(value: ExprValue | undefined, info: SourceInfo, source: string, parentName: string | null): void {
  if (value === undefined) return;
  if (!isDict(value)) throw new QapiSemError(info, `${source} should be an object or type name`);
  const permissive = parentName !== null && info.pragma.memberNameExceptions.includes(parentName);
  for (const [rawKey, arg] of value) {
    const keySource = `${source} member '${rawKey}'`;
    const key = rawKey.startsWith('*') ? rawKey.slice(1) : rawKey;
    checkNameLower(key, info, keySource, permissive, permissive);
    const c = cName(key, false);
    if (c === 'u' || c.startsWith('has_')) throw new QapiSemError(info, `${keySource} uses reserved name`);
    const argDict = arg as ExprDict;
    checkKeys(argDict, info, keySource, ['type'], ['if', 'features']);
    checkIf(argDict, info, keySource);
    checkFeatures(argDict.get('features'), info);
    checkTypeNameOrArray(argDict.get('type'), info, keySource);
  }
}

function checkTypeNameOrImplicit(value: ExprValue | undefined, info: SourceInfo, source: string, parentName: string | null): void {
  if (value === undefined || typeof value === 'string') return;
  checkTypeImplicit(value, info, source, parentName);
}

/** Normalizes `'feat'` to `{'name': 'feat'}` and checks each feature. */
function checkFeatures(features: ExprValue | undefined, info: SourceInfo): void {
  if (features === undefined) return;
  if (!Array.isArray(features)) throw new QapiSemError(info, "'features' must be an array");
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    if (!isDict(f)) features[i] = new Map([['name', f]]);
  }
  for (const feat of features as ExprDict[]) {
    let source = "'features' member";
    checkKeys(feat, info, source, ['name'], ['if']);
    const name = feat.get('name');
    checkNameIsStr(name, info, source);
    source = `${source} '${name}'`;
    checkNameLower(name, info, source);
    checkIf(feat, info, source);
  }
}

function checkEnum(expr: ExprDict, info: SourceInfo): void {
  const name = expr.get('enum') as string;
  const members = expr.get('data');
  const prefix = expr.get('prefix');
  if (!Array.isArray(members)) throw new QapiSemError(info, "'data' must be an array");
  if (prefix !== undefined && typeof prefix !== 'string') throw new QapiSemError(info, "'prefix' must be a string");
  const permissive = info.pragma.memberNameExceptions.includes(name);
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    if (!isDict(m)) members[i] = new Map([['name', m]]);
  }
  for (const member of members as ExprDict[]) {
    let source = "'data' member";
    checkKeys(member, info, source, ['name'], ['if', 'features']);
    let memberName = member.get('name');
    checkNameIsStr(memberName, info, source);
    source = `${source} '${memberName}'`;
    // Enum members may start with a digit.
    if (/^[0-9]/.test(memberName)) memberName = 'd' + memberName;
    checkNameLower(memberName, info, source, permissive, permissive);
    checkIf(member, info, source);
    checkFeatures(member.get('features'), info);
  }
}

function checkStruct(expr: ExprDict, info: SourceInfo): void {
  checkTypeImplicit(expr.get('data'), info, "'data'", expr.get('struct') as string);
  checkTypeName(expr.get('base'), info, "'base'");
}

function checkUnion(expr: ExprDict, info: SourceInfo): void {
  const name = expr.get('union') as string;
  const members = expr.get('data');
  checkTypeNameOrImplicit(expr.get('base'), info, "'base'", name);
  checkNameIsStr(expr.get('discriminator'), info, "'discriminator'");
  if (!isDict(members)) throw new QapiSemError(info, "'data' must be an object");
  for (const [key, value] of members) {
    const source = `'data' member '${key}'`;
    const v = value as ExprDict;
    checkKeys(v, info, source, ['type'], ['if']);
    checkIf(v, info, source);
    checkTypeName(v.get('type'), info, source);
  }
}

function checkAlternate(expr: ExprDict, info: SourceInfo): void {
  const members = expr.get('data');
  if (!pyTruthy(members)) throw new QapiSemError(info, "'data' must not be empty");
  if (!isDict(members)) throw new QapiSemError(info, "'data' must be an object");
  for (const [key, value] of members) {
    const source = `'data' member '${key}'`;
    checkNameLower(key, info, source);
    const v = value as ExprDict;
    checkKeys(v, info, source, ['type'], ['if']);
    checkIf(v, info, source);
    checkTypeNameOrArray(v.get('type'), info, source);
  }
}

function checkCommandOrEvent(expr: ExprDict, info: SourceInfo): void {
  const args = expr.get('data');
  if (pyTruthy(expr.get('boxed'))) {
    if (!expr.has('data')) throw new QapiSemError(info, "'boxed': true requires 'data'");
    checkTypeName(args, info, "'data'");
  } else {
    checkTypeNameOrImplicit(args, info, "'data'", null);
  }
}

/** Checks and normalizes every expression, in order. The first problem found is thrown. */
export function checkExprs(exprs: QapiExpression[]): QapiExpression[] {
  for (const { expr, info, doc } of exprs) {
    if (expr.has('include')) continue;
    const metas = META_TYPES.filter((m) => expr.has(m));
    if (metas.length !== 1) {
      throw new QapiSemError(info, "expression must have exactly one key 'enum', 'struct', 'union', 'alternate', 'command', 'event'");
    }
    const meta = metas[0]!;
    const name = expr.get(meta);
    checkNameIsStr(name, info, `'${meta}'`);
    // QEMU names the definition in messages only when the name is not empty.
    if (name !== '') info.setDefn(meta, name);
    checkDefnNameStr(name, info, meta);

    if (doc) {
      if (doc.symbol !== name) throw new QapiSemError(info, `documentation comment is for '${doc.symbol}'`);
      doc.checkExpr(meta === 'command', expr.has('returns'));
    } else if (info.pragma.docRequired) {
      throw new QapiSemError(info, 'documentation comment required');
    }

    switch (meta) {
      case 'enum':
        checkKeys(expr, info, meta, ['enum', 'data'], ['if', 'features', 'prefix']);
        checkEnum(expr, info);
        break;
      case 'union':
        checkKeys(expr, info, meta, ['union', 'base', 'discriminator', 'data'], ['if', 'features']);
        normalizeMembers(expr.get('base'));
        normalizeMembers(expr.get('data'));
        checkUnion(expr, info);
        break;
      case 'alternate':
        checkKeys(expr, info, meta, ['alternate', 'data'], ['if', 'features']);
        normalizeMembers(expr.get('data'));
        checkAlternate(expr, info);
        break;
      case 'struct':
        checkKeys(expr, info, meta, ['struct', 'data'], ['base', 'if', 'features']);
        normalizeMembers(expr.get('data'));
        checkStruct(expr, info);
        break;
      case 'command':
        checkKeys(
          expr,
          info,
          meta,
          ['command'],
          ['data', 'returns', 'boxed', 'if', 'features', 'gen', 'success-response', 'allow-oob', 'allow-preconfig', 'coroutine'],
        );
        normalizeMembers(expr.get('data'));
        checkCommandOrEvent(expr, info);
        checkTypeNameOrArray(expr.get('returns'), info, "'returns'");
        break;
      case 'event':
        checkKeys(expr, info, meta, ['event'], ['data', 'boxed', 'if', 'features']);
        normalizeMembers(expr.get('data'));
        checkCommandOrEvent(expr, info);
        break;
    }
    checkIf(expr, info, meta);
    checkFeatures(expr.get('features'), info);
    checkFlags(expr, info);
  }
  return exprs;
}
