/**
 * The import binder: emitters record the names they use and the file that
 * defines each; this turns those references into import declarations.
 * Imports are never written by hand.
 */
import { StructureKind, type ImportDeclarationStructure } from 'ts-morph';
import { ModulePaths } from './naming.js';

export class ImportBinder {
  private readonly imports = new Map<string, { names: Set<string>; typeOnly: boolean }>();

  constructor(readonly path: string) {}

  /** Records that `name`, defined in file `path`, is used here; `typeOnly` when used in types only. */
  use(path: string, name: string, typeOnly = true): void {
    if (path === this.path) return;
    let entry = this.imports.get(path);
    if (!entry) this.imports.set(path, (entry = { names: new Set(), typeOnly: true }));
    entry.names.add(name);
    if (!typeOnly) entry.typeOnly = false;
  }

  /** Import declarations, by module specifier; type-only where nothing is used as a value. */
  importDeclarations(typeNames: ReadonlySet<string> = new Set()): ImportDeclarationStructure[] {
    return [...this.imports]
      .map(([path, entry]) => ({ spec: ModulePaths.specifier(this.path, path), entry }))
      .sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0))
      .map(({ spec, entry }) => ({
        kind: StructureKind.ImportDeclaration,
        isTypeOnly: entry.typeOnly,
        moduleSpecifier: spec,
        namedImports: [...entry.names].sort().map((n) => (!entry.typeOnly && typeNames.has(n) ? { name: n, isTypeOnly: true } : n)),
      }));
  }
}
