/**
 * ts-morph's structure kinds, as values, without loading ts-morph.
 *
 * Emitters build ts-morph *structures*: plain data, which ts-morph prints.
 * Importing ts-morph's `StructureKind` enum loads ts-morph and the
 * TypeScript compiler it carries (half a second), so the emitters take the
 * values from here and only the printer (print.ts, run in the format
 * workers) loads ts-morph. A test holds every value to ts-morph's own.
 */
import type { StructureKind, VariableDeclarationKind } from 'ts-morph';

/** The structure kinds the emitters use, typed as ts-morph's. */
export const Kind = Object.freeze({
  Function: 13 as StructureKind.Function,
  ImportDeclaration: 16 as StructureKind.ImportDeclaration,
  ImportSpecifier: 17 as StructureKind.ImportSpecifier,
  Interface: 19 as StructureKind.Interface,
  Parameter: 30 as StructureKind.Parameter,
  PropertySignature: 33 as StructureKind.PropertySignature,
  SourceFile: 36 as StructureKind.SourceFile,
  TypeAlias: 38 as StructureKind.TypeAlias,
  VariableDeclaration: 40 as StructureKind.VariableDeclaration,
  VariableStatement: 41 as StructureKind.VariableStatement,
});

/** `const`, as ts-morph's VariableDeclarationKind spells it. */
export const CONST = 'const' as VariableDeclarationKind.Const;
