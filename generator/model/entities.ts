/**
 * The schema model: typed entities that emitters read. Built and checked by
 * QapiSchema (schema.ts); the checks follow QEMU's, message for message.
 */
import { QapiSemError, type SourceInfo } from '../source/source-info.js';
import { cName } from '../check/expr-checks.js';
import type { ExprValue } from '../parse/parser.js';
import type { QapiDoc } from '../parse/doc.js';
import type { SchemaVisitor } from './visitor.js';
import { SPECIAL_FEATURES } from '../../templates/runtime/compat.js';

/** Anything the model needs from the schema while checking. */
export interface SchemaContext {
  resolveType(name: string, info: SourceInfo | null, what: string | ((info: SourceInfo) => string) | null): SchemaType;
  lookupType(name: string): SchemaType | null;
  moduleByFname(fname: string | null): SchemaModule;
}

/** An `'if'` condition: a name, or `all`/`any`/`not` over conditions. */
export class IfCond {
  constructor(readonly ifcond: ExprValue | null = null) {}

  isPresent(): boolean {
    return this.ifcond !== null;
  }

  /** Human-readable form, e.g. `CONFIG_KVM and (TARGET_I386 or not TARGET_ARM)`. */
  describe(): string {
    const walk = (c: ExprValue, nested: boolean): string => {
      if (typeof c === 'string') return c;
      if (c instanceof Map) {
        const [op, arg] = [...c][0]!;
        if (op === 'not') return `not ${walk(arg, true)}`;
        const parts = (arg as ExprValue[]).map((x) => walk(x, true));
        const text = parts.join(op === 'all' ? ' and ' : ' or ');
        return nested && parts.length > 1 ? `(${text})` : text;
      }
      return String(c);
    };
    return this.ifcond === null ? '' : walk(this.ifcond, false);
  }
}

/** A schema file; entities belong to the module of the file that defines them. */
export class SchemaModule {
  static readonly BUILTIN = './builtin';
  readonly entities: SchemaEntity[] = [];
  constructor(readonly name: string) {}

  static isSystemModule(name: string): boolean {
    return name.startsWith('./');
  }

  isBuiltin(): boolean {
    return this.name === SchemaModule.BUILTIN;
  }

  visit(visitor: SchemaVisitor): void {
    visitor.visitModule?.(this);
    for (const entity of this.entities) {
      if (!visitor.visitNeeded || visitor.visitNeeded(entity)) entity.visit(visitor);
    }
  }
}

// ---- members ---------------------------------------------------------------

/** Something with a name inside a definition: member, enum value, branch, feature. */
export abstract class SchemaMember {
  abstract readonly role: string;
  definedIn: string | null = null;
  /**
   * With bindings that span QEMU versions (model/versions.ts): the older
   * versions that lack this member, and, for one that only older versions
   * have, those versions. Empty for a schema on its own.
   */
  absentIn: string[] = [];
  onlyIn: string[] = [];
  constructor(
    readonly name: string,
    readonly info: SourceInfo | null,
    readonly ifcond: IfCond = new IfCond(),
  ) {}

  setDefinedIn(name: string): void {
    this.definedIn = name;
  }

  connectDoc(doc: QapiDoc | null): void {
    doc?.connectMember(this);
  }

  /** How QEMU names this member in messages, relative to the definition being checked. */
  describe(info: SourceInfo): string {
    let role = this.role;
    let meta = 'type';
    let definedIn = this.definedIn!;
    if (definedIn.startsWith('q_obj_')) {
      // Reverse the implicit type naming for a readable message.
      definedIn = definedIn.slice(6);
      if (definedIn.endsWith('-arg')) {
        role = 'parameter';
        meta = 'command';
        definedIn = definedIn.slice(0, -4);
      } else if (definedIn.endsWith('-base')) {
        role = 'base ' + role;
        definedIn = definedIn.slice(0, -5);
      }
    }
    if (definedIn !== info.defnName) return `${role} '${this.name}' of ${meta} '${definedIn}'`;
    return `${role} '${this.name}'`;
  }

