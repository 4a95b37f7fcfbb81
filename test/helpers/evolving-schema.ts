/**
 * A small multi-module QAPI schema held as data, rendered to schema files
 * (QEMU 10.2 doc format, `doc-required`), and edited one small, valid step
 * at a time. For the incremental-generation property test: every edit keeps
 * the schema valid, so a schema the front end rejects is a bug here.
 *
 * Definitions refer to each other by id, so renaming or moving one renders
 * every reference (member types, bases, branches, doc cross-references)
 * with its new name or in its new module. Nothing is ever deleted, so no
 * reference dangles.
 */

/** A QAPI condition (`'if'`). */
export type Cond = string | { not: Cond } | { all: Cond[] } | { any: Cond[] };

/** A built-in type name, a definition id, or a one-element list of either. */
export type TypeRef = string | number | [TypeRef];

/** Doc text: plain text and cross-references to definitions (rendered as `Name`). */
export type DocText = (string | { ref: number })[];

export interface Member {
  name: string;
  type: TypeRef;
  optional: boolean;
  if: Cond | null;
  features: string[];
  doc: DocText;
}

export interface EnumValue {
  name: string;
  if: Cond | null;
  features: string[];
  doc: DocText;
}

/** A union branch: tag value → object type. */
export interface Branch {
  value: string;
  type: number;
  if: Cond | null;
}

/** An alternative of an alternate; `slot` is the JSON type it takes (at most one per slot). */
export interface Alternative {
  slot: AltSlot;
  type: TypeRef;
  if: Cond | null;
  doc: DocText;
}

export type AltSlot = 'obj' | 'text' | 'num' | 'flag' | 'nothing' | 'items';
export const ALT_SLOTS: readonly AltSlot[] = ['obj', 'text', 'num', 'flag', 'nothing', 'items'];

interface Common {
  id: number;
  name: string;
  /** Module file, relative to the entry's directory: 'a.json', 'sub/e.json'. */
  module: string;
  doc: DocText;
  since: string;
  if: Cond | null;
  /** Definition features: plain ones only for types (QEMU refuses special features there). */
  features: string[];
}

export type Definition =
  | (Common & { meta: 'enum'; values: EnumValue[] })
  | (Common & { meta: 'struct'; base: number | null; members: Member[] })
  | (Common & { meta: 'union'; baseMembers: Member[]; tag: string; tagType: number; branches: Branch[] })
  | (Common & { meta: 'alternate'; alternatives: Alternative[] })
  | (Common & { meta: 'command'; args: Member[]; returns: TypeRef | null })
  | (Common & { meta: 'event'; data: Member[] });

export interface SchemaModel {
  defs: Definition[];
  /** Source of fresh names: member m7, enum value v8, type Circle9, … */
  counter: number;
}

/** Module files a definition can live in (the entry file only includes; it holds the pragma). */
export const MODULES: readonly string[] = ['a.json', 'b.json', 'c.json', 'd.json', 'sub/e.json'];
export const ENTRY = 'schema.json';

/** Conditions an edit may set; null removes the condition. */
export const CONDS: readonly (Cond | null)[] = [
  null,
  'CONFIG_A',
  'CONFIG_B',
  { not: 'CONFIG_A' },
  { all: ['CONFIG_A', { not: 'CONFIG_B' }] },
  { any: ['CONFIG_B', 'CONFIG_C'] },
];

/** Member types an edit may use (never a type with members, so no base/branch clash and no recursion). */
const memberTypes = (): TypeRef[] => [
  'str',
  'int',
  'bool',
  'number',
  'int64',
  'uint64',
  'size',
  'any',
  ['str'],
  ROLE_IDS.Color,
  [ROLE_IDS.Color],
  ROLE_IDS.ShapeType,
];

