/**
 * The seed's constructs in the generated 10.2.2-backend-transfer code:
 * types proven at compile time, doc tags read back with ts-morph, and
 * narrowing on a real QEMU union (BlockdevOptions on `driver`) compiled
 * and run.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Node, Project, SyntaxKind, ts } from 'ts-morph';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeFixture, sharedPath } from '../helpers/fixtures.js';
import { generateInto, runTsc, tempDir, writeTsconfig } from './generate-helpers.js';

const SCHEMA = 'qemu/10.2.2-backend-transfer/qapi/qapi-schema.json';

const TYPE_LEVEL = `
import type { BackendTransfer, BackendTransferList, Known, MigrateSetParameters, MigrationParameters, MigrationParameter, QapiUnknownValue } from '../gen/index.js';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

assertType<Equals<MigrateSetParameters['backend-transfer'], BackendTransferList | undefined>>();
assertType<Equals<MigrationParameters['backend-transfer'], BackendTransferList | undefined>>();
assertType<Equals<BackendTransferList, BackendTransfer[]>>();
// Known to these bindings: one value; and what a newer QEMU may send, kept by lenient reads.
assertType<Equals<Known<BackendTransfer>, 'virtio-net-tap'>>();
assertType<Equals<BackendTransfer, 'virtio-net-tap' | QapiUnknownValue>>();
assertType<Equals<Extract<MigrationParameter, 'backend-transfer'>, 'backend-transfer'>>();

export const ok: MigrateSetParameters = { 'backend-transfer': ['virtio-net-tap'] };
// @ts-expect-error a wrong literal in the backend-transfer list must not compile
export const bad: MigrateSetParameters = { 'backend-transfer': ['virtio-net-tapx'] };
`;

const WRONG_LITERAL = `
import type { MigrateSetParameters } from '../gen/index.js';
export const wrong: MigrateSetParameters = { 'backend-transfer': ['virtio-net-tapx'] };
`;

const NARROWING = `
import type { BlockdevOptions } from '../gen/index.js';

export function describeNode(o: BlockdevOptions): string {
  switch (o.driver) {
    case 'file':
      return 'file:' + o.filename;
    case 'qcow2':
      return 'qcow2:' + (typeof o.file === 'string' ? o.file : o.file.driver);
    case 'nbd':
      return 'nbd:' + o.server.type;
    default:
      // Another driver, or one a newer QEMU has (its tag typed QapiUnknownTag): String() gives it.
      return String(o.driver);
  }
}

export function notNarrowed(o: BlockdevOptions): unknown {
  if (o.driver === 'qcow2') {
    // @ts-expect-error filename exists only on the file branch
    return o.filename;
  }
  return null;
}

const nodes: BlockdevOptions[] = [
  { driver: 'file', 'node-name': 'disk0', filename: '/images/disk0.img' },
  { driver: 'qcow2', file: 'disk0' },
  { driver: 'qcow2', file: { driver: 'file', filename: '/images/base.img' } },
  { driver: 'nbd', server: { type: 'inet', host: 'localhost', port: '10809' } },
  { driver: 'null-co' },
];
console.log(JSON.stringify(nodes.map(describeNode)));
`;

describeFixture(SCHEMA, 'generated 10.2.2-backend-transfer', () => {
  let root = '';
  beforeAll(async () => {
    root = tempDir('bt');
    await generateInto(sharedPath(SCHEMA), join(root, 'gen'));
    mkdirSync(join(root, 'check'));
    mkdirSync(join(root, 'wrong'));
    writeFileSync(join(root, 'check', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(root, 'check', 'type-level.ts'), TYPE_LEVEL);
    writeFileSync(join(root, 'check', 'narrowing.ts'), NARROWING);
    writeFileSync(join(root, 'wrong', 'package.json'), '{ "type": "module" }\n');
    writeFileSync(join(root, 'wrong', 'wrong.ts'), WRONG_LITERAL);
  }, 900_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('proves the seed types at compile time (and the wrong literal is an error)', () => {
    expect(runTsc(writeTsconfig(root, 'nodenext', ['gen', 'check']))).toBe('');
  }, 900_000);

  it('rejects a wrong literal in the backend-transfer list', () => {
    const out = runTsc(writeTsconfig(root, 'bundler', ['gen', 'wrong']));
    expect(out).toMatch(/wrong\.ts\(3,.*error TS2820: Type '"virtio-net-tapx"' is not assignable to type 'BackendTransfer'. Did you mean '"virtio-net-tap"'\?/);
  }, 900_000);

  it('narrows BlockdevOptions on driver at run time too', () => {
    const out = join(root, 'js');
    const project = writeTsconfig(root, 'nodenext', ['gen', 'check'], { noEmit: false, outDir: out, rootDir: root });
    expect(runTsc(project)).toBe('');
    const printed = execFileSync(process.execPath, [join(out, 'check', 'narrowing.js')], { encoding: 'utf8' });
    expect(JSON.parse(printed)).toEqual(['file:/images/disk0.img', 'qcow2:disk0', 'qcow2:file', 'nbd:inet', 'null-co']);
  }, 900_000);

  it('carries @experimental and @deprecated where the features are', () => {
    const project = new Project({ skipAddingFilesFromTsConfig: true });
    const migration = project.addSourceFileAtPath(join(root, 'gen', 'migration.ts'));
    const tagsOf = (node: Node): string[] => ts.getJSDocTags(node.compilerNode).map((t) => t.tagName.text);

    for (const struct of ['MigrateSetParameters', 'MigrationParameters']) {
      const prop = migration.getInterfaceOrThrow(struct).getPropertyOrThrow("'backend-transfer'");
      expect(prop.getTypeNodeOrThrow().getText()).toBe('BackendTransferList');
      expect(prop.hasQuestionToken()).toBe(true);
      expect(tagsOf(prop)).toContain('experimental');
    }

    const values = migration.getVariableDeclarationOrThrow('MigrationParameter').getInitializerOrThrow();
    const literal = values.getFirstDescendantByKindOrThrow(SyntaxKind.ObjectLiteralExpression);
    const member = literal.getPropertyOrThrow("'backend-transfer'");
    expect(tagsOf(member)).toContain('experimental');
    const plain = literal.getPropertyOrThrow("'announce-initial'");
    expect(tagsOf(plain)).not.toContain('experimental');

    const blockCore = project.addSourceFileAtPath(join(root, 'gen', 'block-core.ts'));
    const commit = blockCore.getInterfaceOrThrow('BlockCommitArguments');
    expect(tagsOf(commit.getPropertyOrThrow('base'))).toContain('deprecated');
    expect(tagsOf(commit.getPropertyOrThrow("'base-node'"))).not.toContain('deprecated');
    expect(readFileSync(join(root, 'gen', 'migration.ts'), 'utf8')).toMatch(/^\/\/ Code generated by qapi-ts from migration\.json\. DO NOT EDIT\./);
  });
});