  checkClash(info: SourceInfo, seen: Map<string, SchemaMember>): void {
    const cname = cName(this.name);
    const other = seen.get(cname);
    if (other) throw new QapiSemError(info, `${this.describe(info)} collides with ${other.describe(info)}`);
    seen.set(cname, this);
  }
}

export class SchemaFeature extends SchemaMember {
  readonly role = 'feature';
  /** QEMU's special features, which the runtime acts on (defined once, in the runtime). */
  static readonly SPECIAL: readonly string[] = SPECIAL_FEATURES;
  isSpecial(): boolean {
    return SchemaFeature.SPECIAL.includes(this.name);
  }
  override connectDoc(doc: QapiDoc | null): void {
    doc?.connectFeature(this);
  }
}

/** A member that may carry features of its own. */
abstract class SchemaMemberWithFeatures extends SchemaMember {
  constructor(
    name: string,
    info: SourceInfo | null,
    ifcond: IfCond,
    readonly features: SchemaFeature[],
  ) {
    super(name, info, ifcond);
  }
  override setDefinedIn(name: string): void {
    super.setDefinedIn(name);
    for (const f of this.features) f.setDefinedIn(name);
  }
  override connectDoc(doc: QapiDoc | null): void {
    super.connectDoc(doc);
    if (doc) for (const f of this.features) doc.connectFeature(f);
  }
  hasFeature(name: string): boolean {
    return this.features.some((f) => f.name === name);
  }
}

export class SchemaEnumMember extends SchemaMemberWithFeatures {
  readonly role = 'value';
}

export class SchemaObjectTypeMember extends SchemaMemberWithFeatures {
  readonly role: string = 'member';
  type!: SchemaType;
  constructor(
    name: string,
    info: SourceInfo | null,
    readonly typeName: string,
    readonly optional: boolean,
    ifcond: IfCond = new IfCond(),
    features: SchemaFeature[] = [],
  ) {
    super(name, info, ifcond, features);
  }

  check(schema: SchemaContext): void {
    this.type = schema.resolveType(this.typeName, this.info, (info) => this.describe(info));
    const seen = new Map<string, SchemaMember>();
    for (const f of this.features) f.checkClash(this.info!, seen);
  }
}

/** A union branch or an alternate's alternative. */
export class SchemaVariant extends SchemaObjectTypeMember {
  override readonly role = 'branch';
  constructor(name: string, info: SourceInfo | null, typeName: string, ifcond: IfCond) {
    super(name, info, typeName, false, ifcond);
  }
}

/** The branches of a union or the alternatives of an alternate. */
export abstract class SchemaVariants {
  tagMember: SchemaObjectTypeMember | null = null;
  constructor(
    readonly info: SourceInfo,
    readonly variants: SchemaVariant[],
  ) {}
  setDefinedIn(name: string): void {
    for (const v of this.variants) v.setDefinedIn(name);
  }
  abstract check(schema: SchemaContext, seen: Map<string, SchemaMember>): void;
}

export class SchemaBranches extends SchemaVariants {
  constructor(
    info: SourceInfo,
    variants: SchemaVariant[],
    readonly tagName: string,
  ) {
    super(info, variants);
  }

