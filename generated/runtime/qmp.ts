// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * QMP messages on top of the visitors: command arguments checked as QEMU
 * checks them (strict), replies and events read as a client should
 * (lenient: unknown members kept as read), values encoded and cloned, and whole
 * messages checked, which is what `qapi-ts validate` does.
 *
 * Depends on ECMAScript built-ins only: this file is copied into generated
 * output.
 */

import { type CompatPolicy, DEFAULT_COMPAT_POLICY, checkCommandPolicy } from './compat.js';
import {
  CompatPolicyCrash,
  QapiError,
  QapiPathError,
  QapiReplyError,
  tooDeepValue,
} from './errors.js';
import { InputVisitor } from './input-visitor.js';
import { OutputVisitor } from './output-visitor.js';
import { cloneVisitor } from './clone-visitor.js';
import { parseQmpJson, QmpJsonError, stringifyWithBigints, type JsonValue } from './json.js';
import type { CommandTable, DecodeFn, EventTable } from './tables.js';
import type { Key, VisitFn, Visitor } from './visitor.js';

/** How 64-bit integers are held, as the generated code was made (`--int64`). */
export type Int64Mode = 'number' | 'bigint';

export interface DecodeOptions {
  /** Reject unknown members. Default: true for command arguments, false for replies and events. */
  readonly strict?: boolean;
  readonly compat?: CompatPolicy;
  /**
   * Keep unknown enum values (typed `QapiUnknownValue`) instead of
   * failing. Default: true when reading leniently, false when strict.
   */
  readonly keepUnknownEnumValues?: boolean;
  /** Keep unions whose tag names an unknown branch (needs keepUnknownEnumValues). Default: as keepUnknownEnumValues. */
  readonly keepUnknownBranches?: boolean;
}

/** Where a {@link QmpError} came from, besides its class and text. */
export interface QmpErrorOptions {
  /** The command that failed. */
  readonly command?: string;
  /** Whether the server sent the error (false: the client refused the call before sending it). */
  readonly fromServer?: boolean;
  /** What caused it: for a refusal before sending, the {@link QapiValueError} with its path. */
  readonly cause?: unknown;
}

/**
 * A QMP-level error: an error reply from the server (`{"error": {"class",
 * "desc"}}`), or the one QEMU would send, raised by the runtime's own checks.
 * The message is the `desc`.
 */
export class QmpError extends QapiError {
  /** The error class QEMU sends (`GenericError`, `CommandNotFound`, `DeviceNotFound`, …; any string). */
  readonly errorClass: string;
  /** The error's description, in QEMU's words (the same as `message`). */
  readonly desc: string;
  /** The command that failed, when known. */
  readonly command: string | undefined;
  /** Whether the server sent this error; false when the client refused the call before sending it. */
  readonly fromServer: boolean;
  constructor(errorClass: string, message: string, options: QmpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'QmpError';
    this.errorClass = errorClass;
    this.desc = message;
    this.command = options.command;
    this.fromServer = options.fromServer ?? false;
  }
}

/** The arguments, or return value, of a command that has none: `{}`. */
export function visitEmptyStruct(v: Visitor, key: Key, value: unknown): unknown {
  const s = v.startStruct(key, value, 'q_empty');
  v.checkStruct(s);
  return v.endStruct(s);
}

function inputVisitor(
  int64: Int64Mode,
  options: DecodeOptions,
  strictByDefault: boolean,
  forArguments = false,
): InputVisitor {
  return new InputVisitor({
    forArguments,
    strict: options.strict ?? strictByDefault,
    int64,
    compat: options.compat ?? DEFAULT_COMPAT_POLICY,
    // Lenient reading keeps what a newer QEMU sends (typed QapiUnknownValue); strict rejects it.
    keepUnknownEnumValues: options.keepUnknownEnumValues ?? !(options.strict ?? strictByDefault),
    keepUnknownBranches: options.keepUnknownBranches ?? !(options.strict ?? strictByDefault),
  });
}