/** Features an edit may add to members and values (special and plain). */
const MEMBER_FEATURES = ['deprecated', 'unstable', 'my-feature'];
const FEATURE_DOCS: Record<string, string> = {
  deprecated: 'This is deprecated.',
  unstable: 'This is experimental.',
  'my-feature': 'A feature of our own.',
  fancy: 'A plain feature of the type.',
};

/** Ids are fixed at creation; names change. The initial definitions by their role. */
export const ROLE_IDS = { Color: 1, Base: 2, Square: 3, Derived: 4, Alt: 5, ShapeType: 6, Circle: 7, Shape: 8, Tri: 9, doThing: 10, thingChanged: 11, queryShapes: 12 } as const;

export function defById(m: SchemaModel, id: number): Definition {
  const d = m.defs.find((x) => x.id === id);
  if (!d) throw new Error(`no definition #${id}`);
  return d;
}

function member(name: string, type: TypeRef, doc: string, extra: Partial<Member> = {}): Member {
  return { name, type, optional: false, if: null, features: [], doc: [doc], ...extra };
}

function value(name: string, doc: string, extra: Partial<EnumValue> = {}): EnumValue {
  return { name, if: null, features: [], doc: [doc], ...extra };
}

/**
 * The starting point: `Base` (a) ← `Derived` (b); union `Shape` (d) over
 * `ShapeType` (c) with branches `Circle` (c) and `Square` (a); alternate
 * `Alt` (b) over `Base` and `Color` (a); enums with features and
 * conditions; commands and an event that use them all.
 */
export function initialModel(): SchemaModel {
  const R = ROLE_IDS;
  const common = (id: number, name: string, module: string, doc: DocText, extra: Partial<Common> = {}): Common => ({
    id,
    name,
    module,
    doc,
    since: '1.0',
    if: null,
    features: [],
    ...extra,
  });
  const defs: Definition[] = [
    {
      ...common(R.Color, 'Color', 'a.json', ['A colour.']),
      features: ['fancy'],
      meta: 'enum',
      values: [value('red', 'Red.'), value('green', 'Green.', { features: ['deprecated'] }), value('blue', 'Blue.', { if: 'CONFIG_BLUE', features: ['unstable'] })],
    },
    {
      ...common(R.Base, 'Base', 'a.json', ['The base of ', { ref: R.Derived }, '.']),
      meta: 'struct',
      base: null,
      members: [member('name', 'str', 'The name.'), member('count', 'int64', 'A count.', { optional: true, features: ['unstable'] }), member('tint', R.Color, 'Its colour.', { optional: true })],
    },
    {
      ...common(R.Square, 'Square', 'a.json', ['A square.']),
      meta: 'struct',
      base: null,
      members: [member('side', 'int', 'The side.')],
    },
    {
      ...common(R.Derived, 'Derived', 'b.json', ['Extends ', { ref: R.Base }, '.']),
      meta: 'struct',
      base: R.Base,
      members: [member('extra', 'bool', 'Something extra.'), member('tags', ['str'], 'Tags.', { optional: true })],
    },
    {
      ...common(R.Alt, 'Alt', 'b.json', ['A ', { ref: R.Base }, ' or a ', { ref: R.Color }, '.']),
      meta: 'alternate',
      alternatives: [
        { slot: 'obj', type: R.Base, if: null, doc: ['As an object.'] },
        { slot: 'text', type: R.Color, if: null, doc: ['As a colour.'] },
        { slot: 'num', type: 'int', if: null, doc: ['As a number.'] },
      ],
    },
    {
      ...common(R.ShapeType, 'ShapeType', 'c.json', ['Kinds of shape.']),
      meta: 'enum',
      values: [value('circle', 'A circle.'), value('square', 'A square.'), value('tri', 'A triangle.')],
    },
    {
      ...common(R.Circle, 'Circle', 'c.json', ['A circle.']),
      meta: 'struct',
      base: null,
      members: [member('radius', 'number', 'The radius.')],
    },
    {
      ...common(R.Shape, 'Shape', 'd.json', ['A shape: a ', { ref: R.Circle }, ' or a ', { ref: R.Square }, '.']),
      meta: 'union',
      baseMembers: [member('kind', R.ShapeType, 'What it is.'), member('label', 'str', 'A label.', { optional: true })],
      tag: 'kind',
      tagType: R.ShapeType,
      branches: [
        { value: 'circle', type: R.Circle, if: null },
        { value: 'square', type: R.Square, if: 'CONFIG_SQUARE' },
      ],
    },
    {
      ...common(R.Tri, 'Tri', 'd.json', ['A triangle.']),
      meta: 'struct',
      base: null,
      members: [member('a', 'number', 'Side a.'), member('b', 'number', 'Side b.', { optional: true })],
    },
    {
      ...common(R.doThing, 'do-thing', 'b.json', ['Does a thing with a ', { ref: R.Derived }, '.']),
      features: ['unstable'],
      meta: 'command',
      args: [member('arg', R.Derived, 'The thing.'), member('shape', R.Shape, 'A shape.', { optional: true }), member('alt', R.Alt, 'Either.', { optional: true, features: ['deprecated'] })],
      returns: R.Base,
    },
    {
      ...common(R.thingChanged, 'THING_CHANGED', 'c.json', ['Emitted when a thing changes.']),
      meta: 'event',
      data: [member('tint', R.Color, 'The new colour.'), member('shape', R.Shape, 'The shape.', { optional: true })],
    },
    {
      ...common(R.queryShapes, 'query-shapes', 'd.json', ['Lists the shapes.']),
      meta: 'command',
      args: [],
      returns: [R.Shape],
    },
  ];
  return { defs, counter: 100 };
}

