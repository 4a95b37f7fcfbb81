/**
 * QapiSchema: reads a schema file, checks it, and builds the entity model
 * (define, then resolve and check, then assign modules, then check docs),
 * in QEMU's order so that the first error reported is QEMU's.
 */
import { relative, resolve as resolvePath } from 'node:path';
import { QapiError, QapiSemError, type SourceInfo } from '../source/source-info.js';
import { SchemaParser, pyDirname, type ExprDict, type ExprValue, type ParseOptions, type QapiExpression, type SourceFile } from '../parse/parser.js';
import type { QapiDoc } from '../parse/doc.js';
import { checkExprs } from '../check/expr-checks.js';
import {
  IfCond,
  SchemaAlternateType,
  SchemaAlternatives,
  SchemaArrayType,
  SchemaBranches,
  SchemaBuiltinType,
  SchemaCommand,
  SchemaDefinition,
  SchemaEntity,
  SchemaEnumMember,
  SchemaEnumType,
  SchemaEvent,
  SchemaFeature,
  SchemaInclude,
  SchemaModule,
  SchemaObjectType,
  SchemaObjectTypeMember,
  SchemaType,
  SchemaVariant,
  type JsonType,
  type SchemaContext,
} from './entities.js';
import type { SchemaVisitor } from './visitor.js';

export type SchemaOptions = ParseOptions;

const BUILTIN_TYPES: [string, JsonType][] = [
  ['str', 'string'],
  ['number', 'number'],
  ['int', 'int'],
  ['int8', 'int'],
  ['int16', 'int'],
  ['int32', 'int'],
  ['int64', 'int'],
  ['uint8', 'int'],
  ['uint16', 'int'],
  ['uint32', 'int'],
  ['uint64', 'int'],
  ['size', 'int'],
  ['bool', 'boolean'],
  ['any', 'value'],
  ['null', 'null'],
];

export const QTYPE_VALUES = ['none', 'qnull', 'qnum', 'qstring', 'qdict', 'qlist', 'qbool'];

export class QapiSchema implements SchemaContext {
  readonly docs: QapiDoc[];
  /** The schema files read, with their text. */
  readonly sourceFiles: SourceFile[];
  readonly entityList: SchemaEntity[] = [];
  private readonly entityDict = new Map<string, SchemaDefinition>();
  private readonly moduleDict = new Map<string, SchemaModule>();
  private readonly featureDict = new Map<string, SchemaFeature>();
  private readonly schemaDir: string;
  private predefining = true;

  constructor(
    readonly fname: string,
    options: SchemaOptions = {},
  ) {
    const parsed = SchemaParser.parseFile(fname, options);
    const exprs = checkExprs(parsed.exprs);
    this.docs = parsed.docs;
    this.sourceFiles = parsed.sourceFiles;
    this.schemaDir = pyDirname(fname);
    this.makeModule(SchemaModule.BUILTIN);
    this.makeModule(fname);
    this.defPredefineds();
    this.predefining = false;
    this.defExprs(exprs);
    this.check();
  }

  // ---- lookup -----------------------------------------------------------

  lookupEntity(name: string): SchemaDefinition | null {
    return this.entityDict.get(name) ?? null;
  }

  lookupType(name: string): SchemaType | null {
    const ent = this.entityDict.get(name);
    return ent instanceof SchemaType ? ent : null;
  }

  resolveType(name: string, info: SourceInfo | null, what: string | ((info: SourceInfo) => string) | null): SchemaType {
    const typ = this.lookupType(name);
    if (!typ) {
      const text = typeof what === 'function' ? what(info!) : what;
      throw new QapiSemError(info!, `${text} uses unknown type '${name}'`);
    }
    return typ;
  }

  /** Module names by file name: every entity looks its module up. */
  private readonly moduleNames = new Map<string, string>();

  private moduleName(fname: string): string {
    if (SchemaModule.isSystemModule(fname)) return fname;
    let name = this.moduleNames.get(fname);
    if (name === undefined) {
      name = relative(resolvePath(this.schemaDir), resolvePath(fname)) || '.';
      this.moduleNames.set(fname, name);
    }
    return name;
  }

  private makeModule(fname: string): SchemaModule {
    const name = this.moduleName(fname);
    let mod = this.moduleDict.get(name);
    if (!mod) {
      mod = new SchemaModule(name);
      this.moduleDict.set(name, mod);
    }
    return mod;
  }

  moduleByFname(fname: string | null): SchemaModule {
    return this.moduleDict.get(this.moduleName(fname ?? SchemaModule.BUILTIN))!;
  }

  get modules(): SchemaModule[] {
    return [...this.moduleDict.values()];
  }