/** JSON value (from parseQmpJson) → typed value, through a type's visit function. Strict unless told otherwise. */
export function decodeValue(
  visit: VisitFn,
  value: unknown,
  int64: Int64Mode,
  options: DecodeOptions = {},
): unknown {
  return visit(inputVisitor(int64, options, true), null, value);
}

/** JSON value → typed value through a type's decode walk (`PlanSchema.decodeFn`): strict unless told otherwise. */
export function decodeWith(
  decode: DecodeFn,
  value: unknown,
  int64: Int64Mode,
  options: DecodeOptions = {},
): unknown {
  return decode(inputVisitor(int64, options, true), value);
}

/** Typed value → JSON value through a type's encode walk (`PlanSchema.encodeFn`), applying the output half of the compat policy. */
export function encodeWith(
  encode: (c: OutputVisitor, x: unknown) => unknown,
  value: unknown,
  int64: Int64Mode,
  compat: CompatPolicy = DEFAULT_COMPAT_POLICY,
): unknown {
  return encode(new OutputVisitor({ int64, compat }), value);
}

/** Typed value → JSON value (for stringifyQmpJson), applying the output half of the compat policy. */
export function encodeValue(
  visit: VisitFn,
  value: unknown,
  int64: Int64Mode,
  compat: CompatPolicy = DEFAULT_COMPAT_POLICY,
): unknown {
  return visit(new OutputVisitor({ int64, compat }), null, value);
}

/**
 * Typed value → QMP JSON text: the output walk (a generated `encodeFoo`, or
 * any function that walks with the given visitor), then the exact writer;
 * JSON.stringify when the walk produced no bigint, since everything else it
 * produced is plain JSON it has checked.
 */
export function encodeToText(
  encode: (c: OutputVisitor, x: unknown) => unknown,
  value: unknown,
  int64: Int64Mode,
  compat: CompatPolicy = DEFAULT_COMPAT_POLICY,
): string {
  const c = new OutputVisitor({ int64, compat });
  const json = encode(c, value);
  return c.mayHoldBigint ? stringifyWithBigints(json as JsonValue) : JSON.stringify(json);
}

/** A deep copy sharing no mutable object with the source (QEMU's QAPI_CLONE). */
export function cloneValue<T>(visit: VisitFn, value: T): T {
  return visit(cloneVisitor, null, value) as T;
}

function commandInfo(commands: CommandTable, name: string) {
  const info = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!info) throw new QmpError('CommandNotFound', `The command ${name} has not been found`);
  return info;
}

/**
 * Checks a command's arguments as QEMU does before running it: the command
 * exists, the compat policy allows it, and the arguments fit its type,
 * strictly (an unknown member is an error). Absent arguments are `{}`.
 */
export function decodeCommandArguments(
  commands: CommandTable,
  name: string,
  args: unknown,
  int64: Int64Mode,
  options: DecodeOptions = {},
): unknown {
  const info = commandInfo(commands, name);
  const refused = checkCommandPolicy(name, info.features, options.compat ?? DEFAULT_COMPAT_POLICY);
  if (refused !== undefined) throw new QmpError('CommandNotFound', refused);
  // QEMU checks no arguments of a 'gen': false command; its schema lists only some of them.
  const v = inputVisitor(int64, options, info.gen !== false, true);
  const x = args === undefined ? {} : args;
  return info.decodeArgs ? info.decodeArgs(v, x) : (info.args ?? visitEmptyStruct)(v, null, x);
}

/** Reads a command's return value as a client should: leniently unless `strict`. */
export function decodeCommandReturn(
  commands: CommandTable,
  name: string,
  value: unknown,
  int64: Int64Mode,
  options: DecodeOptions = {},
): unknown {
  const info = commandInfo(commands, name);
  const v = inputVisitor(int64, options, false);
  try {
    return info.decodeReturns
      ? info.decodeReturns(v, value)
      : (info.returns ?? visitEmptyStruct)(v, null, value);
  } catch (e) {
    throw reworded(e, `The reply to ${name}`, 'return', value);
  }
}