// ---------------------------------------------------------------------------
// Rendering

/** QAPI's JSON dialect: single-quoted strings. */
function q(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[ ${v.map(q).join(', ')} ]`;
  const entries = Object.entries(v as object);
  return entries.length ? `{ ${entries.map(([k, x]) => `${q(k)}: ${q(x)}`).join(', ')} }` : '{}';
}

function typeName(m: SchemaModel, t: TypeRef): string | [string] {
  if (Array.isArray(t)) return [typeName(m, t[0]) as string];
  return typeof t === 'string' ? t : defById(m, t).name;
}

function docText(m: SchemaModel, d: DocText): string {
  return d.map((p) => (typeof p === 'string' ? p : '`' + defById(m, p.ref).name + '`')).join('');
}

/** A member as the value under its key: a bare type, or `{ 'type': …, 'if': …, 'features': … }`. */
function memberValue(m: SchemaModel, x: { type: TypeRef; if: Cond | null; features?: string[] }): unknown {
  const t = typeName(m, x.type);
  if (x.if === null && !x.features?.length) return t;
  return { type: t, ...(x.if !== null ? { if: x.if } : {}), ...(x.features?.length ? { features: x.features } : {}) };
}

function membersValue(m: SchemaModel, members: Member[]): Record<string, unknown> {
  return Object.fromEntries(members.map((x) => [(x.optional ? '*' : '') + x.name, memberValue(m, x)]));
}

function expression(m: SchemaModel, d: Definition): Record<string, unknown> {
  const tail = { ...(d.if !== null ? { if: d.if } : {}), ...(d.features.length ? { features: d.features } : {}) };
  switch (d.meta) {
    case 'enum':
      return {
        enum: d.name,
        data: d.values.map((v) => (v.if === null && !v.features.length ? v.name : { name: v.name, ...(v.if !== null ? { if: v.if } : {}), ...(v.features.length ? { features: v.features } : {}) })),
        ...tail,
      };
    case 'struct':
      return { struct: d.name, ...(d.base !== null ? { base: defById(m, d.base).name } : {}), data: membersValue(m, d.members), ...tail };
    case 'union':
      return {
        union: d.name,
        base: membersValue(m, d.baseMembers),
        discriminator: d.tag,
        data: Object.fromEntries(d.branches.map((b) => [b.value, b.if === null ? defById(m, b.type).name : { type: defById(m, b.type).name, if: b.if }])),
        ...tail,
      };
    case 'alternate':
      return { alternate: d.name, data: Object.fromEntries(d.alternatives.map((a) => [a.slot, memberValue(m, a)])), ...tail };
    case 'command':
      return {
        command: d.name,
        ...(d.args.length ? { data: membersValue(m, d.args) } : {}),
        ...(d.returns !== null ? { returns: typeName(m, d.returns) } : {}),
        ...tail,
      };
    case 'event':
      return { event: d.name, ...(d.data.length ? { data: membersValue(m, d.data) } : {}), ...tail };
  }
}

/** The described things of a definition: (name, doc, features) in order. */
function described(d: Definition): { name: string; doc: DocText; features: string[] }[] {
  switch (d.meta) {
    case 'enum':
      return d.values;
    case 'struct':
      return d.members;
    case 'union':
      return d.baseMembers;
    case 'alternate':
      return d.alternatives.map((a) => ({ name: a.slot, doc: a.doc, features: [] }));
    case 'command':
      return d.args;
    case 'event':
      return d.data;
  }
}

function docComment(m: SchemaModel, d: Definition): string {
  const lines = ['##', `# @${d.name}:`, '#', `# ${docText(m, d.doc)}`];
  const items = described(d);
  if (items.length) {
    lines.push('#');
    for (const it of items) lines.push(`# @${it.name}: ${docText(m, it.doc)}`);
  }
  const features = [...new Set([...d.features, ...items.flatMap((it) => it.features)])];
  if (features.length) {
    lines.push('#', '# Features:', '#');
    for (const f of features) lines.push(`# @${f}: ${FEATURE_DOCS[f] ?? 'A feature.'}`);
  }
  if (d.meta === 'command' && d.returns !== null) lines.push('#', `# Returns: What was asked for.`);
  lines.push('#', `# Since: ${d.since}`, '##');
  return lines.join('\n');
}

