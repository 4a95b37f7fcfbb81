/**
 * The import binder: emitters record the names they use and the file that
 * defines each; this turns those references into import declarations.
 * Imports are never written by hand.
 */
import type { ImportDeclarationStructure } from 'ts-morph';
import { Kind } from './structure-kind.js';
import { ModulePaths } from './naming.js';

export class ImportBinder {
  /** path → (name → used in types only). */
  private readonly imports = new Map<string, Map<string, boolean>>();

  constructor(readonly path: string) {}

  /** Records that `name`, defined in file `path`, is used here; `typeOnly` when used in types only. */
  use(path: string, name: string, typeOnly = true): void {
    if (path === this.path) return;
    let names = this.imports.get(path);
    if (!names) this.imports.set(path, (names = new Map()));
    names.set(name, (names.get(name) ?? true) && typeOnly);
  }

  /** Import declarations, sorted by specifier; `import type` where nothing is a value (verbatimModuleSyntax). */
  importDeclarations(): ImportDeclarationStructure[] {
    return [...this.imports]
      .map(([path, names]) => ({ spec: ModulePaths.specifier(this.path, path), names }))
      .sort((a, b) => (a.spec < b.spec ? -1 : a.spec > b.spec ? 1 : 0))
      .map(({ spec, names }) => {
        const allTypes = [...names.values()].every(Boolean);
        return {
          kind: Kind.ImportDeclaration,
          isTypeOnly: allTypes,
          moduleSpecifier: spec,
          namedImports: [...names.keys()].sort().map((n) => (!allTypes && names.get(n) ? { name: n, isTypeOnly: true } : n)),
        };
      });
  }
}