/** Reads an event's data as a client should: leniently unless `strict`. Absent data is `{}`. */
export function decodeEventData(
  events: EventTable,
  name: string,
  data: unknown,
  int64: Int64Mode,
  options: DecodeOptions = {},
): unknown {
  const info = Object.prototype.hasOwnProperty.call(events, name) ? events[name] : undefined;
  if (!info) throw new QmpError('GenericError', `The event ${name} is not in the schema`);
  const v = inputVisitor(int64, options, false);
  const x = data === undefined ? {} : data;
  try {
    return info.decodeData ? info.decodeData(v, x) : (info.data ?? visitEmptyStruct)(v, null, x);
  } catch (e) {
    throw reworded(e, `The data of event ${name}`, 'data', x);
  }
}

/**
 * An input error of a reply or event, reworded for what it is (QEMU's
 * input wording, `Parameter 'x' is missing`, is for arguments): where,
 * what was expected, what was received. Errors without a path (policy
 * refusals of values and commands), the exactness errors (which name the
 * option that fixes them) and anything else pass as they are.
 */
function reworded(e: unknown, what: string, root: string, value: unknown): unknown {
  if (!(e instanceof QapiPathError) || e instanceof CompatPolicyCrash || !e.usesPath) return e;
  const keys = e.keys;
  let where = root;
  for (const k of keys) where += typeof k === 'number' ? `[${k}]` : k === null ? '' : `.${k}`;
  let received: unknown = value;
  for (const k of keys) {
    if (k === null) continue;
    received =
      typeof received === 'object' &&
      received !== null &&
      Object.prototype.hasOwnProperty.call(received, k)
        ? (received as Record<string | number, unknown>)[k]
        : undefined;
  }
  const expected = /expected: (.+)$/.exec(e.template)?.[1] ?? /expects (.+)$/.exec(e.template)?.[1];
  let detail: string;
  switch (e.code) {
    case 'missing':
      detail = 'missing, and its type requires it';
      break;
    case 'unexpected':
      detail = `not a member of its type (received ${describe(received)})`;
      break;
    case 'type':
      detail = `expected ${expected ?? 'another JSON type'}, received ${describe(received)}`;
      break;
    case 'range':
      detail = `expected ${expected ?? 'an integer in range'}, received ${describe(received)}, which is out of its range`;
      break;
    case 'enum':
      detail = `received ${describe(received)}, which is not a value of its enum`;
      break;
    case 'alternate':
      detail = `received ${describe(received)}, which fits none of its alternatives`;
      break;
    default:
      return e;
  }
  return new QapiReplyError(e, `${what} does not fit its type: ${where}: ${detail}`);
}

/** A received JSON value, briefly: its type, and a short value. */
function describe(x: unknown): string {
  if (x === undefined) return 'nothing';
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'an array';
  switch (typeof x) {
    case 'string':
      return `the string ${JSON.stringify(x.length > 40 ? x.slice(0, 40) + '…' : x)}`;
    case 'number':
    case 'bigint':
      return `the number ${String(x)}`;
    case 'boolean':
      return `${String(x)}`;
    case 'object':
      return 'an object';
    default:
      return typeof x;
  }
}

export interface MessageCheckOptions extends DecodeOptions {
  readonly int64: Int64Mode;
  /** The command a `{"return": …}` answers. */
  readonly replyTo?: string;
}

export type MessageVerdict = { readonly ok: true } | { readonly ok: false; readonly error: string };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fail(error: string): MessageVerdict {
  return { ok: false, error };
}

/** QEMU's checks of a command message (qmp_dispatch), then the arguments. */
function checkCommand(
  msg: Record<string, unknown>,
  commands: CommandTable,
  options: MessageCheckOptions,
): MessageVerdict {
  for (const key of Object.keys(msg)) {
    if (key === 'execute' || key === 'exec-oob') {
      if (typeof msg[key] !== 'string') return fail(`QMP input member '${key}' must be a string`);
    } else if (key === 'arguments') {
      if (!isPlainObject(msg[key])) return fail("QMP input member 'arguments' must be an object");
    } else if (key !== 'id' && key !== 'control') {
      return fail(`QMP input member '${key}' is unexpected`);
    }
  }
  if ('execute' in msg && 'exec-oob' in msg)
    return fail("QMP input member 'exec-oob' is unexpected");
  const oob = 'exec-oob' in msg;
  const name = (oob ? msg['exec-oob'] : msg['execute']) as string;
  const info = Object.prototype.hasOwnProperty.call(commands, name) ? commands[name] : undefined;
  if (!info) return fail(`The command ${name} has not been found`);
  if (oob && !info.allowOob) return fail(`The command ${name} does not support OOB`);
  decodeCommandArguments(commands, name, msg['arguments'], options.int64, options);
  return { ok: true };
}

