/** Generating into temporary directories, and type-checking the result with tsc. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../../generator/api.js';
import { REPO_ROOT } from '../helpers/paths.js';

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `qapi-ts-${prefix}-`));
}

/** Generates `schemaFile` into `outDir` through the real pipeline (format and write), as the CLI does. */
export function generateInto(schemaFile: string, outDir: string, opts: { lenientDocs?: boolean; int64?: 'number' | 'bigint'; codecs?: boolean; introspection?: boolean; introspectionSymbols?: readonly string[]; check?: boolean } = {}) {
  return generate({ schema: schemaFile, out: outDir, ...opts });
}

export type ModuleMode = 'nodenext' | 'bundler';

/** @tsconfig/strictest's flags (and verbatimModuleSyntax, erasableSyntaxOnly); `include` lists the trees to check. */
export function writeTsconfig(dir: string, mode: ModuleMode, include: string[], extra: Record<string, unknown> = {}): string {
  const file = join(dir, `tsconfig.${mode}.json`);
  const moduleOptions = mode === 'nodenext' ? { module: 'nodenext', moduleResolution: 'nodenext' } : { module: 'esnext', moduleResolution: 'bundler' };
  writeFileSync(
    file,
    JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          ...moduleOptions,
          strict: true,
          allowUnusedLabels: false,
          allowUnreachableCode: false,
          exactOptionalPropertyTypes: true,
          noFallthroughCasesInSwitch: true,
          noImplicitOverride: true,
          noImplicitReturns: true,
          noPropertyAccessFromIndexSignature: true,
          noUncheckedIndexedAccess: true,
          noUnusedLocals: true,
          noUnusedParameters: true,
          isolatedModules: true,
          checkJs: true,
          esModuleInterop: true,
          skipLibCheck: true,
          erasableSyntaxOnly: true,
          verbatimModuleSyntax: true,
          noEmit: true,
          // The QMP client in runtime/ uses Node's net: the output needs @types/node (the repo's).
          typeRoots: [join(REPO_ROOT, 'node_modules', '@types')],
          types: ['node'],
          ...extra,
        },
        include: include.map((d) => `${d}/**/*.ts`),
      },
      null,
      2,
    ),
  );
  return file;
}

/** The TypeScript compilers the output is checked with: the project's (7, native) and 5.9, which most users run. */
const TSC = { '7': join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '5.9': join(REPO_ROOT, 'node_modules', 'typescript-5.9', 'bin', 'tsc') };

/** Runs tsc (7 unless told otherwise) on a project; returns its diagnostics, one per line ('' when clean). */
export function runTsc(project: string, version: keyof typeof TSC = '7'): string {
  try {
    execFileSync(process.execPath, [TSC[version], '-p', project, '--pretty', 'false'], { encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return (e.stdout ?? '') + (e.stderr ?? '') || e.message;
  }
}
