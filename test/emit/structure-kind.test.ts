/**
 * The emitters take ts-morph's structure kinds from structure-kind.ts, so
 * that building structures never loads ts-morph: every value there must be
 * ts-morph's own.
 */
import { StructureKind, VariableDeclarationKind } from 'ts-morph';
import { expect, it } from 'vitest';
import { CONST, Kind } from '../../generator/emit/structure-kind.js';

it("every kind is ts-morph's value of the same name", () => {
  const names = Object.keys(Kind) as (keyof typeof Kind)[];
  expect(names.length).toBeGreaterThan(5);
  for (const name of names) expect(Kind[name], name).toBe(StructureKind[name]);
});

it("CONST is ts-morph's VariableDeclarationKind.Const", () => {
  expect(CONST).toBe(VariableDeclarationKind.Const);
});