/** The modules in use, in include order. */
export function modulesInUse(m: SchemaModel): string[] {
  return MODULES.filter((mod) => m.defs.some((d) => d.module === mod));
}

/** Every schema file: the entry (pragma, includes) and one file per module in use. */
export function renderSchema(m: SchemaModel): Record<string, string> {
  const files: Record<string, string> = {};
  const mods = modulesInUse(m);
  files[ENTRY] = [
    '# Entry point of the evolving test schema.',
    '',
    "{ 'pragma': { 'doc-required': true } }",
    '',
    ...mods.map((mod) => `{ 'include': '${mod}' }`),
    '',
  ].join('\n');
  for (const mod of mods) {
    const parts = [`# Module ${mod} of the evolving test schema.`, '', '##', `# = Module ${mod.replace(/\.json$/, '')}`, '##'];
    for (const d of m.defs.filter((x) => x.module === mod)) parts.push('', docComment(m, d), q(expression(m, d)));
    files[mod] = parts.join('\n') + '\n';
  }
  return files;
}

// ---------------------------------------------------------------------------
// Edits

export const EDIT_KINDS = [
  'base-member-add',
  'base-member-remove',
  'member-change',
  'enum-value-add',
  'enum-feature',
  'union-branch-add',
  'union-branch-remove',
  'if-change',
  'doc-edit',
  'rename',
  'move',
  'alternate-add',
  'alternate-remove',
  'feature-change',
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];

/** An edit: its kind and three choices, interpreted against the schema at hand (so any sequence is valid). */
export interface Edit {
  kind: EditKind;
  a: number;
  b: number;
  c: number;
}

function pick<T>(list: readonly T[], n: number): T {
  if (!list.length) throw new Error('pick from an empty list');
  return list[n % list.length]!;
}

