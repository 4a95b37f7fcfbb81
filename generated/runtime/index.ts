// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * The qapi-ts runtime: visitors, errors, compat policy, exact QMP JSON, the
 * QMP client and fake server, introspection data. Generated code imports
 * from the individual modules; programs may import everything from here.
 *
 * This directory is copied into generated output. It depends on nothing but
 * ECMAScript built-ins, except the QMP client and fake server, which use
 * Node's `net` (so the output type-checks with `@types/node`).
 */

export * from './visitor.js';
export * from './errors.js';
export * from './compat.js';
export * from './ints.js';
export * from './stock-visitor.js';
export * from './input-visitor.js';
export * from './output-visitor.js';
export * from './clone-visitor.js';
export * from './tables.js';
export * from './qmp.js';
export * from './unknown.js';
export * from './plans.js';
export { parseQmpJson, stringifyQmpJson, QmpJsonError } from './json.js';
export type { JsonValue } from './json.js';
export * from './qmp-client.js';
export * from './qga-client.js';
export * from './fake-qmp-server.js';
export * from './introspect.js';
export * from './capabilities.js';
