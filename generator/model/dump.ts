/**
 * `qapi-ts dump`: the model as text, in the exact format QEMU's front-end
 * test suite prints (tests/qapi-schema/test-qapi.py), so that conformance
 * can be compared byte for byte.
 */
import type { ExprValue } from '../parse/parser.js';
import type { IfCond, SchemaFeature, SchemaVariants } from './entities.js';
import type { QapiSchema } from './schema.js';
import type { SchemaVisitor } from './visitor.js';

/** Python's repr() of a condition tree, as QEMU prints it. */
function pyRepr(v: ExprValue): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  return `{${[...v].map(([k, x]) => `'${k}': ${pyRepr(x)}`).join(', ')}}`;
}

const py = (b: boolean): string => (b ? 'True' : 'False');

export function dumpSchema(schema: QapiSchema): string {
  const out: string[] = [];
  const printIf = (ifcond: IfCond, indent = 4): void => {
    if (ifcond.ifcond !== null) {
      const c = ifcond.ifcond;
      out.push(`${' '.repeat(indent)}if ${typeof c === 'string' ? c : pyRepr(c)}`);
    }
  };
  const printFeatures = (features: SchemaFeature[], indent = 4): void => {
    for (const f of features) {
      out.push(`${' '.repeat(indent)}feature ${f.name}`);
      printIf(f.ifcond, indent + 4);
    }
  };
  const printVariants = (variants: SchemaVariants | null): void => {
    if (!variants) return;
    out.push(`    tag ${variants.tagMember!.name}`);
    for (const v of variants.variants) {
      out.push(`    case ${v.name}: ${v.type.name}`);
      printIf(v.ifcond, 8);
    }
  };
  const visitor: SchemaVisitor = {
    visitModule: (m) => void out.push(`module ${m.name}`),
    visitInclude: (inc) => void out.push(`include ${inc.subModule.name}`),
    visitEnumType: (t) => {
      out.push(`enum ${t.name}`);
      if (t.prefix) out.push(`    prefix ${t.prefix}`);
      for (const m of t.members) {
        out.push(`    member ${m.name}`);
        printIf(m.ifcond, 8);
        printFeatures(m.features, 8);
      }
      printIf(t.ifcond);
      printFeatures(t.features);
    },
    visitArrayType: (t) => {
      if (!t.info) return; // built-in arrays are not printed
      out.push(`array ${t.name} ${t.elementType.name}`);
      printIf(t.ifcond);
    },
    visitObjectType: (t) => {
      out.push(`object ${t.name}`);
      if (t.base) out.push(`    base ${t.base.name}`);
      for (const m of t.localMembers) {
        out.push(`    member ${m.name}: ${m.type.name} optional=${py(m.optional)}`);
        printIf(m.ifcond, 8);
        printFeatures(m.features, 8);
      }
      printVariants(t.branches);
      printIf(t.ifcond);
      printFeatures(t.features);
    },
    visitAlternateType: (t) => {
      out.push(`alternate ${t.name}`);
      printVariants(t.alternatives);
      printIf(t.ifcond);
      printFeatures(t.features);
    },
    visitCommand: (c) => {
      out.push(`command ${c.name} ${c.argType?.name ?? 'None'} -> ${c.retType?.name ?? 'None'}`);
      out.push(
        `    gen=${py(c.gen)} success_response=${py(c.successResponse)} boxed=${py(c.boxed)} oob=${py(c.allowOob)} preconfig=${py(c.allowPreconfig)}${c.coroutine ? ' coroutine=True' : ''}`,
      );
      printIf(c.ifcond);
      printFeatures(c.features);
    },
    visitEvent: (e) => {
      out.push(`event ${e.name} ${e.argType?.name ?? 'None'}`);
      out.push(`    boxed=${py(e.boxed)}`);
      printIf(e.ifcond);
      printFeatures(e.features);
    },
  };
  schema.visit(visitor);
  for (const doc of schema.docs) {
    out.push(doc.symbol ? `doc symbol=${doc.symbol}` : 'doc freeform');
    out.push(`    body=\n${doc.body.text}`);
    for (const [name, section] of doc.args) out.push(`    arg=${name}\n${section.text}`);
    for (const [name, section] of doc.features) out.push(`    feature=${name}\n${section.text}`);
    for (const section of doc.sections) out.push(`    section=${section.kind}\n${section.text}`);
  }
  return out.join('\n') + '\n';
}
