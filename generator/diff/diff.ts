/**
 * The API diff: compares two schemas' API surfaces (snapshot.ts) by QAPI
 * name and classes each change by QAPI's compatibility rules (rules.ts).
 *
 * A named type's changes are reported on the type, classed by the ways it
 * travels (input, output, both: the rules of each; a type used both ways gets
 * both classes, and the worse one is its class). Implicit types are compared
 * through their owners: a command's inline arguments are its arguments. A
 * command or event whose arguments, return or data reach a changed type
 * (recursively) gets one more change, "changed through T", classed as T's
 * changes are in that direction.
 */
import type { ApiSnapshot, BranchSnap, CommandSnap, DataSnap, EventSnap, FeatureSnap, MemberSnap, ObjectSnap, TypeRef, TypeSnap } from './snapshot.js';
import { worst, type ChangeClass, type Direction, type RuleId } from './rules.js';

export type OwnerKind = 'command' | 'event' | 'type';

export type ChangeKind =
  | 'added'
  | 'removed'
  | 'kind-changed'
  | 'member-added'
  | 'member-removed'
  | 'member-type-changed'
  | 'member-optional'
  | 'member-mandatory'
  | 'value-added'
  | 'value-removed'
  | 'branch-added'
  | 'branch-removed'
  | 'branch-type-changed'
  | 'alternative-added'
  | 'alternative-removed'
  | 'alternative-type-changed'
  | 'discriminator-changed'
  | 'feature-added'
  | 'feature-removed'
  | 'if-changed'
  | 'flag-added'
  | 'flag-removed'
  | 'returns-changed'
  | 'arguments-changed'
  | 'changed-through';

/** Where in a command or event: its arguments, its return, or its data. */
export type Section = 'arguments' | 'returns' | 'data';

export type ItemRole = 'member' | 'value' | 'branch' | 'alternative';

export interface Verdict {
  class: ChangeClass;
  rule: RuleId;
}

export interface Change {
  class: ChangeClass;
  rule: RuleId;
  /** The class in each way the owner travels, when the rules depend on it. */
  directions?: Partial<Record<Direction, Verdict>>;
  owner: OwnerKind;
  /** The QAPI name of the command, event or type. */
  name: string;
  /** command, event, enum, struct, union, alternate. */
  meta: string;
  change: ChangeKind;
  section?: Section;
  /** The member, enum value, branch or alternative changed. */
  item?: { role: ItemRole; name: string };
  /** The feature added or removed. */
  feature?: string;
  /** Before and after: types, conditions, discriminators, kinds. */
  from?: string | null;
  to?: string | null;
  /** For changed-through: the changed types reached. */
  through?: string[];
  /** What the thing was (deprecated, unstable: no compatibility promise), or why nothing sees it. */
  note?: string;
  /** The change in words (markdown: names in backticks). */
  text: string;
}

type Rules = Verdict | Partial<Record<Direction, Verdict>>;

const v = (c: ChangeClass, rule: RuleId): Verdict => ({ class: c, rule });

function byName<T extends { name: string }>(xs: readonly T[]): Map<string, T> {
  return new Map(xs.map((x) => [x.name, x]));
}

function has(fs: readonly FeatureSnap[], name: string): boolean {
  return fs.some((f) => f.name === name);
}

const code = (s: string): string => '`' + s + '`';

/** The element name of `[T]`, or the name itself. */
function elementOf(t: TypeRef): string {
  if (t.charCodeAt(0) !== 0x5b) return t;
  let i = 0;
  while (t.charCodeAt(i) === 0x5b) i++;
  return t.slice(i, t.length - i);
}

/** What an owner's changes are classed by. */
interface Ctx {
  owner: OwnerKind;
  name: string;
  meta: string;
  section?: Section;
  /** The ways the owner travels; empty for a type no command or event uses. */
  dirs: ReadonlySet<Direction>;
  /** The owner was unstable in the old schema (noted on its incompatible changes). */
  unstable: boolean;
}

class Differ {
  readonly changes: Change[] = [];
  private readonly oldTypes: Map<string, TypeSnap>;
  private readonly newTypes: Map<string, TypeSnap>;
  private readonly oldDirs: Map<string, Set<Direction>>;
  private readonly newDirs: Map<string, Set<Direction>>;
  private readonly oldGraph: TypeGraph;
  private readonly newGraph: TypeGraph;

