/**
 * The plan-table emitter: a module's walk plans → one compact, data-like
 * table that the runtime interprets (templates/runtime/plans.ts), and the
 * module's visit functions (`visitFoo`), which resolve through that table.
 * Both follow the module's types in its file: one module, one file, so that
 * a program loads half as many modules.
 *
 * The table is data, so it is printed here directly, in the layout
 * prettier gives it (one member per line, each line what prettier would
 * break); the write stage still formats it, so the contract that every file
 * is exactly what prettier makes of it holds either way.
 */
import type { CommandRow, EventRow, MemberRow, PlanTable, TypeRow } from '../../templates/runtime/plans.js';
import { type EnumValuePlan, type MemberPlan, type ModulePlan, type TypePlan } from '../plan/plans.js';
import { propertyKey, quote } from './naming.js';

/** Words joined into one row; a feature word is one or two words itself. */
function row(...parts: (string | null | undefined)[]): string {
  return parts.filter((p): p is string => typeof p === 'string').join(' ');
}

function memberRow(m: MemberPlan): MemberRow {
  // Version marks (bindings that span versions): `~` only older versions have it, `?` some lack it.
  const mark = m.onlyIn.length ? '~' : m.optional ? '*' : m.absentIn.length ? '?' : '';
  return row(mark + m.name, m.type, m.features);
}

/** Enum values objects in tables, and the name of the types' `const` that is each. */
const VALUES_OBJECTS = new WeakMap<object, string>();

/**
 * Whether an enum value's row is its name alone, and the name keeps its
 * place as an object's key (an integer-like key would move to the front).
 */
function isPlainValue(v: EnumValuePlan): boolean {
  return v.features === undefined && !v.onlyIn.length && !/^(0|[1-9][0-9]*)$/.test(v.name) && v.name !== '__proto__';
}

function typeRow(p: TypePlan): TypeRow | null {
  switch (p.kind) {
    case 'scalar':
    case 'int':
      return null;
    case 'enum': {
      if (p.values.length && p.values.every(isPlainValue)) {
        // The values object the types declare (`const Foo`), printed as its name.
        const values = Object.freeze(Object.fromEntries(p.values.map((v) => [v.name, v.name])));
        VALUES_OBJECTS.set(values, p.tsName);
        return { enum: values };
      }
      return { enum: p.values.map((v) => row(v.onlyIn.length ? `~${v.name}` : v.name, v.features)) };
    }
    case 'list':
      return { list: p.element };
    case 'alternate':
      return {
        alternate: p.alternatives.map((a) => row(a.name, a.type)),
        ...(p.qapiName !== p.tsName ? { name: p.qapiName } : {}),
      };
    case 'object': {
      const object: { base?: string; members?: MemberRow[]; tag?: string; branches?: string[] } = {};
      if (p.base !== null) object.base = p.base;
      if (p.local.length) object.members = p.local.map(memberRow);
      if (p.union) {
        object.tag = p.union.tag;
        object.branches = p.union.branches.map((b) => row(b.value, b.type));
      }
      return object;
    }
  }
}

/** The table of one module: exactly what its `X.plan.ts` holds, and what `validate` links. */
export function tableOf(mp: ModulePlan): PlanTable {
  const types: { [name: string]: TypeRow } = {};
  for (const p of mp.types) {
    const row = typeRow(p);
    if (row !== null) types[p.tsName] = row;
  }
  const commands: { [name: string]: CommandRow } = {};
  for (const c of mp.commands) {
    commands[c.name] = {
      ...(c.args !== null ? { args: c.args } : {}),
      ...(c.returns !== null ? { returns: c.returns } : {}),
      ...(c.features !== undefined ? { features: c.features } : {}),
      ...(c.allowOob ? { oob: true as const } : {}),
      ...(c.successResponse ? {} : { noReply: true as const }),
      ...(c.gen ? {} : { gen: false as const }),
    };
  }
  const events: { [name: string]: EventRow } = {};
  for (const e of mp.events) {
    events[e.name] = { ...(e.data !== null ? { data: e.data } : {}), ...(e.features !== undefined ? { features: e.features } : {}) };
  }
  return {
    ...(Object.keys(types).length ? { types } : {}),
    ...(mp.commands.length ? { commands } : {}),
    ...(mp.events.length ? { events } : {}),
  };
}

const WIDTH = 100;

/** A key as prettier leaves it (`quoteProps: 'as-needed'`); `__proto__` computed, so it stays data. */
function key(name: string): string {
  return name === '__proto__' ? `['__proto__']` : propertyKey(name);
}

function flat(v: unknown): string {
  if (typeof v === 'string') return quote(v);
  const values = typeof v === 'object' && v !== null ? VALUES_OBJECTS.get(v) : undefined;
  if (values !== undefined) return values;
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `[${v.map(flat).join(', ')}]`;
  const entries = Object.entries(v as object);
  return entries.length ? `{ ${entries.map(([k, x]) => `${key(k)}: ${flat(x)}`).join(', ')} }` : '{}';
}

