// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * What the runtime knows about each command and event: how to visit its
 * arguments, return value or data, and its special features and flags.
 * Generated code builds one table per schema module; index.ts joins them.
 */
import type { InputVisitor } from './input-visitor.js';
import type { Features, VisitFn } from './visitor.js';

/** A generated codec's input walk (decodeFoo): the visit function's walk, specialized for the input visitor. */
export type DecodeFn = (c: InputVisitor, x: unknown) => unknown;

export interface CommandInfo {
  /** Visits the arguments object, or null for a command without arguments. */
  readonly args: VisitFn | null;
  /** Visits the return value, or null for a command that returns `{}`. */
  readonly returns: VisitFn | null;
  /** The same walks as `args` and `returns`, specialized for the input visitor (generated code has them). */
  readonly decodeArgs?: DecodeFn;
  readonly decodeReturns?: DecodeFn;
  readonly features: Features;
  readonly allowOob: boolean;
  readonly successResponse: boolean;
  /** false for `'gen': false` commands, whose arguments QEMU hands to the command unchecked. */
  readonly gen?: boolean;
}

export interface EventInfo {
  /** Visits the event's data, or null for an event without data. */
  readonly data: VisitFn | null;
  readonly decodeData?: DecodeFn;
  readonly features: Features;
}

export type CommandTable = { readonly [name: string]: CommandInfo };
export type EventTable = { readonly [name: string]: EventInfo };