  constructor(
    private readonly a: ApiSnapshot,
    private readonly b: ApiSnapshot,
  ) {
    this.oldTypes = byName(a.types);
    this.newTypes = byName(b.types);
    this.oldGraph = new TypeGraph(a.types);
    this.newGraph = new TypeGraph(b.types);
    this.oldDirs = directionsOf(a, this.oldGraph);
    this.newDirs = directionsOf(b, this.newGraph);
  }

  run(): Change[] {
    this.definitions(this.a.types, this.b.types, (o, n) => this.type(o, n));
    this.definitions(this.a.commands, this.b.commands, (o, n) => this.command(o, n));
    this.definitions(this.a.events, this.b.events, (o, n) => this.event(o, n));
    this.through();
    const order: Record<OwnerKind, number> = { command: 0, event: 1, type: 2 };
    return this.changes
      .map((c, i) => ({ c, i }))
      .sort((x, y) => order[x.c.owner] - order[y.c.owner] || (x.c.name < y.c.name ? -1 : x.c.name > y.c.name ? 1 : x.i - y.i))
      .map((x) => x.c);
  }

  private definitions<T extends { name: string }>(olds: readonly T[], news: readonly T[], both: (o: T | undefined, n: T | undefined) => void): void {
    const nm = byName(news);
    for (const o of olds) both(o, nm.get(o.name));
    const om = byName(olds);
    for (const n of news) if (!om.has(n.name)) both(undefined, n);
  }

  // ---- recording --------------------------------------------------------

  private add(ctx: Ctx, rules: Rules, fields: Omit<Change, 'class' | 'rule' | 'owner' | 'name' | 'meta' | 'directions'>, itemUnstable = false): void {
    let verdict: Verdict;
    let directions: Partial<Record<Direction, Verdict>> | undefined;
    if ('class' in rules) {
      verdict = rules as Verdict;
    } else if (ctx.dirs.size === 0) {
      verdict = v('compatible', 'unused-type');
    } else {
      directions = {};
      for (const d of ['input', 'output'] as const) {
        const r = (rules as Partial<Record<Direction, Verdict>>)[d];
        if (ctx.dirs.has(d) && r) directions[d] = r;
      }
      const ds = Object.values(directions);
      const w = worst(ds.map((x) => x.class))!;
      verdict = ds.find((x) => x.class === w)!;
    }
    // A type nothing uses: whatever changed, no client sees it (notices stay notices).
    if (ctx.owner === 'type' && ctx.dirs.size === 0 && verdict.class !== 'notice' && fields.change !== 'added') verdict = v('compatible', 'unused-type');
    if (verdict.rule === 'unused-type') fields = { ...fields, note: 'no command or event uses it' };
    // Unstable interfaces "may be withdrawn or changed incompatibly": still a break for a client
    // that uses one, so the class stays; the note says there was no promise.
    else if (verdict.class === 'breaking' && (ctx.unstable || itemUnstable) && fields.note === undefined) fields = { ...fields, note: 'was unstable' };
    const change: Change = { class: verdict.class, rule: verdict.rule, owner: ctx.owner, name: ctx.name, meta: ctx.meta, ...fields };
    if (directions && Object.keys(directions).length > 0) change.directions = directions;
    if (ctx.section !== undefined && change.section === undefined) change.section = ctx.section;
    this.changes.push(change);
  }

  // ---- definitions ------------------------------------------------------

  private dirsOf(name: string): Set<Direction> {
    return new Set([...(this.oldDirs.get(name) ?? []), ...(this.newDirs.get(name) ?? [])]);
  }