function checkReply(
  msg: Record<string, unknown>,
  commands: CommandTable,
  options: MessageCheckOptions,
): MessageVerdict {
  for (const key of Object.keys(msg)) {
    if (key !== 'return' && key !== 'id') return fail(`Reply member '${key}' is unexpected`);
  }
  if (options.replyTo === undefined) return fail('A reply needs --reply-to COMMAND to be checked');
  decodeCommandReturn(commands, options.replyTo, msg['return'], options.int64, options);
  return { ok: true };
}

function checkErrorReply(msg: Record<string, unknown>): MessageVerdict {
  for (const key of Object.keys(msg)) {
    if (key !== 'error' && key !== 'id') return fail(`Reply member '${key}' is unexpected`);
  }
  const error = msg['error'];
  if (!isPlainObject(error)) return fail("Reply member 'error' must be an object");
  for (const member of ['class', 'desc']) {
    if (!Object.prototype.hasOwnProperty.call(error, member))
      return fail(`Reply member 'error.${member}' is missing`);
    if (typeof error[member] !== 'string')
      return fail(`Reply member 'error.${member}' must be a string`);
  }
  return { ok: true };
}

function checkEvent(
  msg: Record<string, unknown>,
  events: EventTable,
  options: MessageCheckOptions,
): MessageVerdict {
  for (const key of Object.keys(msg)) {
    if (key !== 'event' && key !== 'data' && key !== 'timestamp')
      return fail(`Event member '${key}' is unexpected`);
  }
  const name = msg['event'];
  if (typeof name !== 'string') return fail("Event member 'event' must be a string");
  const ts = msg['timestamp'];
  if (ts !== undefined) {
    if (!isPlainObject(ts)) return fail("Event member 'timestamp' must be an object");
    for (const member of ['seconds', 'microseconds']) {
      if (typeof ts[member] !== 'number' && typeof ts[member] !== 'bigint')
        return fail(`Event member 'timestamp.${member}' must be an integer`);
    }
  }
  decodeEventData(events, name, msg['data'], options.int64, options);
  return { ok: true };
}

/**
 * Checks one QMP message, read with the exact reader: a command (its
 * arguments strictly, under the compat policy), a reply (leniently as the
 * return of `replyTo`, strictly with `strict`), an error reply, or an event
 * (leniently). The verdict's error names the path of the offending value.
 */
export function checkQmpMessage(
  text: string,
  commands: CommandTable,
  events: EventTable,
  options: MessageCheckOptions,
): MessageVerdict {
  try {
    const msg = parseQmpJson(text);
    if (!isPlainObject(msg)) return fail('QMP input must be a JSON object');
    if ('execute' in msg || 'exec-oob' in msg) return checkCommand(msg, commands, options);
    if ('return' in msg) return checkReply(msg, commands, options);
    if ('error' in msg) return checkErrorReply(msg);
    if ('event' in msg) return checkEvent(msg, events, options);
    return fail("QMP input lacks member 'execute'");
  } catch (e) {
    // A CompatPolicyCrash is QEMU aborting: not a verdict, the caller's to handle.
    if (e instanceof CompatPolicyCrash) throw e;
    if (e instanceof QapiPathError || e instanceof QmpJsonError || e instanceof QmpError)
      return fail(e.message);
    if (e instanceof RangeError && e.message.indexOf('call stack') !== -1)
      return fail(tooDeepValue().message);
    throw e;
  }
}