function fresh(m: SchemaModel, prefix: string): string {
  return `${prefix}${++m.counter}`;
}

const isType = (d: Definition): boolean => d.meta !== 'command' && d.meta !== 'event';

type Struct = Extract<Definition, { meta: 'struct' }>;
type Enum = Extract<Definition, { meta: 'enum' }>;
type Union = Extract<Definition, { meta: 'union' }>;
type Alternate = Extract<Definition, { meta: 'alternate' }>;

/** Structs that are a base of another struct. */
function baseStructs(m: SchemaModel): Struct[] {
  const bases = new Set(m.defs.flatMap((d) => (d.meta === 'struct' && d.base !== null ? [d.base] : [])));
  return m.defs.filter((d): d is Struct => d.meta === 'struct' && bases.has(d.id));
}

function newMember(m: SchemaModel, e: Edit): Member {
  const name = fresh(m, 'm');
  return {
    name,
    type: pick(memberTypes(), e.b),
    optional: e.c % 2 === 0,
    if: e.c % 5 === 1 ? pick(CONDS, e.c >> 3) : null,
    features: e.c % 7 === 3 ? [pick(MEMBER_FEATURES, e.c >> 3)] : [],
    doc: [`The member ${name}`, ...(e.c % 3 === 0 ? [' (since 2.0)'] : []), '.'],
  };
}

/** Names a rename may choose besides a fresh one: some collide with names the generator makes up. */
function renameCandidates(m: SchemaModel, d: Definition): string[] {
  if (d.meta === 'command') return [fresh(m, 'do-other-')];
  if (d.meta === 'event') return [fresh(m, 'OTHER_EVENT_')];
  const cmd = defById(m, ROLE_IDS.doThing).name;
  const pascal = cmd
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const shape = defById(m, ROLE_IDS.Shape).name;
  const n = fresh(m, d.name.replace(/\d+$/, ''));
  return [n, n, `${pascal}Arguments`, `${shape}Base`, 'ATypes', 'BCommands'].filter((c) => !m.defs.some((x) => x.name === c) && /^[A-Z]/.test(c));
}