  private type(o: TypeSnap | undefined, n: TypeSnap | undefined): void {
    const t = (n ?? o)!;
    const ctx: Ctx = { owner: 'type', name: t.name, meta: t.meta, dirs: this.dirsOf(t.name), unstable: false };
    if (o === undefined) {
      this.add(ctx, v('compatible', 'type-added'), { change: 'added', text: 'added' + conditionText(t.if) });
      return;
    }
    if (n === undefined) {
      this.add(ctx, v('notice', 'type-removed'), { change: 'removed', text: 'removed' });
      return;
    }
    this.definitionCommon(ctx, o, n);
    const kindOf = (x: TypeSnap): string => (x.meta === 'union' ? 'struct' : x.meta);
    if (kindOf(o) !== kindOf(n) || o.meta !== n.meta) {
      const r = v('review', 'kind-changed');
      this.add(ctx, { input: r, output: r }, { change: 'kind-changed', from: o.meta, to: n.meta, text: `changed from ${o.meta} to ${n.meta}` });
      if (kindOf(o) !== kindOf(n)) return;
    }
    if (o.meta === 'enum' && n.meta === 'enum') {
      this.items(ctx, 'value', o.values, n.values, {
        added: (x) => [{ input: v('compatible', 'send-add-value'), output: v('review', 'receive-add-value') }, `value ${code(x.name)} added${attributes([], x.features, x.if)}`],
        removed: () => ({ input: v('breaking', 'send-remove-value'), output: v('review', 'receive-remove-value') }),
        both: (x, y) => this.itemCommon(ctx, 'value', x.name, x, y),
        unstable: (x) => has(x.features, 'unstable'),
        deprecated: (x) => has(x.features, 'deprecated'),
      });
    } else if (o.meta === 'alternate' && n.meta === 'alternate') {
      this.branches(ctx, 'alternative', o.alternatives, n.alternatives);
    } else if (o.meta !== 'alternate' && o.meta !== 'enum' && n.meta !== 'alternate' && n.meta !== 'enum') {
      this.object(ctx, o, n);
    }
  }

  private object(ctx: Ctx, o: ObjectSnap, n: ObjectSnap): void {
    // A member a named base defines on both sides is reported on that base.
    const inherited = (m: MemberSnap | undefined): boolean => m === undefined || (m.definedIn !== null && m.definedIn !== ctx.name && o.bases.includes(m.definedIn) && n.bases.includes(m.definedIn));
    const om = new Map(o.members.map((m) => [m.name, m]));
    const nm = new Map(n.members.map((m) => [m.name, m]));
    const keep = (m: MemberSnap, other: Map<string, MemberSnap>): boolean => !(inherited(m) && inherited(other.get(m.name)));
    this.members(
      ctx,
      'member',
      o.members.filter((m) => keep(m, nm)),
      n.members.filter((m) => keep(m, om)),
    );
    if (o.discriminator !== null && n.discriminator !== null && o.discriminator !== n.discriminator) {
      const r = v('breaking', 'discriminator-changed');
      this.add(ctx, { input: r, output: r }, { change: 'discriminator-changed', from: o.discriminator, to: n.discriminator, text: `discriminator changed from ${code(o.discriminator)} to ${code(n.discriminator)}` });
    }
    this.branches(ctx, 'branch', o.branches, n.branches);
  }

  private command(o: CommandSnap | undefined, n: CommandSnap | undefined): void {
    const c = (n ?? o)!;
    const ctx: Ctx = { owner: 'command', name: c.name, meta: 'command', dirs: new Set(['input']), unstable: o !== undefined && has(o.features, 'unstable') };
    if (o === undefined) {
      this.add(ctx, v('compatible', 'send-add-command'), { change: 'added', text: 'added' + attributes([], c.features, c.if) });
      return;
    }
    if (n === undefined) {
      this.add(ctx, v('breaking', 'send-remove-command'), { change: 'removed', text: 'removed', ...wasDeprecated(o.features) });
      return;
    }
    this.definitionCommon(ctx, o, n);
    this.data({ ...ctx, section: 'arguments' }, o.args, n.args);
    if (o.returns !== n.returns) {
      const r = o.returns !== null && n.returns !== null && this.sameWire(o.returns, n.returns) ? v('compatible', 'type-renamed') : v('review', 'returns-changed');
      this.add({ ...ctx, section: 'returns', dirs: new Set(['output']) }, { output: r }, {
        change: 'returns-changed',
        from: o.returns,
        to: n.returns,
        text: `return type changed from ${o.returns === null ? 'none' : code(o.returns)} to ${n.returns === null ? 'none' : code(n.returns)}`,
      });
    }
    for (const [flag, was, is] of [['allow-oob', o.allowOob, n.allowOob], ['allow-preconfig', o.allowPreconfig, n.allowPreconfig]] as const) {
      if (was === is) continue;
      if (is) this.add(ctx, v('compatible', 'flag-added'), { change: 'flag-added', feature: flag, text: `${code(flag)} added` });
      else this.add(ctx, v('review', 'flag-removed'), { change: 'flag-removed', feature: flag, text: `${code(flag)} removed` });
    }
  }

