/**
 * `qapi-ts init`: sets a downstream repo up: writes `qapi-ts.config.json`
 * and adds the `codegen` script to its package.json.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { CONFIG_FILE, initialConfig } from './config.js';

/** Writes `text` to `file` through a temp file and a rename: never half a file. */
function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.qapi-ts.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Sets `dir` up; returns what it did, one line each. Throws (nothing written) on a problem. */
export function init(dir: string, options: { force?: boolean } = {}): string[] {
  const done: string[] = [];
  const configFile = join(dir, CONFIG_FILE);
  const pkgFile = join(dir, 'package.json');
  if (!existsSync(pkgFile)) throw new Error(`no package.json in ${dir}: run \`npm init\` first (qapi-ts adds its codegen script there)`);
  let pkg: { scripts?: Record<string, string> } & Record<string, unknown>;
  const pkgText = readFileSync(pkgFile, 'utf8');
  try {
    pkg = JSON.parse(pkgText) as typeof pkg;
  } catch (e) {
    throw new Error(`${pkgFile}: not JSON: ${(e as Error).message}`);
  }
  const existing = pkg.scripts?.['codegen'];
  if (existing !== undefined && existing !== 'qapi-ts generate' && options.force !== true)
    throw new Error(`${pkgFile}: a "codegen" script exists already (${JSON.stringify(existing)}); --force replaces it`);
  const writeConfig = !existsSync(configFile) || options.force === true;
  if (existsSync(configFile) && options.force !== true) done.push(`kept ${CONFIG_FILE} (it exists; --force rewrites it)`);
  // Both files are decided before either is written.
  if (writeConfig) {
    writeAtomic(configFile, JSON.stringify(initialConfig(dir), null, 2) + '\n');
    done.push(`wrote ${CONFIG_FILE}`);
  }
  if (existing !== 'qapi-ts generate') {
    pkg.scripts = { ...(pkg.scripts ?? {}), codegen: 'qapi-ts generate' };
    // Keep the file's indentation.
    const indent = /^(\s+)"/m.exec(pkgText)?.[1] ?? '  ';
    writeAtomic(pkgFile, JSON.stringify(pkg, null, indent) + '\n');
    done.push('added "codegen": "qapi-ts generate" to package.json');
  }
  return done;
}

/** The `init` command, for the CLI's program. */
export function initCommand(): Command {
  return new Command('init')
    .description(`set this package up: write ${CONFIG_FILE} (QMP, guest agent and storage daemon from schema/ into generated/) and add "codegen": "qapi-ts generate" to package.json`)
    .option('--force', `rewrite ${CONFIG_FILE}, and replace an existing codegen script`)
    .action((opts: { force?: boolean }) => {
      try {
        for (const line of init(process.cwd(), opts)) process.stdout.write(line + '\n');
        process.stdout.write('next: qapi-ts sync --from QEMU-SOURCE, then npm run codegen\n');
      } catch (e) {
        process.stderr.write(`qapi-ts: ${(e as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}