/** Applies `e` to `m` in place; returns what it did, for failure reports. */
export function applyEdit(m: SchemaModel, e: Edit): string {
  switch (e.kind) {
    case 'base-member-add': {
      const s = pick(baseStructs(m), e.a);
      const mem = newMember(m, e);
      s.members.push(mem);
      return `add member ${mem.name} to base ${s.name}`;
    }
    case 'base-member-remove': {
      const s = pick(baseStructs(m), e.a);
      if (!s.members.length) return applyEdit(m, { ...e, kind: 'base-member-add' });
      const [gone] = s.members.splice(e.b % s.members.length, 1);
      return `remove member ${gone!.name} of base ${s.name}`;
    }
    case 'member-change': {
      const holders = m.defs.filter((d) => (d.meta === 'struct' || d.meta === 'command' || d.meta === 'event') && described(d).length > 0);
      const d = pick(holders, e.a) as Struct;
      const list = d.meta === 'struct' ? d.members : (d as unknown as { args?: Member[]; data?: Member[] }).args ?? (d as unknown as { data: Member[] }).data;
      const mem = pick(list, e.b);
      if (e.c % 2 === 0) {
        mem.optional = !mem.optional;
        return `make ${d.name}.${mem.name} ${mem.optional ? 'optional' : 'mandatory'}`;
      }
      mem.type = pick(memberTypes(), e.c >> 1);
      return `change the type of ${d.name}.${mem.name}`;
    }
    case 'enum-value-add': {
      const en = pick(
        m.defs.filter((d): d is Enum => d.meta === 'enum'),
        e.a,
      );
      const name = fresh(m, 'v');
      en.values.splice(e.b % (en.values.length + 1), 0, value(name, `Value ${name}.`, { features: e.c % 3 === 1 ? [pick(MEMBER_FEATURES, e.c)] : [], if: e.c % 4 === 2 ? pick(CONDS, e.c >> 2) : null }));
      return `add value ${name} to enum ${en.name}`;
    }
    case 'enum-feature': {
      const en = pick(
        m.defs.filter((d): d is Enum => d.meta === 'enum'),
        e.a,
      );
      if (e.c % 4 === 0) {
        // A plain feature on the enum type itself.
        en.features = en.features.length ? [] : ['fancy'];
        return `${en.features.length ? 'add' : 'remove'} feature fancy on enum ${en.name}`;
      }
      const v = pick(en.values, e.b);
      const f = pick(MEMBER_FEATURES, e.c);
      v.features = v.features.includes(f) ? v.features.filter((x) => x !== f) : [...v.features, f];
      return `toggle feature ${f} on ${en.name}.${v.name}`;
    }
    case 'union-branch-add': {
      const u = defById(m, ROLE_IDS.Shape) as Union;
      const tagEnum = defById(m, u.tagType) as Enum;
      let free = tagEnum.values.filter((v) => !u.branches.some((b) => b.value === v.name));
      let added = '';
      if (!free.length || e.c % 3 === 0) {
        const name = fresh(m, 'v');
        tagEnum.values.push(value(name, `Value ${name}.`));
        free = [tagEnum.values[tagEnum.values.length - 1]!];
        added = ` (new tag value in ${tagEnum.name})`;
      }
      const v = pick(free, e.a);
      const target = pick(
        m.defs.filter((d) => d.meta === 'struct'),
        e.b,
      );
      u.branches.splice(e.b % (u.branches.length + 1), 0, { value: v.name, type: target.id, if: e.c % 5 === 1 ? pick(CONDS, e.c >> 3) : null });
      return `add branch ${v.name}: ${target.name} to union ${u.name}${added}`;
    }
    case 'union-branch-remove': {
      const u = defById(m, ROLE_IDS.Shape) as Union;
      if (!u.branches.length) return applyEdit(m, { ...e, kind: 'union-branch-add' });
      const [gone] = u.branches.splice(e.a % u.branches.length, 1);
      return `remove branch ${gone!.value} of union ${u.name}`;
    }
    case 'if-change': {
      const targets: { what: string; set: (c: Cond | null) => void }[] = [];
      for (const d of m.defs) {
        targets.push({ what: d.name, set: (c) => (d.if = c) });
        if (d.meta === 'enum') for (const v of d.values) targets.push({ what: `${d.name}.${v.name}`, set: (c) => (v.if = c) });
        if (d.meta === 'union') for (const b of d.branches) targets.push({ what: `${d.name} branch ${b.value}`, set: (c) => (b.if = c) });
        if (d.meta === 'alternate') for (const a of d.alternatives) targets.push({ what: `${d.name}.${a.slot}`, set: (c) => (a.if = c) });
        // Conditional arguments of a command or event need 'boxed': true (QEMU's rule): members of types only.
        const members = d.meta === 'struct' ? d.members : d.meta === 'union' ? d.baseMembers.filter((x) => x.name !== d.tag) : [];
        for (const x of members) targets.push({ what: `${d.name}.${x.name}`, set: (c) => (x.if = c) });
      }
      const t = pick(targets, e.a);
      const c = pick(CONDS, e.b);
      t.set(c);
      return `set 'if' of ${t.what} to ${JSON.stringify(c)}`;
    }
    case 'doc-edit': {
      const d = pick(m.defs, e.a);
      const items = described(d);
      const what = e.c % 4;
      if (what === 0 && items.length) {
        const it = pick(items, e.b);
        // Docs are replaced, never grown: QEMU's 70-column rule holds for any sequence of edits.
        it.doc = [`Revised ${++m.counter}.`];
        return `edit the doc of ${d.name}.${it.name}`;
      }
      if (what === 1) {
        const other = pick(
          m.defs.filter((x) => isType(x)),
          e.b,
        );
        d.doc = [`Text ${++m.counter}.`, '  See ', { ref: other.id }, '.'];
        return `add a reference to ${other.name} to the doc of ${d.name}`;
      }
      if (what === 2) {
        d.since = `${1 + (e.b % 9)}.${++m.counter % 10}`;
        return `set Since: of ${d.name} to ${d.since}`;
      }
      d.doc = [`Revised ${++m.counter}.`, ...(e.b % 2 ? ['  See ', { ref: pick(m.defs.filter(isType), e.b).id }, '.'] : [])];
      return `rewrite the doc of ${d.name}`;
    }
    case 'rename': {
      const d = pick(m.defs, e.a);
      const old = d.name;
      d.name = pick(renameCandidates(m, d), e.b);
      return `rename ${old} to ${d.name}`;
    }
    case 'move': {
      const d = pick(m.defs, e.a);
      const from = d.module;
      const others = MODULES.filter((x) => x !== from);
      d.module = pick(others, e.b);
      // Keep definition order within modules meaningful: move it to the end or the front of the list.
      m.defs.splice(m.defs.indexOf(d), 1);
      if (e.c % 2) m.defs.push(d);
      else m.defs.unshift(d);
      return `move ${d.name} from ${from} to ${d.module}`;
    }
    case 'alternate-add': {
      const alt = defById(m, ROLE_IDS.Alt) as Alternate;
      const free = ALT_SLOTS.filter((s) => !alt.alternatives.some((a) => a.slot === s));
      if (!free.length) return applyEdit(m, { ...e, kind: 'alternate-remove' });
      const slot = pick(free, e.a);
      const choices: Record<AltSlot, TypeRef[]> = {
        obj: m.defs.filter((d) => d.meta === 'struct' || d.meta === 'union').map((d) => d.id),
        text: ['str', ROLE_IDS.Color, ROLE_IDS.ShapeType],
        num: ['int', 'number', 'size', 'int64'],
        flag: ['bool'],
        nothing: ['null'],
        items: [['int'], ['str'], [ROLE_IDS.Color]],
      };
      const type = pick(choices[slot], e.b);
      alt.alternatives.splice(e.c % (alt.alternatives.length + 1), 0, { slot, type, if: e.c % 4 === 3 ? pick(CONDS, e.c >> 2) : null, doc: [`As ${slot}.`] });
      return `add alternative ${slot}: ${JSON.stringify(typeName(m, type))} to ${alt.name}`;
    }
    case 'alternate-remove': {
      const alt = defById(m, ROLE_IDS.Alt) as Alternate;
      if (alt.alternatives.length <= 1) return applyEdit(m, { ...e, kind: 'alternate-add' });
      const [gone] = alt.alternatives.splice(e.a % alt.alternatives.length, 1);
      return `remove alternative ${gone!.slot} of ${alt.name}`;
    }
    case 'feature-change': {
      const d = pick(
        m.defs.filter((x) => x.meta === 'command' || x.meta === 'event' || x.meta === 'struct'),
        e.a,
      );
      const items = described(d) as Member[];
      if (e.c % 2 === 0 || !items.length) {
        // Definition features: special ones only on commands and events.
        const f = d.meta === 'struct' ? 'my-feature' : pick(MEMBER_FEATURES, e.b);
        d.features = d.features.includes(f) ? d.features.filter((x) => x !== f) : [...d.features, f];
        return `toggle feature ${f} on ${d.name}`;
      }
      const it = pick(items, e.b);
      const f = pick(MEMBER_FEATURES, e.c >> 1);
      it.features = it.features.includes(f) ? it.features.filter((x) => x !== f) : [...it.features, f];
      return `toggle feature ${f} on ${d.name}.${it.name}`;
    }
  }
}
