/**
 * Bindings that span QEMU versions (`generate --oldest`): the newest
 * schema's model, widened by what older ones have, so that what any version
 * in the range sends is known and typed.
 *
 * Compared by name with each older schema:
 * - a member of a struct or union that an older version lacks is marked
 *   `absentIn` (a server of that version may leave it out);
 * - a member only an older version has is added, optional, marked `onlyIn`,
 *   with its type as the newest schema has it (or `any` when the newest has
 *   no type of that name);
 * - an enum value only an older version has is added, marked `onlyIn`, and so
 *   is a union branch of it (its type found by name, else no members).
 *
 * Commands and events the newest schema lacks are not brought back: the
 * bindings are the newest version's API, reading what older servers send.
 * The marks go into the plans (`?member`, `~member`, `~value`): arguments
 * stay held to the newest version at run time.
 */
import {
  SchemaEnumMember,
  SchemaEnumType,
  SchemaObjectType,
  SchemaObjectTypeMember,
  SchemaVariant,
  type SchemaType,
} from './entities.js';
import type { QapiSchema } from './schema.js';

/** An older schema the bindings must still read, and its QEMU version (`7.2.0`). */
export interface OlderSchema {
  readonly version: string;
  readonly schema: QapiSchema;
}

/** What the widening did, for the log and the tests. */
export interface VersionSpan {
  readonly newest: string;
  readonly older: readonly string[];
  /** Members that some older version lacks, as `Type.member`. */
  readonly absent: string[];
  /** Members, enum values and branches added from older versions, as `Type.member`, `Enum.value`, `Union+branch`. */
  readonly added: string[];
}

/** The type `name` of the newest schema, or its `any` when it has none (an older version's type). */
function typeInNewest(newest: QapiSchema, older: SchemaType): SchemaType {
  return newest.lookupType(older.name) ?? newest.lookupType('any')!;
}

/** Widens `newest` (in place) by every older schema, oldest last or first: the order of the marks follows `older`. */
export function spanVersions(newest: QapiSchema, newestVersion: string, older: readonly OlderSchema[]): VersionSpan {
  const span: VersionSpan = { newest: newestVersion, older: older.map((o) => o.version), absent: [], added: [] };
  // Bases before the types built on them, so that a member an older base had is added to the base.
  const depth = (t: SchemaObjectType): number => (t.base ? depth(t.base) + 1 : 0);
  const definitions = [...newest.definitions].sort((a, b) => (a instanceof SchemaObjectType ? depth(a) : 0) - (b instanceof SchemaObjectType ? depth(b) : 0));
  for (const { version, schema: old } of older) {
    for (const ent of definitions) {
      const was = old.lookupEntity(ent.name);
      if (ent instanceof SchemaEnumType && was instanceof SchemaEnumType) {
        const had = new Set(was.members.map((m) => m.name));
        for (const m of ent.members) if (!had.has(m.name) && !m.onlyIn.length) m.absentIn.push(version);
        for (const m of was.members) {
          const known = ent.members.find((x) => x.name === m.name);
          if (known !== undefined) {
            // Added from another older version: this one has it too.
            if (known.onlyIn.length) known.onlyIn.push(version);
            continue;
          }
          const added = new SchemaEnumMember(m.name, m.info, m.ifcond, m.features);
          added.setDefinedIn(ent.name);
          added.onlyIn.push(version);
          ent.members.push(added);
          span.added.push(`${ent.name}.${m.name}`);
        }
      } else if (ent instanceof SchemaObjectType && was instanceof SchemaObjectType) {
        // Compared flattened (base members too): a member may move between a type and its base.
        const had = new Set(was.members!.map((m) => m.name));
        for (const m of ownAndBaseMembers(ent)) {
          if (had.has(m.name)) {
            if (m.onlyIn.length && !m.onlyIn.includes(version)) m.onlyIn.push(version);
            continue;
          }
          if (m.onlyIn.length || m.absentIn.includes(version)) continue;
          m.absentIn.push(version);
          if (!m.optional) span.absent.push(`${ent.name}.${m.name}`);
        }
        const have = new Set(ownAndBaseMembers(ent).map((m) => m.name));
        // Names a branch of the newest has are the branch's (a struct that became a union).
        const inBranches = new Set((ent.branches?.variants ?? []).flatMap((v) => (v.type instanceof SchemaObjectType ? ownAndBaseMembers(v.type).map((m) => m.name) : [])));
        for (const m of was.members!) {
          if (have.has(m.name)) continue;
          // Added where the older version has it: on this type, as its own (local) member.
          const added = new SchemaObjectTypeMember(m.name, m.info, m.typeName, true, m.ifcond, m.features);
          added.type = typeInNewest(newest, m.type);
          added.setDefinedIn(ent.name);
          added.onlyIn.push(version);
          ent.localMembers.push(added);
          span.added.push(`${ent.name}.${m.name}${inBranches.has(m.name) ? ' (a branch member in the newest)' : ''}`);
        }
        if (ent.branches && was.branches) {
          for (const v of was.branches.variants) {
            const known = ent.branches.variants.find((x) => x.name === v.name);
            if (known !== undefined) {
              if (known.onlyIn.length) known.onlyIn.push(version);
              continue;
            }
            const type = newest.lookupType(v.type.name);
            const branch = new SchemaVariant(v.name, v.info, type instanceof SchemaObjectType ? type.name : 'q_empty', v.ifcond);
            branch.type = type instanceof SchemaObjectType ? type : newest.lookupType('q_empty')!;
            branch.setDefinedIn(ent.name);
            branch.onlyIn.push(version);
            ent.branches.variants.push(branch);
            span.added.push(`${ent.name}+${v.name}`);
          }
        }
      }
    }
    flattenMembers(newest);
  }
  return span;
}

/** A type's members as they stand now, base first (its `members` is recomputed at the end). */
function ownAndBaseMembers(t: SchemaObjectType): SchemaObjectTypeMember[] {
  return [...(t.base ? ownAndBaseMembers(t.base) : []), ...t.localMembers];
}

/** The flattened member lists, base first, with what was added (QEMU's members, recomputed). */
function flattenMembers(newest: QapiSchema): void {
  const done = new Set<SchemaObjectType>();
  const flatten = (t: SchemaObjectType): void => {
    if (done.has(t)) return;
    done.add(t);
    if (t.base) flatten(t.base);
    t.members = [...(t.base?.members ?? []), ...t.localMembers];
  };
  for (const ent of newest.definitions) if (ent instanceof SchemaObjectType) flatten(ent);
}