  private event(o: EventSnap | undefined, n: EventSnap | undefined): void {
    const e = (n ?? o)!;
    const ctx: Ctx = { owner: 'event', name: e.name, meta: 'event', dirs: new Set(['output']), unstable: o !== undefined && has(o.features, 'unstable') };
    if (o === undefined) {
      this.add(ctx, v('compatible', 'receive-add-event'), { change: 'added', text: 'added' + attributes([], e.features, e.if) });
      return;
    }
    if (n === undefined) {
      this.add(ctx, v('breaking', 'receive-remove-event'), { change: 'removed', text: 'removed', ...wasDeprecated(o.features) });
      return;
    }
    this.definitionCommon(ctx, o, n);
    this.data({ ...ctx, section: 'data' }, o.data, n.data);
  }

  /** Arguments or event data: inline members are the owner's; a named type on both sides is compared as a type. */
  private data(ctx: Ctx, o: DataSnap | null, n: DataSnap | null): void {
    if (o?.type != null && o.type === n?.type) return;
    const role: ItemRole = 'member';
    this.members(ctx, role, o?.members ?? [], n?.members ?? []);
    if (o?.hasBranches || n?.hasBranches) {
      const r = v('review', 'type-changed');
      this.add(ctx, { input: r, output: r }, { change: 'arguments-changed', from: o?.type ?? null, to: n?.type ?? null, text: `${ctx.section} type changed from ${o?.type ? code(o.type) : 'inline'} to ${n?.type ? code(n.type) : 'inline'}` });
    }
  }

  // ---- parts ------------------------------------------------------------

  private definitionCommon(ctx: Ctx, o: { if: string | null; features: FeatureSnap[] }, n: { if: string | null; features: FeatureSnap[] }): void {
    this.condition(ctx, undefined, o.if, n.if);
    this.features(ctx, undefined, o.features, n.features);
  }

  private itemCommon(ctx: Ctx, role: ItemRole, name: string, o: { if: string | null; features?: FeatureSnap[] }, n: { if: string | null; features?: FeatureSnap[] }): void {
    this.condition(ctx, { role, name }, o.if, n.if);
    if (o.features && n.features) this.features(ctx, { role, name }, o.features, n.features);
  }

  private condition(ctx: Ctx, item: Change['item'], o: string | null, n: string | null): void {
    if (o === n) return;
    const who = item ? `${roleName(ctx, item.role)} ${code(item.name)}: ` : '';
    const fields = { change: 'if-changed' as const, ...(item ? { item } : {}), from: o, to: n };
    if (o === null) this.add(ctx, v('review', 'if-added'), { ...fields, text: `${who}now conditional: if ${n}` });
    else if (n === null) this.add(ctx, v('compatible', 'if-removed'), { ...fields, text: `${who}no longer conditional (was if ${o})` });
    else this.add(ctx, v('review', 'if-changed'), { ...fields, text: `${who}condition changed from ${o} to ${n}` });
  }

  private features(ctx: Ctx, item: Change['item'], o: readonly FeatureSnap[], n: readonly FeatureSnap[]): void {
    if (o.length === 0 && n.length === 0) return;
    const who = item ? `${roleName(ctx, item.role)} ${code(item.name)} ` : '';
    const om = byName(o);
    const nm = byName(n);
    for (const f of n) {
      if (om.has(f.name)) continue;
      const fields = { change: 'feature-added' as const, ...(item ? { item } : {}), feature: f.name };
      if (f.name === 'deprecated') this.add(ctx, v('notice', 'deprecated-added'), { ...fields, text: `${who}became deprecated` });
      else if (f.name === 'unstable') this.add(ctx, v('notice', 'unstable-added'), { ...fields, text: `${who}became unstable` });
      else this.add(ctx, v('compatible', 'feature-added'), { ...fields, text: `${who}feature ${code(f.name)} added` });
    }
    for (const f of o) {
      const g = nm.get(f.name);
      const fields = { ...(item ? { item } : {}), feature: f.name };
      if (g !== undefined) {
        if (g.if !== f.if) this.condition(ctx, item, f.if, g.if);
        continue;
      }
      if (f.name === 'deprecated') this.add(ctx, v('notice', 'deprecated-removed'), { ...fields, change: 'feature-removed', text: `${who}no longer deprecated` });
      else if (f.name === 'unstable') this.add(ctx, v('notice', 'unstable-removed'), { ...fields, change: 'feature-removed', text: `${who}no longer unstable` });
      else this.add(ctx, v('review', 'feature-removed'), { ...fields, change: 'feature-removed', text: `${who}feature ${code(f.name)} removed` });
    }
  }

