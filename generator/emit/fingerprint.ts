/**
 * Module fingerprints: everything one module's generated files depend on,
 * hashed. When a module's fingerprint is what the manifest recorded (and its
 * files are as written), its files are neither emitted nor formatted again:
 * a change to one schema module costs that module's files only.
 *
 * A module's files depend on its own text (definitions and docs), on what
 * the model made of it (members, implicit branches, names), and on a few
 * facts about other modules' definitions it refers to: their TypeScript
 * names, their files, and enum values (alternates inline them). Doc text may
 * link to any definition, so the words of the module's text that name one
 * count too.
 */
import { createHash } from 'node:crypto';
import { resolve, dirname } from 'node:path';
import {
  SchemaAlternateType,
  SchemaArrayType,
  SchemaCommand,
  SchemaDefinition,
  SchemaEnumType,
  SchemaEvent,
  SchemaInclude,
  SchemaObjectType,
  type SchemaEntity,
  type SchemaFeature,
  type SchemaModule,
  type SchemaType,
} from '../model/entities.js';
import type { EmitContext } from './types.js';

function features(list: readonly SchemaFeature[]): string {
  return list.map((f) => `${f.name}?${f.ifcond.describe()}`).join(',');
}

/** What the model made of one entity, as text. */
function shape(e: SchemaEntity, refs: Set<SchemaType>): string {
  if (e instanceof SchemaInclude) return `include ${e.subModule.name}`;
  const d = e as SchemaDefinition;
  const head = `${d.meta} ${d.name} if=${d.ifcond.describe()} f=${features(d.features)}`;
  if (d instanceof SchemaEnumType) return `${head} ${d.members.map((m) => `${m.name}?${m.ifcond.describe()}/${features(m.features)}`).join(',')}`;
  if (d instanceof SchemaArrayType) {
    refs.add(d.elementType);
    return `${head} of ${d.elementType.name}`;
  }
  if (d instanceof SchemaObjectType) {
    if (d.base) refs.add(d.base);
    const members = d.localMembers.map((m) => {
      refs.add(m.type);
      return `${m.name}:${m.type.name}:${m.optional}?${m.ifcond.describe()}/${features(m.features)}`;
    });
    const branches = (d.branches?.variants ?? []).map((v) => {
      refs.add(v.type);
      return `${v.name}:${v.type.name}?${v.ifcond.describe()}`;
    });
    return `${head} base=${d.base?.name ?? ''} ${members.join(',')} tag=${d.branches?.tagMember?.name ?? ''} ${branches.join(',')}`;
  }
  if (d instanceof SchemaAlternateType) {
    return `${head} ${d.alternatives.variants.map((v) => (refs.add(v.type), `${v.name}:${v.type.name}?${v.ifcond.describe()}`)).join(',')}`;
  }
  if (d instanceof SchemaCommand) {
    if (d.argType) refs.add(d.argType);
    if (d.retType) refs.add(d.retType);
    return `${head} ${d.argType?.name ?? ''} -> ${d.retType?.name ?? ''} ${d.gen} ${d.successResponse} ${d.boxed} ${d.allowOob} ${d.allowPreconfig} ${d.coroutine}`;
  }
  if (d instanceof SchemaEvent) {
    if (d.argType) refs.add(d.argType);
    return `${head} ${d.argType?.name ?? ''} ${d.boxed}`;
  }
  return head;
}

/** The fingerprint of module `m`'s generated files; `global` covers options and the generator itself. */
export function moduleFingerprint(ctx: EmitContext, m: SchemaModule, global: string): string {
  const hash = createHash('sha256').update(`${global}\n${ctx.paths.of(m)}\n`);
  const maps = ctx.mapNames.get(m)!;
  hash.update(`maps ${maps.commandMap} ${maps.eventMap}\n`);
  const file = m.isBuiltin() ? null : resolve(dirname(resolve(ctx.schema.fname)), m.name);
  const text = file === null ? '' : (ctx.schema.sourceFiles.find((f) => resolve(f.name) === file)?.text ?? '');
  hash.update(`${text.length}\n`).update(text);
  const refs = new Set<SchemaType>();
  for (const e of m.entities) {
    hash.update(shape(e, refs)).update(e instanceof SchemaDefinition ? ` as ${ctx.names.of(e)}\n` : '\n');
  }
  const refer = (d: SchemaDefinition): void => {
    const enumValues = d instanceof SchemaEnumType ? d.members.map((x) => x.name).join(',') : '';
    hash.update(`ref ${d.name} ${ctx.names.of(d)} ${d.module ? ctx.paths.of(d.module) : ''} ${d.meta} ${enumValues}\n`);
  };
  for (const r of refs) refer(r);
  // Words of the text that name a definition: doc links may point there.
  const seen = new Set<string>();
  for (const word of text.match(/[A-Za-z_][A-Za-z0-9_.-]*/g) ?? []) {
    if (seen.has(word)) continue;
    seen.add(word);
    const d = ctx.schema.lookupEntity(word);
    if (d) refer(d);
  }
  return hash.digest('hex');
}
