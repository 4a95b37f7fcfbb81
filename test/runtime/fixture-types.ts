/**
 * Hand-written equivalents of what the generator emits per type, for testing
 * the runtime visitors on their own. Schema (in QAPI terms):
 *
 *   enum E ['x', { 'name': 'y', 'features': ['deprecated'] }]
 *   enum K ['p', 'q']
 *   struct S { 'a': 'int8', '*b': { 'type': ['E'], 'features': ['unstable'] }, 'c': 'any' }
 *   union U { 'base': { 'kind': 'K', '*common': 'str' }, 'discriminator': 'kind', 'data': { 'p': 'S' } }
 *   alternate A { 's': 'str', 'n': 'int', 'o': 'S' }
 *   struct L { 'items': ['S'], '*name': 'str' }               -- list of structs
 *   struct Mid { 'inner': 'int8' } ; struct Top { 'outer': 'Mid', '*tags': ['str'] }
 *   enum NK ['w', 'z'] ; struct W { 'u': 'U', '*more': ['U'] }
 *   union N { 'base': { 'type': 'NK' }, 'discriminator': 'type', 'data': { 'w': 'W' } }   -- nested union
 *   enum Mode ['auto', 'off'] ; alternate AE { 'e': 'Mode', 'i': 'int64' }                 -- enum vs int
 *   struct Ints { 'i': 'int', 'i8': 'int8', …, 'sz': 'size', 'num': 'number', 'flag': 'bool', 'nil': 'null' }
 *   struct Dep { '*old': { 'type': 'int', 'features': ['deprecated'] }, 'new': 'int', '*mode': 'Mode' }
 *   struct Creds { 'user': 'str', 'password': 'str', '*nested': ['Creds'] }
 *   struct Big { 'u64': 'uint64', '*i64': 'int64', '*sz': 'size', '*alt': 'AE' }
 */

import {
  type AlternateBranch,
  type EnumInfo,
  type Features,
  type Key,
  NO_FEATURES,
  type StructScope,
  type VisitFn,
  type Visitor,
  visitAny,
  visitBool,
  visitInt,
  visitInt16,
  visitInt32,
  visitInt64,
  visitInt8,
  visitNull,
  visitNumber,
  visitSize,
  visitStr,
  visitUint16,
  visitUint32,
  visitUint64,
  visitUint8,
} from '../../templates/runtime/index.js';

export const F_UNSTABLE: Features = Object.freeze({ unstable: true });
export const F_DEPRECATED: Features = Object.freeze({ deprecated: true });

export const visitStrList: VisitFn = (v, key, value) => v.list(key, value, visitStr);

// enum E
export const E_INFO: EnumInfo = { name: 'E', values: ['x', 'y'], valueFeatures: { y: F_DEPRECATED } };
export const visitE: VisitFn = (v, key, value) => v.enumValue(key, value, E_INFO);
export const visitEList: VisitFn = (v, key, value) => v.list(key, value, visitE);

// enum K
export const K_INFO: EnumInfo = { name: 'K', values: ['p', 'q'], valueFeatures: {} };
export const visitK: VisitFn = (v, key, value) => v.enumValue(key, value, K_INFO);

// struct S
export function visitS(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'S');
  visitSMembers(v, s);
  v.checkStruct(s);
  return v.endStruct(s);
}
export function visitSMembers(v: Visitor, s: StructScope): void {
  v.member(s, 'a', NO_FEATURES, visitInt8);
  if (v.optional(s, 'b')) v.member(s, 'b', F_UNSTABLE, visitEList);
  v.member(s, 'c', NO_FEATURES, visitAny);
}
export const visitSList: VisitFn = (v, key, value) => v.list(key, value, visitS);

// union U
function visitUBaseMembers(v: Visitor, s: StructScope): void {
  v.member(s, 'kind', NO_FEATURES, visitK);
  if (v.optional(s, 'common')) v.member(s, 'common', NO_FEATURES, visitStr);
}
export function visitU(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'U');
  visitUBaseMembers(v, s);
  switch (v.memberValue(s, 'kind')) {
    case 'p':
      visitSMembers(v, s);
      break;
    case 'q':
      break;
    default:
      v.unknownBranch(s, 'kind');
  }
  v.checkStruct(s);
  return v.endStruct(s);
}
export const visitUList: VisitFn = (v, key, value) => v.list(key, value, visitU);

// alternate A
const A_BRANCHES: readonly AlternateBranch[] = [
  { name: 's', jsonType: 'string', visit: visitStr },
  { name: 'n', jsonType: 'number', visit: visitInt },
  { name: 'o', jsonType: 'object', visit: visitS },
];
export const visitA: VisitFn = (v, key, value) => v.alternate(key, value, 'A', A_BRANCHES);