  /** Added, removed and common items, in the new order (removed ones in the old). */
  private items<T extends { name: string }>(
    ctx: Ctx,
    role: ItemRole,
    o: readonly T[],
    n: readonly T[],
    how: {
      added: (x: T) => [Rules, string];
      removed: (x: T) => Rules;
      both: (x: T, y: T) => void;
      unstable: (x: T) => boolean;
      deprecated: (x: T) => boolean;
    },
  ): void {
    const om = byName(o);
    const nm = byName(n);
    for (const x of o) {
      if (nm.has(x.name)) continue;
      this.add(ctx, how.removed(x), { change: `${role}-removed` as ChangeKind, item: { role, name: x.name }, text: `${roleName(ctx, role)} ${code(x.name)} removed`, ...(how.deprecated(x) ? { note: 'was deprecated' } : {}) }, how.unstable(x));
    }
    for (const y of n) {
      const x = om.get(y.name);
      if (x === undefined) {
        const [rules, text] = how.added(y);
        this.add(ctx, rules, { change: `${role}-added` as ChangeKind, item: { role, name: y.name }, text });
      } else {
        how.both(x, y);
      }
    }
  }

  private members(ctx: Ctx, role: ItemRole, o: readonly MemberSnap[], n: readonly MemberSnap[]): void {
    this.items(ctx, role, o, n, {
      added: (y) => [
        y.optional
          ? { input: v('compatible', 'send-add-optional'), output: v('compatible', 'receive-add-member') }
          : { input: v('breaking', 'send-add-mandatory'), output: v('compatible', 'receive-add-member') },
        `${y.optional ? 'optional' : 'mandatory'} ${roleName(ctx, role)} ${code(y.name)} added${attributes([`type ${code(y.type)}`], y.features, y.if)}`,
      ],
      removed: (x) => ({ input: v('breaking', 'send-remove-argument'), output: x.optional ? v('review', 'receive-remove-optional') : v('breaking', 'receive-remove-member') }),
      unstable: (x) => has(x.features, 'unstable'),
      deprecated: (x) => has(x.features, 'deprecated'),
      both: (x, y) => {
        const item = { role, name: x.name };
        const who = `${roleName(ctx, role)} ${code(x.name)}`;
        const unstable = has(x.features, 'unstable');
        if (x.type !== y.type) {
          const toAlternate = this.newTypes.get(y.type);
          const widened = toAlternate?.meta === 'alternate' && toAlternate.alternatives.some((a) => a.type === x.type);
          const changed = this.sameWire(x.type, y.type) ? v('compatible', 'type-renamed') : v('review', 'type-changed');
          this.add(
            ctx,
            { input: widened ? v('compatible', 'send-to-alternate') : changed, output: changed },
            { change: 'member-type-changed', item, from: x.type, to: y.type, text: `${who} type changed from ${code(x.type)} to ${code(y.type)}` },
            unstable,
          );
        }
        if (x.optional && !y.optional) {
          this.add(ctx, { input: v('breaking', 'send-make-mandatory'), output: v('compatible', 'receive-make-mandatory') }, { change: 'member-mandatory', item, text: `${who} became mandatory` }, unstable);
        } else if (!x.optional && y.optional) {
          this.add(ctx, { input: v('compatible', 'send-make-optional'), output: v('breaking', 'receive-make-optional') }, { change: 'member-optional', item, text: `${who} became optional` }, unstable);
        }
        this.itemCommon(ctx, role, x.name, x, y);
      },
    });
  }

