/**
 * Visit functions and command/event tables built from the schema model at
 * run time. They make exactly the visitor calls that the generated
 * `.visit.ts` code makes (emit/visit.ts), so that `qapi-ts validate` gives
 * the verdicts and messages of the generated code without generating it.
 */
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaEnumType,
  SchemaEvent,
  SchemaObjectType,
  type SchemaFeature,
  type SchemaType,
} from '../model/entities.js';
import type { QapiSchema } from '../model/schema.js';
import type { CommandTable, EventTable } from '../../templates/runtime/tables.js';
import { NO_FEATURES, type AlternateBranch, type EnumInfo, type Features, type IntKind, type StructScope, type Visitor, type VisitFn } from '../../templates/runtime/visitor.js';

type MembersFn = (v: Visitor, s: StructScope) => void;

function features(list: readonly SchemaFeature[]): Features {
  const deprecated = list.some((f) => f.name === 'deprecated');
  const unstable = list.some((f) => f.name === 'unstable');
  if (!deprecated && !unstable) return NO_FEATURES;
  return Object.freeze({ ...(deprecated ? { deprecated: true } : {}), ...(unstable ? { unstable: true } : {}) });
}

const INT_KINDS = new Set<string>(['int', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'size']);

export class ModelVisitors {
  private readonly visitFns = new Map<SchemaType, VisitFn>();
  private readonly membersFns = new Map<SchemaObjectType, MembersFn>();

  constructor(private readonly schema: QapiSchema) {}

  /** The visit function of a type (QEMU's visit_type_Foo). */
  visitFn(t: SchemaType): VisitFn {
    let fn = this.visitFns.get(t);
    if (!fn) {
      fn = this.makeVisitFn(t);
      this.visitFns.set(t, fn);
    }
    return fn;
  }

  private makeVisitFn(t: SchemaType): VisitFn {
    if (t instanceof SchemaBuiltinType) {
      switch (t.name) {
        case 'str':
          return (v, k, x) => v.str(k, x);
        case 'bool':
          return (v, k, x) => v.bool(k, x);
        case 'number':
          return (v, k, x) => v.number(k, x);
        case 'null':
          return (v, k, x) => v.null(k, x);
        case 'any':
          return (v, k, x) => v.any(k, x);
        default:
          if (INT_KINDS.has(t.name)) {
            const kind = t.name as IntKind;
            return (v, k, x) => v.int(k, x, kind);
          }
          throw new Error(`no visit function for built-in type ${t.name}`);
      }
    }
    if (t instanceof SchemaEnumType) {
      const info: EnumInfo = {
        name: t.name,
        values: t.members.map((m) => m.name),
        valueFeatures: Object.fromEntries(t.members.filter((m) => features(m.features) !== NO_FEATURES).map((m) => [m.name, features(m.features)])),
      };
      return (v, k, x) => v.enumValue(k, x, info);
    }
    if (t instanceof SchemaArrayType) {
      // Resolved on first use: element types may refer back to this one.
      let element: VisitFn | null = null;
      return (v, k, x) => v.list(k, x, (element ??= this.visitFn(t.elementType)));
    }
    if (t instanceof SchemaObjectType) {
      let members: MembersFn | null = null;
      const name = t.name;
      return (v, k, x) => {
        const s = v.startStruct(k, x, name);
        (members ??= this.membersFn(t))(v, s);
        v.checkStruct(s);
        return v.endStruct(s);
      };
    }
    if (t instanceof SchemaAlternateType) {
      let branches: AlternateBranch[] | null = null;
      const make = (): AlternateBranch[] =>
        t.alternatives.variants.map((b) => {
          const type = b.type;
          return {
            name: b.name,
            jsonType: type.alternateJsonType()!,
            ...(type instanceof SchemaEnumType ? { enumValues: type.members.map((m) => m.name) } : {}),
            visit: this.visitFn(type),
          };
        });
      return (v, k, x) => v.alternate(k, x, t.name, (branches ??= make()));
    }
    throw new Error(`no visit function for ${t.describe()}`);
  }

  /** The members function of an object type (QEMU's visit_type_Foo_members). */
  membersFn(t: SchemaObjectType): MembersFn {
    let fn = this.membersFns.get(t);
    if (fn) return fn;
    const base = t.base;
    const members = t.localMembers.map((m) => ({ name: m.name, optional: m.optional, features: features(m.features), type: m.type }));
    const branches = t.branches;
    fn = (v, s) => {
      if (base) this.membersFn(base)(v, s);
      for (const m of members) {
        if (m.optional && !v.optional(s, m.name)) continue;
        v.member(s, m.name, m.features, this.visitFn(m.type));
      }
      if (branches) {
        const tag = branches.tagMember!.name;
        const value = v.memberValue(s, tag);
        const branch = branches.variants.find((b) => b.name === value);
        if (!branch) v.unknownBranch(s, tag);
        else if (branch.type.name !== 'q_empty') this.membersFn(branch.type as SchemaObjectType)(v, s);
      }
    };
    this.membersFns.set(t, fn);
    return fn;
  }

  commandTable(): CommandTable {
    const table: Record<string, CommandTable[string]> = {};
    for (const d of this.schema.definitions) {
      if (!(d instanceof SchemaCommand)) continue;
      table[d.name] = {
        args: d.argType ? this.visitFn(d.argType) : null,
        returns: d.retType ? this.visitFn(d.retType) : null,
        features: features(d.features),
        allowOob: d.allowOob,
        successResponse: d.successResponse,
        ...(d.gen ? {} : { gen: false }),
      };
    }
    return table;
  }

  eventTable(): EventTable {
    const table: Record<string, EventTable[string]> = {};
    for (const d of this.schema.definitions) {
      if (d instanceof SchemaEvent) table[d.name] = { data: d.argType ? this.visitFn(d.argType) : null, features: features(d.features) };
    }
    return table;
  }
}