// struct L
export function visitL(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'L');
  v.member(s, 'items', NO_FEATURES, visitSList);
  if (v.optional(s, 'name')) v.member(s, 'name', NO_FEATURES, visitStr);
  v.checkStruct(s);
  return v.endStruct(s);
}

// struct Mid, Top
export function visitMid(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Mid');
  v.member(s, 'inner', NO_FEATURES, visitInt8);
  v.checkStruct(s);
  return v.endStruct(s);
}
export function visitTop(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Top');
  v.member(s, 'outer', NO_FEATURES, visitMid);
  if (v.optional(s, 'tags')) v.member(s, 'tags', NO_FEATURES, visitStrList);
  v.checkStruct(s);
  return v.endStruct(s);
}

// enum NK, struct W, union N
export const NK_INFO: EnumInfo = { name: 'NK', values: ['w', 'z'], valueFeatures: {} };
export const visitNK: VisitFn = (v, key, value) => v.enumValue(key, value, NK_INFO);
function visitWMembers(v: Visitor, s: StructScope): void {
  v.member(s, 'u', NO_FEATURES, visitU);
  if (v.optional(s, 'more')) v.member(s, 'more', NO_FEATURES, visitUList);
}
export function visitW(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'W');
  visitWMembers(v, s);
  v.checkStruct(s);
  return v.endStruct(s);
}
export function visitN(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'N');
  v.member(s, 'type', NO_FEATURES, visitNK);
  switch (v.memberValue(s, 'type')) {
    case 'w':
      visitWMembers(v, s);
      break;
    case 'z':
      break;
    default:
      v.unknownBranch(s, 'type');
  }
  v.checkStruct(s);
  return v.endStruct(s);
}

// enum Mode, alternate AE (enum vs int)
export const MODE_INFO: EnumInfo = { name: 'Mode', values: ['auto', 'off'], valueFeatures: {} };
export const visitMode: VisitFn = (v, key, value) => v.enumValue(key, value, MODE_INFO);
const AE_BRANCHES: readonly AlternateBranch[] = [
  { name: 'e', jsonType: 'string', enumValues: MODE_INFO.values, visit: visitMode },
  { name: 'i', jsonType: 'number', visit: visitInt64 },
];
export const visitAE: VisitFn = (v, key, value) => v.alternate(key, value, 'AE', AE_BRANCHES);

// struct Ints
export const INT_MEMBERS = [
  ['i', visitInt],
  ['i8', visitInt8],
  ['i16', visitInt16],
  ['i32', visitInt32],
  ['i64', visitInt64],
  ['u8', visitUint8],
  ['u16', visitUint16],
  ['u32', visitUint32],
  ['u64', visitUint64],
  ['sz', visitSize],
] as const;
export function visitInts(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Ints');
  for (const [name, visit] of INT_MEMBERS) v.member(s, name, NO_FEATURES, visit);
  v.member(s, 'num', NO_FEATURES, visitNumber);
  v.member(s, 'flag', NO_FEATURES, visitBool);
  v.member(s, 'nil', NO_FEATURES, visitNull);
  v.checkStruct(s);
  return v.endStruct(s);
}

// struct Dep
export function visitDep(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Dep');
  if (v.optional(s, 'old')) v.member(s, 'old', F_DEPRECATED, visitInt);
  v.member(s, 'new', NO_FEATURES, visitInt);
  if (v.optional(s, 'mode')) v.member(s, 'mode', NO_FEATURES, visitMode);
  v.checkStruct(s);
  return v.endStruct(s);
}

// struct Creds
export function visitCreds(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Creds');
  v.member(s, 'user', NO_FEATURES, visitStr);
  v.member(s, 'password', NO_FEATURES, visitStr);
  if (v.optional(s, 'nested')) v.member(s, 'nested', NO_FEATURES, visitCredsList);
  v.checkStruct(s);
  return v.endStruct(s);
}
export const visitCredsList: VisitFn = (v, key, value) => v.list(key, value, visitCreds);

// struct Big
export function visitBig(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'Big');
  v.member(s, 'u64', NO_FEATURES, visitUint64);
  if (v.optional(s, 'i64')) v.member(s, 'i64', NO_FEATURES, visitInt64);
  if (v.optional(s, 'sz')) v.member(s, 'sz', NO_FEATURES, visitSize);
  if (v.optional(s, 'alt')) v.member(s, 'alt', NO_FEATURES, visitAE);
  v.checkStruct(s);
  return v.endStruct(s);
}