  get features(): SchemaFeature[] {
    return [...this.featureDict.values()];
  }

  /** Every definition, in schema order (the order QEMU defines them). */
  get definitions(): SchemaDefinition[] {
    return this.entityList.filter((e): e is SchemaDefinition => e instanceof SchemaDefinition);
  }

  // ---- definition ------------------------------------------------------

  private defEntity(ent: SchemaEntity): void {
    this.entityList.push(ent);
  }

  private defDefinition(defn: SchemaDefinition): void {
    // Only predefined types may lack a source position.
    this.defEntity(defn);
    const other = this.entityDict.get(defn.name);
    if (other) {
      if (other.info) {
        const where = new QapiSemError(other.info, 'previous definition');
        throw new QapiSemError(defn.info!, `'${defn.name}' is already defined\n${where.message}`);
      }
      throw new QapiSemError(defn.info!, `${other.describe()} is already defined`);
    }
    this.entityDict.set(defn.name, defn);
  }

  private defBuiltinType(name: string, json: JsonType): void {
    this.defDefinition(new SchemaBuiltinType(name, json));
    // Built-in arrays are defined up front; they are never printed.
    this.makeArrayType(name, null);
  }

  private defPredefineds(): void {
    for (const [name, json] of BUILTIN_TYPES) this.defBuiltinType(name, json);
    this.defDefinition(new SchemaObjectType('q_empty', null, null, new IfCond(), [], null, [], null));
    const qtypeValues = QTYPE_VALUES.map((n) => new SchemaEnumMember(n, null, new IfCond(), []));
    this.defDefinition(new SchemaEnumType('QType', null, null, new IfCond(), [], qtypeValues, null));
    for (const name of SchemaFeature.SPECIAL) this.featureDict.set(name, new SchemaFeature(name, null));
  }

  private makeFeatures(features: ExprValue | undefined, info: SourceInfo): SchemaFeature[] {
    if (features === undefined) return [];
    return (features as ExprDict[]).map((f) => {
      const name = f.get('name') as string;
      if (!this.featureDict.has(name)) this.featureDict.set(name, new SchemaFeature(name, info));
      return new SchemaFeature(name, info, new IfCond(f.get('if') ?? null));
    });
  }

  private makeEnumMembers(values: ExprDict[], info: SourceInfo): SchemaEnumMember[] {
    return values.map(
      (v) =>
        new SchemaEnumMember(v.get('name') as string, info, new IfCond(v.get('if') ?? null), this.makeFeatures(v.get('features'), info)),
    );
  }

  private makeArrayType(elementType: string, info: SourceInfo | null): string {
    const name = elementType + 'List';
    if (!this.lookupType(name)) this.defDefinition(new SchemaArrayType(name, info, elementType));
    return name;
  }

  private makeImplicitObjectType(name: string, info: SourceInfo, ifcond: IfCond, role: string, members: SchemaObjectTypeMember[]): string | null {
    if (!members.length) return null;
    const typeName = `q_obj_${name}-${role}`;
    // Several users of one implicit type can only be a duplicate definition, reported later.
    if (!this.lookupEntity(typeName)) {
      this.defDefinition(new SchemaObjectType(typeName, info, null, ifcond, [], null, members, null));
    }
    return typeName;
  }

  private makeMember(name: string, typ: ExprValue, ifcond: ExprValue | undefined, features: ExprValue | undefined, info: SourceInfo): SchemaObjectTypeMember {
    let optional = false;
    if (name.startsWith('*')) {
      name = name.slice(1);
      optional = true;
    }
    const typeName = Array.isArray(typ) ? this.makeArrayType(typ[0] as string, info) : (typ as string);
    return new SchemaObjectTypeMember(name, info, typeName, optional, new IfCond(ifcond ?? null), this.makeFeatures(features, info));
  }

  private makeMembers(data: ExprDict, info: SourceInfo): SchemaObjectTypeMember[] {
    return [...data].map(([key, value]) => {
      const v = value as ExprDict;
      return this.makeMember(key, v.get('type')!, v.get('if'), v.get('features'), info);
    });
  }

  private makeVariant(caseName: string, typ: ExprValue, ifcond: IfCond, info: SourceInfo): SchemaVariant {
    const typeName = Array.isArray(typ) ? this.makeArrayType(typ[0] as string, info) : (typ as string);
    return new SchemaVariant(caseName, info, typeName, ifcond);
  }

  private makeVariants(data: ExprDict, info: SourceInfo): SchemaVariant[] {
    return [...data].map(([key, value]) => {
      const v = value as ExprDict;
      return this.makeVariant(key, v.get('type')!, new IfCond(v.get('if') ?? null), info);
    });
  }

