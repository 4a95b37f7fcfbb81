/**
 * The qapi-ts runtime: visitors, errors, compat policy, exact QMP JSON.
 * Generated code imports from the individual modules; programs may import
 * everything from here.
 *
 * Depends on ECMAScript built-ins only: this directory is copied into
 * generated output.
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
export * from './plans.js';
export { parseQmpJson, stringifyQmpJson, QmpJsonError } from './json.js';
export type { JsonValue } from './json.js';