  private branches(ctx: Ctx, role: 'branch' | 'alternative', o: readonly BranchSnap[], n: readonly BranchSnap[]): void {
    const typeText = (t: TypeRef | null): string => (t === null ? 'no members' : code(t));
    this.items(ctx, role, o, n, {
      added: (y) => [{ input: v('compatible', 'send-add-value'), output: v('review', 'receive-add-value') }, `${role} ${code(y.name)} added (${typeText(y.type)}${y.if === null ? '' : `, if ${y.if}`})`],
      removed: () => ({ input: v('breaking', 'send-remove-value'), output: v('review', 'receive-remove-value') }),
      unstable: () => false,
      deprecated: () => false,
      both: (x, y) => {
        if (x.type !== y.type) {
          const r = x.type !== null && y.type !== null && this.sameWire(x.type, y.type) ? v('compatible', 'type-renamed') : v('review', 'type-changed');
          this.add(ctx, { input: r, output: r }, { change: `${role}-type-changed`, item: { role, name: x.name }, from: x.type, to: y.type, text: `${role} ${code(x.name)} changed from ${typeText(x.type)} to ${typeText(y.type)}` });
        }
        this.itemCommon(ctx, role, x.name, x, y);
      },
    });
  }

  /**
   * Whether old type `a` and new type `b` take the same values: a renamed
   * type, or one split into a base. A type of the same name in both counts
   * as the same (its own changes are reported on it).
   */
  private sameWire(a: TypeRef, b: TypeRef, assumed = new Set<string>()): boolean {
    if (a === b) return true;
    const depth = (t: TypeRef): number => /^\[*/.exec(t)![0].length;
    if (depth(a) !== depth(b)) return false;
    const ea = elementOf(a);
    const eb = elementOf(b);
    if (ea === eb) return true;
    const key = `${ea}\u0000${eb}`;
    if (assumed.has(key)) return true;
    const ta = this.oldTypes.get(ea);
    const tb = this.newTypes.get(eb);
    if (ta === undefined || tb === undefined || ta.meta !== tb.meta) return false;
    assumed.add(key);
    const sameSet = <T extends { name: string }>(xs: readonly T[], ys: readonly T[], same: (x: T, y: T) => boolean): boolean => {
      if (xs.length !== ys.length) return false;
      const ym = byName(ys);
      return xs.every((x) => ym.has(x.name) && same(x, ym.get(x.name)!));
    };
    const sameBranch = (x: BranchSnap, y: BranchSnap): boolean => (x.type === null || y.type === null ? x.type === y.type : this.sameWire(x.type, y.type, assumed));
    switch (ta.meta) {
      case 'enum':
        return sameSet(ta.values, (tb as typeof ta).values, () => true);
      case 'alternate':
        return sameSet(ta.alternatives, (tb as typeof ta).alternatives, sameBranch);
      case 'struct':
      case 'union': {
        const ob = tb as ObjectSnap;
        return (
          ta.discriminator === ob.discriminator &&
          sameSet(ta.members, ob.members, (x, y) => x.optional === y.optional && this.sameWire(x.type, y.type, assumed)) &&
          sameSet(ta.branches, ob.branches, sameBranch)
        );
      }
      default:
        return ta satisfies never;
    }
  }

  // ---- through ----------------------------------------------------------

  /** Commands and events whose arguments, return or data reach a changed type. */
  private through(): void {
    const changedTypes = new Map<string, Change[]>();
    for (const c of this.changes) {
      if (c.owner !== 'type' || c.change === 'added' || c.change === 'removed' || c.class === 'notice') continue;
      const list = changedTypes.get(c.name) ?? [];
      list.push(c);
      changedTypes.set(c.name, list);
    }
    if (changedTypes.size === 0) return;
    const one = (ctx: Ctx, dir: Direction, olds: TypeRef[], news: TypeRef[]): void => {
      const reached = new Set<string>();
      const note = (name: string): void => {
        if (changedTypes.has(name)) reached.add(name);
      };
      this.oldGraph.walk(olds, note);
      this.newGraph.walk(news, note);
      const through = [...reached].sort();
      if (through.length === 0) return;
      const verdicts = through.flatMap((t) => changedTypes.get(t)!.map((c) => c.directions?.[dir] ?? { class: c.class, rule: c.rule }));
      const w = worst(verdicts.map((x) => x.class))!;
      const rule: RuleId = dir === 'input' ? 'arguments-changed' : 'output-changed';
      const what = ctx.section === 'arguments' ? 'arguments' : ctx.section === 'returns' ? 'return' : 'data';
      this.add(ctx, v(w, rule), { change: 'changed-through', through, text: `${what} changed through ${through.map(code).join(', ')}` });
    };
    const om = byName(this.a.commands);
    for (const n of this.b.commands) {
      const o = om.get(n.name);
      if (o === undefined) continue;
      const ctx: Ctx = { owner: 'command', name: n.name, meta: 'command', dirs: new Set(['input']), unstable: has(o.features, 'unstable') };
      one({ ...ctx, section: 'arguments' }, 'input', startsOf(o.args), startsOf(n.args));
      one({ ...ctx, section: 'returns', dirs: new Set(['output']) }, 'output', o.returns === null ? [] : [o.returns], n.returns === null ? [] : [n.returns]);
    }
    const em = byName(this.a.events);
    for (const n of this.b.events) {
      const o = em.get(n.name);
      if (o === undefined) continue;
      one({ owner: 'event', name: n.name, meta: 'event', section: 'data', dirs: new Set(['output']), unstable: has(o.features, 'unstable') }, 'output', startsOf(o.data), startsOf(n.data));
    }
  }
}

/**
 * The type graph of a snapshot: what each named type refers to (members,
 * bases, branches, alternatives, array elements), computed once; walks
 * mark visited types with a stamp rather than allocating a set per walk.
 */
class TypeGraph {
  private readonly refs = new Map<string, string[]>();
  private readonly stamp = new Map<string, number>();
  private epoch = 0;
  constructor(types: readonly TypeSnap[]) {
    for (const t of types) this.refs.set(t.name, refsOf(t));
  }