  override check(schema: SchemaContext, seen: Map<string, SchemaMember>): void {
    const tagMember = seen.get(cName(this.tagName)) as SchemaObjectTypeMember | undefined;
    let base = "'base'";
    if (!tagMember || this.tagName !== tagMember.name) {
      throw new QapiSemError(this.info, `discriminator '${this.tagName}' is not a member of ${base}`);
    }
    this.tagMember = tagMember;
    const baseType = schema.lookupType(tagMember.definedIn!)!;
    if (!baseType.isImplicit()) base = `base type '${tagMember.definedIn}'`;
    const tagType = tagMember.type;
    if (!(tagType instanceof SchemaEnumType)) {
      throw new QapiSemError(this.info, `discriminator member '${this.tagName}' of ${base} must be of enum type`);
    }
    if (tagMember.optional) {
      throw new QapiSemError(this.info, `discriminator member '${this.tagName}' of ${base} must not be optional`);
    }
    if (tagMember.ifcond.isPresent()) {
      throw new QapiSemError(this.info, `discriminator member '${this.tagName}' of ${base} must not be conditional`);
    }
    // Branches not written out get the empty type.
    const cases = new Set(this.variants.map((v) => v.name));
    for (const m of tagType.members) {
      if (!cases.has(m.name)) {
        const v = new SchemaVariant(m.name, this.info, 'q_empty', m.ifcond);
        v.setDefinedIn(tagMember.definedIn!);
        this.variants.push(v);
      }
    }
    if (!this.variants.length) throw new QapiSemError(this.info, 'union has no branches');
    const valueNames = new Set(tagType.members.map((m) => m.name));
    for (const v of this.variants) {
      v.check(schema);
      if (!valueNames.has(v.name)) {
        throw new QapiSemError(this.info, `branch '${v.name}' is not a value of ${tagType.describe()}`);
      }
      if (!(v.type instanceof SchemaObjectType)) {
        throw new QapiSemError(this.info, `${v.describe(this.info)} cannot use ${v.type.describe()}`);
      }
      v.type.check(schema);
    }
  }

  checkClash(info: SourceInfo, seen: Map<string, SchemaMember>): void {
    for (const v of this.variants) {
      // Each branch starts from the base's names; branches may reuse each other's.
      (v.type as SchemaObjectType).checkClash(info, new Map(seen));
    }
  }
}

export class SchemaAlternatives extends SchemaVariants {
  constructor(info: SourceInfo, variants: SchemaVariant[], tagMember: SchemaObjectTypeMember) {
    super(info, variants);
    this.tagMember = tagMember;
  }
  override check(schema: SchemaContext): void {
    for (const v of this.variants) v.check(schema);
  }
}

// ---- definitions -----------------------------------------------------------

export abstract class SchemaEntity {
  module: SchemaModule | null = null;
  protected checked = false;
  constructor(readonly info: SourceInfo | null) {}

  check(_schema: SchemaContext): void {
    this.checked = true;
  }

  connectDoc(_doc?: QapiDoc | null): void {}

  setModule(schema: SchemaContext): void {
    this.assignModule(schema, this.info);
  }

  protected assignModule(schema: SchemaContext, info: SourceInfo | null): void {
    this.module = schema.moduleByFname(info ? info.fname : null);
    this.module.entities.push(this);
  }

  abstract visit(visitor: SchemaVisitor): void;
}

/** `{ 'include': ... }`, kept so that module structure survives. */
export class SchemaInclude extends SchemaEntity {
  constructor(
    readonly subModule: SchemaModule,
    info: SourceInfo,
  ) {
    super(info);
  }
  visit(visitor: SchemaVisitor): void {
    visitor.visitInclude?.(this);
  }
}

/** A named definition: a type, command or event. */
export abstract class SchemaDefinition extends SchemaEntity {
  abstract readonly meta: string;
  constructor(
    readonly name: string,
    info: SourceInfo | null,
    readonly doc: QapiDoc | null,
    readonly ifcond: IfCond = new IfCond(),
    readonly features: SchemaFeature[] = [],
  ) {
    super(info);
    for (const f of features) f.setDefinedIn(name);
  }

  override check(schema: SchemaContext): void {
    super.check(schema);
    const seen = new Map<string, SchemaMember>();
    for (const f of this.features) f.checkClash(this.info!, seen);
  }

  override connectDoc(doc?: QapiDoc | null): void {
    const d = doc ?? this.doc;
    if (d) for (const f of this.features) d.connectFeature(f);
  }

  /** Implicit definitions are those QEMU makes up (`q_obj_*`, `q_empty`). */
  isImplicit(): boolean {
    return this.name.startsWith('q_');
  }

  describe(): string {
    return `${this.meta} '${this.name}'`;
  }

  hasFeature(name: string): boolean {
    return this.features.some((f) => f.name === name);
  }
}

export type JsonType = 'string' | 'number' | 'int' | 'boolean' | 'null' | 'value' | 'object' | 'array';