  private defExprs(exprs: QapiExpression[]): void {
    for (const { expr, info, doc } of exprs) {
      const ifcond = new IfCond(expr.get('if') ?? null);
      if (expr.has('include')) {
        this.defEntity(new SchemaInclude(this.makeModule(expr.get('include') as string), info));
      } else if (expr.has('enum')) {
        const features = this.makeFeatures(expr.get('features'), info);
        const prefix = expr.get('prefix');
        this.defDefinition(
          new SchemaEnumType(
            expr.get('enum') as string,
            info,
            doc,
            ifcond,
            features,
            this.makeEnumMembers(expr.get('data') as ExprDict[], info),
            typeof prefix === 'string' ? prefix : null,
          ),
        );
      } else if (expr.has('struct')) {
        const features = this.makeFeatures(expr.get('features'), info);
        const base = expr.get('base');
        this.defDefinition(
          new SchemaObjectType(
            expr.get('struct') as string,
            info,
            doc,
            ifcond,
            features,
            typeof base === 'string' ? base : null,
            this.makeMembers(expr.get('data') as ExprDict, info),
            null,
          ),
        );
      } else if (expr.has('union')) {
        const name = expr.get('union') as string;
        const features = this.makeFeatures(expr.get('features'), info);
        let base = expr.get('base')!;
        let baseName: string | null;
        if (base instanceof Map) baseName = this.makeImplicitObjectType(name, info, ifcond, 'base', this.makeMembers(base, info));
        else baseName = base as string;
        const variants = this.makeVariants(expr.get('data') as ExprDict, info);
        this.defDefinition(
          new SchemaObjectType(name, info, doc, ifcond, features, baseName, [], new SchemaBranches(info, variants, expr.get('discriminator') as string)),
        );
      } else if (expr.has('alternate')) {
        const features = this.makeFeatures(expr.get('features'), info);
        const variants = this.makeVariants(expr.get('data') as ExprDict, info);
        const tagMember = new SchemaObjectTypeMember('type', info, 'QType', false);
        this.defDefinition(
          new SchemaAlternateType(expr.get('alternate') as string, info, doc, ifcond, features, new SchemaAlternatives(info, variants, tagMember)),
        );
      } else if (expr.has('command')) {
        const name = expr.get('command') as string;
        const features = this.makeFeatures(expr.get('features'), info);
        let data = expr.get('data');
        let argTypeName: string | null = null;
        if (data instanceof Map) argTypeName = this.makeImplicitObjectType(name, info, ifcond, 'arg', this.makeMembers(data, info));
        else if (typeof data === 'string') argTypeName = data;
        let rets = expr.get('returns');
        let retTypeName: string | null = null;
        if (Array.isArray(rets)) retTypeName = this.makeArrayType(rets[0] as string, info);
        else if (typeof rets === 'string') retTypeName = rets;
        this.defDefinition(
          new SchemaCommand(
            name,
            info,
            doc,
            ifcond,
            features,
            argTypeName,
            retTypeName,
            expr.get('gen') !== false,
            expr.get('success-response') !== false,
            expr.get('boxed') === true,
            expr.get('allow-oob') === true,
            expr.get('allow-preconfig') === true,
            expr.get('coroutine') === true,
          ),
        );
      } else if (expr.has('event')) {
        const name = expr.get('event') as string;
        const features = this.makeFeatures(expr.get('features'), info);
        const data = expr.get('data');
        let argTypeName: string | null = null;
        if (data instanceof Map) argTypeName = this.makeImplicitObjectType(name, info, ifcond, 'arg', this.makeMembers(data, info));
        else if (typeof data === 'string') argTypeName = data;
        this.defDefinition(new SchemaEvent(name, info, doc, ifcond, features, argTypeName, expr.get('boxed') === true));
      }
    }
  }

  private check(): void {
    for (const ent of this.entityList) {
      ent.check(this);
      ent.connectDoc();
    }
    for (const ent of this.entityList) ent.setModule(this);
    for (const doc of this.docs) doc.check();
    const features = [...this.featureDict.values()];
    if (features.length > 64) throw new QapiSemError(features[64]!.info!, 'Maximum of 64 schema features is permitted');
  }

  // ---- visiting --------------------------------------------------------

  visit(visitor: SchemaVisitor): void {
    visitor.visitBegin?.(this);
    for (const mod of this.moduleDict.values()) mod.visit(visitor);
    visitor.visitEnd?.();
  }
}

/** Reads and checks a schema; QEMU's error for a bad one is thrown as QapiError. */
export function loadSchema(fname: string, options: SchemaOptions = {}): QapiSchema {
  return new QapiSchema(fname, options);
}

export { QapiError };