  /** Calls `visit` once for each named type reachable from `starts`; `visit` returning false stops the walk there. */
  walk(starts: readonly TypeRef[], visit: (name: string) => boolean | void): void {
    const epoch = ++this.epoch;
    const stack = starts.map(elementOf);
    while (stack.length) {
      const name = stack.pop()!;
      const refs = this.refs.get(name);
      if (refs === undefined || this.stamp.get(name) === epoch) continue;
      this.stamp.set(name, epoch);
      if (visit(name) === false) continue;
      for (const r of refs) stack.push(r);
    }
  }
}

function refsOf(t: TypeSnap): string[] {
  switch (t.meta) {
    case 'enum':
      return [];
    case 'alternate':
      return t.alternatives.map((a) => elementOf(a.type!));
    case 'struct':
    case 'union':
      return [...t.bases, ...t.members.map((m) => elementOf(m.type)), ...t.branches.flatMap((b) => (b.type === null ? [] : [elementOf(b.type)]))];
    default:
      return t satisfies never;
  }
}

/** The ways each named type travels: from command arguments (input), returns and event data (output). */
export function directionsOf(s: ApiSnapshot, graph: TypeGraph = new TypeGraph(s.types)): Map<string, Set<Direction>> {
  const dirs = new Map<string, Set<Direction>>();
  const walk = (refs: readonly TypeRef[], d: Direction): void =>
    graph.walk(refs, (name) => {
      let set = dirs.get(name);
      if (set === undefined) dirs.set(name, (set = new Set()));
      if (set.has(d)) return false;
      set.add(d);
      return true;
    });
  for (const c of s.commands) {
    walk(startsOf(c.args), 'input');
    if (c.returns !== null) walk([c.returns], 'output');
  }
  for (const e of s.events) walk(startsOf(e.data), 'output');
  return dirs;
}

/** Where a walk from arguments or data starts: the named type, or the inline members' types. */
function startsOf(x: DataSnap | null): TypeRef[] {
  return x === null ? [] : x.type !== null ? [x.type] : x.members.map((m) => m.type);
}

function roleName(ctx: Ctx, role: ItemRole): string {
  return role === 'member' && ctx.section === 'arguments' ? 'argument' : role;
}

function conditionText(c: string | null): string {
  return c === null ? '' : ` (if ${c})`;
}

/** ` (type `T`, unstable, if COND)`: what describes an added item. */
function attributes(head: string[], features: readonly FeatureSnap[], cond: string | null): string {
  const parts = [...head, ...features.map((f) => (f.name === 'deprecated' || f.name === 'unstable' ? f.name : `feature ${code(f.name)}`)), ...(cond === null ? [] : [`if ${cond}`])];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

function wasDeprecated(fs: readonly FeatureSnap[]): { note?: string } {
  return has(fs, 'deprecated') ? { note: 'was deprecated' } : has(fs, 'unstable') ? { note: 'was unstable' } : {};
}

/** Every API change from `a` to `b`: commands, then events, then types, each by name. */
export function diffSnapshots(a: ApiSnapshot, b: ApiSnapshot): Change[] {
  return new Differ(a, b).run();
}