export abstract class SchemaType extends SchemaDefinition {
  override check(schema: SchemaContext): void {
    super.check(schema);
    for (const f of this.features) {
      if (f.isSpecial()) throw new QapiSemError(this.info!, `feature '${f.name}' is not supported for types`);
    }
  }

  abstract jsonType(): JsonType;

  /** The QType an alternate dispatches on, or null where an alternate can't use this type. */
  alternateQtype(): string | null {
    const map: Partial<Record<JsonType, string>> = {
      string: 'QTYPE_QSTRING',
      number: 'QTYPE_QNUM',
      int: 'QTYPE_QNUM',
      boolean: 'QTYPE_QBOOL',
      null: 'QTYPE_QNULL',
      object: 'QTYPE_QDICT',
      array: 'QTYPE_QLIST',
    };
    return map[this.jsonType()] ?? null;
  }

  /** The JSON type of this type's values, as an alternate dispatches on it; null where an alternate can't use it. */
  alternateJsonType(): AlternateJsonType | null {
    return QTYPE_JSON[this.alternateQtype() ?? ''] ?? null;
  }

  override describe(): string {
    return `${this.meta} type '${this.name}'`;
  }
}

export type AlternateJsonType = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';

const QTYPE_JSON: Record<string, AlternateJsonType> = {
  QTYPE_QSTRING: 'string',
  QTYPE_QNUM: 'number',
  QTYPE_QBOOL: 'boolean',
  QTYPE_QNULL: 'null',
  QTYPE_QDICT: 'object',
  QTYPE_QLIST: 'array',
};

export class SchemaBuiltinType extends SchemaType {
  readonly meta = 'built-in';
  constructor(
    name: string,
    private readonly json: JsonType,
  ) {
    super(name, null, null);
  }
  jsonType(): JsonType {
    return this.json;
  }
  override alternateQtype(): string | null {
    return this.json === 'value' ? null : super.alternateQtype();
  }
  visit(visitor: SchemaVisitor): void {
    visitor.visitBuiltinType?.(this);
  }
}

export class SchemaEnumType extends SchemaType {
  readonly meta = 'enum';
  constructor(
    name: string,
    info: SourceInfo | null,
    doc: QapiDoc | null,
    ifcond: IfCond,
    features: SchemaFeature[],
    readonly members: SchemaEnumMember[],
    readonly prefix: string | null,
  ) {
    super(name, info, doc, ifcond, features);
    for (const m of members) m.setDefinedIn(name);
  }
  override check(schema: SchemaContext): void {
    super.check(schema);
    const seen = new Map<string, SchemaMember>();
    for (const m of this.members) m.checkClash(this.info!, seen);
  }
  override connectDoc(doc?: QapiDoc | null): void {
    super.connectDoc(doc);
    const d = doc ?? this.doc;
    for (const m of this.members) m.connectDoc(d);
  }
  override isImplicit(): boolean {
    // The predefined QType counts as implicit, as in QEMU.
    return this.name === 'QType';
  }
  memberNames(): string[] {
    return this.members.map((m) => m.name);
  }
  jsonType(): JsonType {
    return 'string';
  }
  visit(visitor: SchemaVisitor): void {
    visitor.visitEnumType?.(this);
  }
}

export class SchemaArrayType extends SchemaType {
  readonly meta = 'array';
  elementType!: SchemaType;
  constructor(
    name: string,
    info: SourceInfo | null,
    readonly elementTypeName: string,
  ) {
    super(name, info, null);
  }
  override check(schema: SchemaContext): void {
    super.check(schema);
    this.elementType = schema.resolveType(this.elementTypeName, this.info, this.info ? this.info.defnMeta : null);
  }
  override setModule(schema: SchemaContext): void {
    // An array lives with its element type.
    this.assignModule(schema, this.elementType.info);
  }
  override isImplicit(): boolean {
    return true;
  }
  jsonType(): JsonType {
    return 'array';
  }
  override describe(): string {
    return `${this.meta} type ['${this.elementTypeName}']`;
  }
  visit(visitor: SchemaVisitor): void {
    visitor.visitArrayType?.(this);
  }
}