/**
 * Prettier breaks an array of two or more arrays or objects that each have
 * two or more entries, and a break inside breaks everything around it.
 */
function mustBreak(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || VALUES_OBJECTS.has(v)) return false;
  const children = Array.isArray(v) ? v : Object.values(v);
  if (children.some(mustBreak)) return true;
  if (!Array.isArray(v) || v.length < 2) return false;
  const size = (x: unknown): number => (Array.isArray(x) ? x.length : typeof x === 'object' && x !== null ? Object.keys(x).length : 0);
  const kind = (x: unknown): string => (Array.isArray(x) ? 'array' : typeof x);
  return v.every((x) => typeof x === 'object' && x !== null && size(x) > 1 && kind(x) === kind(v[0]));
}

/** `v` printed at indentation `indent`, after `prefix` on its line and followed by `suffix`. */
function printValue(v: unknown, indent: number, prefix: string, suffix: string, expand: boolean): string {
  const one = flat(v);
  const isContainer = typeof v === 'object' && v !== null && !VALUES_OBJECTS.has(v);
  if (!isContainer || (!expand && !mustBreak(v) && indent + prefix.length + one.length + suffix.length <= WIDTH)) return prefix + one + suffix;
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(v)) {
    if (!v.length) return `${prefix}[]${suffix}`;
    return `${prefix}[\n${v.map((x) => pad + printValue(x, indent + 2, '', ',', false).trimStart()).join('\n')}\n${' '.repeat(indent)}]${suffix}`;
  }
  const entries = Object.entries(v as object);
  if (!entries.length) return `${prefix}{}${suffix}`;
  return `${prefix}{\n${entries.map(([k, x]) => pad + printValue(x, indent + 2, `${key(k)}: `, ',', false).trimStart()).join('\n')}\n${' '.repeat(indent)}}${suffix}`;
}

/** The runtime function a module's table is wrapped in: its file imports it. */
export const DEFINE_PLANS = { file: 'plans.ts', name: 'definePlans' } as const;

/** The runtime type of a module's functions (its walks): a module that has any imports it. */
export const WALKS_TYPE = { file: 'plans.ts', name: 'ModuleWalks' } as const;

/**
 * The functions a module exports for its named types: `decodeFoo`,
 * `encodeFoo`, `cloneFoo` (not for strings) and `visitFoo`. List types have
 * none: the schema's `decode('FooList', …)` and the like walk them.
 */
export function walkNames(mp: ModulePlan): string[] {
  const names: string[] = [];
  for (const p of mp.types) {
    if (p.visitName === null || p.kind === 'list') continue;
    const suffix = p.visitName.slice('visit'.length);
    // A string's clone is itself: enums (and an alternate of strings alone) have none.
    names.push(`decode${suffix}`, `encode${suffix}`);
    const stringOnly = p.kind === 'enum' || (p.kind === 'alternate' && p.alternatives.every((a) => a.json === 'string'));
    if (!stringOnly) names.push(`clone${suffix}`);
    names.push(p.visitName);
  }
  return names;
}

/** Whether a module's file ends with its types' functions (and imports {@link WALKS_TYPE}): it has a named type that is not a list. */
export function hasWalks(mp: ModulePlan): boolean {
  return mp.walksType !== null;
}

/**
 * The statements of a module's table and visit functions, as text, in the
 * layout prettier gives them; they follow the module's types in its file,
 * which imports {@link DEFINE_PLANS}.
 */
export function emitPlanStatements(mp: ModulePlan, table: PlanTable): string {
  const lines = [
    `/** The walk plans of ${mp.source.includes(' ') ? mp.source : '`' + mp.source + '`'}. */`,
    printValue(table, 0, `const ${mp.tableName} = ${DEFINE_PLANS.name}(`, ');', true),
    '',
    // The default export: `export *` in index.ts passes it over, so the table stays internal.
    `export default ${mp.tableName};`,
  ];
  if (hasWalks(mp)) {
    const names = walkNames(mp);
    lines.push(
      '',
      // An interface: tsc resolves its members once, where looking each name up in the mapped type costs it seconds.
      `interface ${mp.walksType} extends ${WALKS_TYPE.name}<${mp.typeMap}> {}`,
      '',
      "/** The functions of this module's types. */",
    );
    const call = ` = ${mp.tableName}.walks<${mp.walksType}>();`;
    const flatLine = `export const { ${names.join(', ')} }${call}`;
    // As prettier lays out an assignment: on one line; else broken after `=` when the pattern fits; else the pattern broken.
    const pattern = `export const { ${names.join(', ')} } =`;
    lines.push(
      flatLine.length <= WIDTH
        ? flatLine
        : pattern.length <= WIDTH
          ? `${pattern}\n  ${call.slice(3)}`
          : `export const {\n${names.map((n) => `  ${n},`).join('\n')}\n}${call}`,
    );
  }
  return lines.join('\n') + '\n';
}