export class SchemaObjectType extends SchemaType {
  base: SchemaObjectType | null = null;
  /** All members, base members first; set once checked. */
  members: SchemaObjectTypeMember[] | null = null;
  constructor(
    name: string,
    info: SourceInfo | null,
    doc: QapiDoc | null,
    ifcond: IfCond,
    features: SchemaFeature[],
    readonly baseName: string | null,
    readonly localMembers: SchemaObjectTypeMember[],
    readonly branches: SchemaBranches | null,
  ) {
    super(name, info, doc, ifcond, features);
    for (const m of localMembers) m.setDefinedIn(name);
    branches?.setDefinedIn(name);
  }

  get meta(): string {
    return this.branches ? 'union' : 'struct';
  }

  override check(schema: SchemaContext): void {
    // Checking a type checks the types it embeds; meeting itself again is a cycle.
    if (this.members !== null) return;
    if (this.checked) throw new QapiSemError(this.info!, `object ${this.name} contains itself`);
    super.check(schema);
    const seen = new Map<string, SchemaMember>();
    // QEMU tests the name for truth: an empty name ('') means no base.
    if (this.baseName) {
      const base = schema.resolveType(this.baseName, this.info, "'base'");
      if (!(base instanceof SchemaObjectType) || base.branches) {
        throw new QapiSemError(this.info!, `'base' requires a struct type, ${base.describe()} isn't`);
      }
      this.base = base;
      base.check(schema);
      base.checkClash(this.info!, seen);
    }
    for (const m of this.localMembers) {
      m.check(schema);
      m.checkClash(this.info!, seen);
    }
    const members = [...seen.values()] as SchemaObjectTypeMember[];
    if (this.branches) {
      this.branches.check(schema, seen);
      this.branches.checkClash(this.info!, seen);
    }
    this.members = members;
  }

  /** Checks that our members don't clash with those in `seen`, on behalf of `info`. */
  checkClash(info: SourceInfo, seen: Map<string, SchemaMember>): void {
    for (const m of this.members!) m.checkClash(info, seen);
    this.branches?.checkClash(info, seen);
  }

  override connectDoc(doc?: QapiDoc | null): void {
    super.connectDoc(doc);
    const d = doc ?? this.doc;
    if (this.base && this.base.isImplicit()) this.base.connectDoc(d);
    for (const m of this.localMembers) m.connectDoc(d);
  }

  override isImplicit(): boolean {
    // Implicit object types are the made-up q_obj_* and q_empty.
    return this.name.startsWith('q_');
  }

  isEmpty(): boolean {
    return this.localMembers.length === 0 && this.branches === null;
  }

  hasConditionalMembers(): boolean {
    return this.members!.some((m) => m.ifcond.isPresent());
  }

  jsonType(): JsonType {
    return 'object';
  }

  visit(visitor: SchemaVisitor): void {
    visitor.visitObjectType?.(this);
  }
}

export class SchemaAlternateType extends SchemaType {
  readonly meta = 'alternate';
  constructor(
    name: string,
    info: SourceInfo,
    doc: QapiDoc | null,
    ifcond: IfCond,
    features: SchemaFeature[],
    readonly alternatives: SchemaAlternatives,
  ) {
    super(name, info, doc, ifcond, features);
    alternatives.setDefinedIn(name);
    alternatives.tagMember!.setDefinedIn(name);
  }

  override check(schema: SchemaContext): void {
    super.check(schema);
    this.alternatives.tagMember!.check(schema);
    this.alternatives.check(schema);
    // Alternative names are not enum values, so check them for clashes here.
    const seen = new Map<string, SchemaMember>();
    const typesSeen = new Map<string, string>();
    for (const v of this.alternatives.variants) {
      v.checkClash(this.info!, seen);
      const qtype = v.type.alternateQtype();
      if (!qtype) throw new QapiSemError(this.info!, `${v.describe(this.info!)} cannot use ${v.type.describe()}`);
      const conflicting = new Set([qtype]);
      if (qtype === 'QTYPE_QSTRING') {
        if (v.type instanceof SchemaEnumType) {
          for (const m of v.type.members) {
            if (m.name === 'on' || m.name === 'off') conflicting.add('QTYPE_QBOOL');
            if (/^[-+0-9.]/.test(m.name)) conflicting.add('QTYPE_QNUM');
          }
        } else {
          conflicting.add('QTYPE_QNUM');
          conflicting.add('QTYPE_QBOOL');
        }
      }
      for (const qt of conflicting) {
        const other = typesSeen.get(qt);
        if (other !== undefined) throw new QapiSemError(this.info!, `${v.describe(this.info!)} can't be distinguished from '${other}'`);
        typesSeen.set(qt, v.name);
      }
    }
  }

  override connectDoc(doc?: QapiDoc | null): void {
    super.connectDoc(doc);
    const d = doc ?? this.doc;
    for (const v of this.alternatives.variants) v.connectDoc(d);
  }

  jsonType(): JsonType {
    return 'value';
  }

  visit(visitor: SchemaVisitor): void {
    visitor.visitAlternateType?.(this);
  }
}

/** Shared by commands and events: an argument type, inline or named, maybe boxed. */
abstract class SchemaCallable extends SchemaDefinition {
  argType: SchemaObjectType | null = null;
  constructor(
    name: string,
    info: SourceInfo,
    doc: QapiDoc | null,
    ifcond: IfCond,
    features: SchemaFeature[],
    readonly argTypeName: string | null,
    readonly boxed: boolean,
  ) {
    super(name, info, doc, ifcond, features);
  }

  protected checkArgType(schema: SchemaContext, noun: string): void {
    // As in QEMU, an empty name ('') means no argument type.
    if (!this.argTypeName) return;
    const info = this.info!;
    const typ = schema.resolveType(this.argTypeName, info, `${noun}'s 'data'`);
    if (!(typ instanceof SchemaObjectType)) throw new QapiSemError(info, `${noun}'s 'data' cannot take ${typ.describe()}`);
    this.argType = typ;
    if (typ.branches && !this.boxed) {
      throw new QapiSemError(info, `${noun}'s 'data' can take ${typ.describe()} only with 'boxed': true`);
    }
    typ.check(schema);
    if (typ.hasConditionalMembers() && !this.boxed) {
      throw new QapiSemError(info, `conditional ${noun} arguments require 'boxed': true`);
    }
  }

  override connectDoc(doc?: QapiDoc | null): void {
    super.connectDoc(doc);
    const d = doc ?? this.doc;
    if (d && this.argType && this.argType.isImplicit()) this.argType.connectDoc(d);
  }
}

export class SchemaCommand extends SchemaCallable {
  readonly meta = 'command';
  retType: SchemaType | null = null;
  constructor(
    name: string,
    info: SourceInfo,
    doc: QapiDoc | null,
    ifcond: IfCond,
    features: SchemaFeature[],
    argTypeName: string | null,
    readonly retTypeName: string | null,
    readonly gen: boolean,
    readonly successResponse: boolean,
    boxed: boolean,
    readonly allowOob: boolean,
    readonly allowPreconfig: boolean,
    readonly coroutine: boolean,
  ) {
    super(name, info, doc, ifcond, features, argTypeName, boxed);
  }

  override check(schema: SchemaContext): void {
    super.check(schema);
    this.checkArgType(schema, 'command');
    // As in QEMU, an empty name ('') means no return type.
    if (this.retTypeName) {
      const info = this.info!;
      this.retType = schema.resolveType(this.retTypeName, info, "command's 'returns'");
      if (!info.pragma.commandReturnsExceptions.includes(this.name)) {
        const typ = this.retType instanceof SchemaArrayType ? this.retType.elementType : this.retType;
        if (!(typ instanceof SchemaObjectType)) {
          throw new QapiSemError(info, `command's 'returns' cannot take ${this.retType.describe()}`);
        }
      }
    }
  }

  visit(visitor: SchemaVisitor): void {
    visitor.visitCommand?.(this);
  }
}

export class SchemaEvent extends SchemaCallable {
  readonly meta = 'event';
  override check(schema: SchemaContext): void {
    super.check(schema);
    this.checkArgType(schema, 'event');
  }
  visit(visitor: SchemaVisitor): void {
    visitor.visitEvent?.(this);
  }
}
