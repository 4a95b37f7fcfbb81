// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * A typed QMP client: the transport (socket, greeting, capabilities
 * negotiation, ids, events) on top of the runtime's exact JSON reader and
 * writer and its strict and lenient decoders.
 *
 * ```ts
 * const client = await connectQmp<QmpCommands, QmpEvents>(binding, '/run/qemu/qmp.sock');
 * const status = await client.execute('query-status'); // typed StatusInfo
 * client.on('STOP', (ev) => console.log('stopped at', ev.timestamp.seconds));
 * await client.close();
 * ```
 *
 * Wire format: one JSON object per line, both ways (QEMU's `-qmp` without
 * `pretty=on`). Integers are exact: the reader gives `bigint` beyond 2^53
 * and the writer writes `bigint` as its digits.
 *
 * Depends on Node's `node:net` and the sibling runtime files only: this file
 * is copied into generated output.
 */

import { createConnection, type Socket } from 'node:net';
import { QmpCapabilities } from './capabilities.js';
import type { CompatPolicy } from './compat.js';
import {
  CompatPolicyCrash,
  QapiError,
  QapiPathError,
  QapiReplyError,
  nameErrorClass,
} from './errors.js';
import type { QmpSchemaInfo } from './introspect.js';
import { parseQmpJson, parseQmpJsonBytes, stringifyQmpJson, type JsonValue } from './json.js';
import type { ModulePlans } from './plans.js';
import {
  QmpError,
  decodeCommandArguments,
  decodeCommandReturn,
  decodeEventData,
  type DecodeOptions,
  type Int64Mode,
} from './qmp.js';
import type { CommandTable, EventTable } from './tables.js';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/**
 * What the client needs to know about a schema at run time: the generated
 * command and event tables and the `--int64` mode. A generated `index.ts`
 * provides all three: `{ commands: qmpCommandTable, events: qmpEventTable,
 * int64: int64Mode }`.
 */
export interface QmpSchemaBinding {
  /** Every command: how to check its arguments and read its return value. */
  readonly commands: CommandTable;
  /** Every event: how to read its data. */
  readonly events: EventTable;
  /** How 64-bit integers are typed (`--int64`). */
  readonly int64: Int64Mode;
  /**
   * The plan tables of every module (what `linkPlans` links): the types
   * behind the commands and events, for {@link QmpCapabilities.compare}.
   * A generated `index.ts` provides them.
   */
  readonly plans?: readonly ModulePlans[];
}

/** The shape of one entry of a generated `QmpCommands` map. */
export interface QmpCommandSignature {
  /** The arguments object (`Record<string, never>` when the command has none). */
  readonly args: unknown;
  /** The return value (`void` when the command returns `{}`). */
  readonly returns: unknown;
  /** Whether the command may be run out-of-band (`exec-oob`); a generated map writes only `true`. */
  readonly allowOob?: boolean;
  /** false for commands that send no reply on success (`'success-response': false`); a generated map writes only `false`. */
  readonly successResponse?: boolean;
  /** The command's features (`'deprecated' | 'unstable'`, say); a generated map leaves it out when there are none. */
  readonly features?: string;
}

/** A generated `QmpCommands` map, or any map of command name → {@link QmpCommandSignature}. */
export type QmpCommandMap<C> = { readonly [K in keyof C]: QmpCommandSignature };

/** Where the QMP server listens: a UNIX socket path, `{ path }`, or a TCP `{ host, port }`. */
export type QmpTarget =
  string | { readonly path: string } | { readonly host: string; readonly port: number };

/** The `version` member of the greeting (QEMU's `VersionInfo`). */
export interface QmpVersionInfo {
  /** The QEMU version. */
  readonly qemu: { readonly major: number; readonly minor: number; readonly micro: number };
  /** The distribution's package string, e.g. ` (Debian 1:7.2+dfsg-7)`. */
  readonly package: string;
}

/** The server's greeting, `{"QMP": {"version": …, "capabilities": […]}}`. */
export interface QmpGreeting {
  /** The server's version. */
  readonly version: QmpVersionInfo;
  /** The capabilities the server offers (`oob`, …). */
  readonly capabilities: readonly string[];
}

/** When an event happened, as QEMU stamps it (wall clock). */
export interface QmpTimestamp {
  /** Seconds since the epoch. */
  readonly seconds: number;
  /** Microseconds within the second. */
  readonly microseconds: number;
}

/** An event, its data decoded into the schema's type. */
export interface QmpEvent<N extends string = string, D = unknown> {
  /** The event's name, e.g. `STOP`. */
  readonly event: N;
  /** Its data (`{}` for an event without data). */
  readonly data: D;
  /** When QEMU sent it. */
  readonly timestamp: QmpTimestamp;
}

/** The events of an event map `E` named `N` (all of them by default), as a union tagged by `event`. */
export type QmpEventOf<E, N extends keyof E = keyof E> = N extends string
  ? QmpEvent<N, E[N]>
  : never;

/** Options of one {@link QmpClient.execute} call. */
export interface QmpExecuteOptions {
  /** Aborting rejects the call with the signal's reason; a late reply is discarded. */
  readonly signal?: AbortSignal;
  /** Milliseconds to wait for the reply; then the call rejects with {@link QmpTimeoutError}. Default: no limit. */
  readonly timeout?: number;
  /**
   * Send as `exec-oob` (out-of-band: it may overtake commands sent before
   * it). Needs a command with `allow-oob` and a connection with OOB enabled;
   * otherwise the call is refused before sending.
   */
  readonly oob?: boolean;
}

/** The parameters after the command name: the arguments (optional when none are required), then the options. */
export type QmpExecuteRest<S extends QmpCommandSignature> = {} extends S['args']
  ? [args?: S['args'], options?: QmpExecuteOptions]
  : [args: S['args'], options?: QmpExecuteOptions];

/** What `buffer` does when an event stream's buffer is full. */
export type QmpEventOverflow = 'error' | 'drop-oldest';

/** Options of {@link QmpClient.events}. */
export interface QmpEventStreamOptions {
  /** Aborting ends the stream: a waiting or later `next()` rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** The most events held for a consumer that isn't reading. Default 10,000. */
  readonly bufferSize?: number;
  /**
   * When the buffer is full: `'error'` (the default) ends the stream: the
   * buffered events are still delivered, then `next()` rejects with
   * {@link QmpEventOverflowError}; `'drop-oldest'` drops the oldest buffered
   * event and counts it in {@link QmpEventStream.dropped}.
   */
  readonly overflow?: QmpEventOverflow;
}

/**
 * An async iterator over events, from the moment it was made. It holds at
 * most `bufferSize` events not yet read, then applies its overflow policy
 * (see {@link QmpEventStreamOptions.overflow}). When the connection ends it
 * delivers what it holds, then rejects with the {@link QmpConnectionError};
 * after the client's own `close()` it just ends. `return()` (a `break` out
 * of `for await`) unsubscribes it.
 */
export interface QmpEventStream<T> extends AsyncIterableIterator<T> {
  /** How many events the `'drop-oldest'` policy dropped. */
  readonly dropped: number;
  /** Stops the stream: resolves a waiting `next()` with `done`. */
  return(): Promise<IteratorResult<T, undefined>>;
}

/** Options of {@link connectQmp}. */
export interface QmpClientOptions {
  /** Enable out-of-band execution when the server offers it. Default true; false never enables it. */
  readonly oob?: boolean;
  /**
   * Check arguments before sending, with QEMU's strict input rules under
   * `compat`. Default true. A bad argument then rejects the call with a
   * {@link QmpError} (`fromServer: false`) naming the path in QEMU's words,
   * and nothing is written.
   */
  readonly check?: boolean;
  /** The compat policy the arguments are checked under (QEMU's `-compat`). Default: accept all. */
  readonly compat?: CompatPolicy;
  /**
   * How replies and events are read. Default: leniently (unknown members
   * ignored); `strict: true` rejects what the binding doesn't know.
   */
  readonly decode?: Omit<DecodeOptions, 'compat'>;
  /**
   * The longest line accepted from the server, in bytes. Default 64 MiB
   * (`query-qmp-schema` replies are hundreds of KB). A longer line closes
   * the connection with a {@link QmpConnectionError} of reason `line-limit`.
   */
  readonly maxLineBytes?: number;
  /**
   * Told about messages that are dropped, never thrown: a reply with an
   * unknown id, an event the binding doesn't know or can't decode, a message
   * of no known kind. Default: ignore them.
   */
  readonly onProtocolError?: (error: QmpProtocolError) => void;
  /**
   * Aborting gives up connecting: before the greeting, connectQmp rejects
   * with the signal's reason; during negotiation, with a
   * {@link QmpConnectionError} whose `cause` is that reason.
   */
  readonly signal?: AbortSignal;
  /**
   * Refuse, before sending, a call the server can't take although the
   * binding can: a command the server lacks, or an argument member (at any
   * depth) or enum value its schema doesn't have. Default false. When true,
   * connecting also fetches `query-qmp-schema` (see
   * {@link QmpClient.capabilities}), and such a call rejects with a
   * {@link QmpUnsupportedError} (`fromServer: false`): `QEMU 7.2.22 does not
   * support member 'backend-transfer' of 'migrate-set-parameters'`.
   */
  readonly refuseUnsupported?: boolean;
}

/**
 * A connected, negotiated QMP client, typed by a command map `C` and an
 * event map `E` (a generated `index.ts`'s `QmpCommands` and `QmpEvents`).
 */
export interface QmpClient<C extends QmpCommandMap<C>, E> {
  /** The server's greeting. */
  readonly greeting: QmpGreeting;
  /** Whether out-of-band execution was enabled in negotiation. */
  readonly oob: boolean;
  /** Whether the connection has ended (or is ending). */
  readonly isClosed: boolean;
  /**
   * Resolves once the connection has ended, with the cause: reason
   * `closed` after {@link close}, else what ended it. Never rejects.
   */
  readonly closed: Promise<QmpConnectionError>;
  /**
   * Runs a command and resolves with its return value, decoded (leniently by
   * default) into the typed value; `undefined` for a command that returns
   * `{}`. Commands with `'success-response': false` resolve once written.
   *
   * Rejects with: {@link QmpError} for an error reply (`fromServer: true`) or
   * arguments refused before sending (`fromServer: false`, the path in the
   * message, the {@link QapiValueError} as `cause`); {@link QmpReplyError}
   * when the reply doesn't fit the return type; {@link QmpTimeoutError};
   * the signal's reason when aborted; {@link QmpConnectionError} when the
   * connection ends first.
   */
  execute<K extends keyof C & string>(
    name: K,
    ...rest: QmpExecuteRest<C[K]>
  ): Promise<C[K]['returns']>;
  /**
   * Calls `handler` for each event named `name` (or every event, for `'*'`),
   * synchronously as it is read. Returns the function that unsubscribes.
   * Events that arrive before {@link connectQmp} resolves are held and
   * dispatched right after, so handlers added after the `await` get them.
   * A handler that throws is a bug: the error is rethrown asynchronously.
   */
  on<N extends keyof E & string>(name: N, handler: (event: QmpEvent<N, E[N]>) => void): () => void;
  on(name: '*', handler: (event: QmpEventOf<E>) => void): () => void;
  /** An async iterator over the events named `name`, or all events (see {@link QmpEventStream}). */
  events<N extends keyof E & string>(
    name: N,
    options?: QmpEventStreamOptions,
  ): QmpEventStream<QmpEvent<N, E[N]>>;
  events(name?: '*', options?: QmpEventStreamOptions): QmpEventStream<QmpEventOf<E>>;
  /**
   * What the server supports: its `query-qmp-schema`, fetched once (the
   * promise is kept; a failed fetch is tried again on the next call), with
   * libvirt's query paths, typed questions and a comparison with this
   * client's binding (see {@link QmpCapabilities}).
   */
  capabilities(): Promise<QmpCapabilities<C, E>>;
  /**
   * Closes the connection: pending calls reject with a
   * {@link QmpConnectionError} of reason `closed`, event streams end,
   * queued output is flushed. Idempotent; resolves when the socket is closed.
   */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/** Why a connection ended. */
export type QmpConnectionErrorReason =
  /** The client's own close(). */
  | 'closed'
  /** Connecting failed (no such socket, connection refused, …). */
  | 'connect'
  /** The server closed the connection. */
  | 'ended'
  /** The socket failed (reset, …); `cause` holds Node's error. */
  | 'socket'
  /** The server sent a line longer than `maxLineBytes`. */
  | 'line-limit'
  /** The server sent text that is not a JSON object, or no proper greeting. */
  | 'protocol'
  /** Capabilities negotiation failed (`cause` holds the server's {@link QmpError}). */
  | 'negotiation'
  /** The guest agent never answered `guest-sync-delimited` (after every attempt the client makes). */
  | 'sync';

/** The connection ended: every pending call rejects with this, and `client.closed` resolves with it. */
export class QmpConnectionError extends QapiError {
  /** Why. */
  readonly reason: QmpConnectionErrorReason;
  constructor(reason: QmpConnectionErrorReason, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.reason = reason;
  }
}
nameErrorClass(QmpConnectionError, 'QmpConnectionError');

/** A call timed out (the `timeout` option); its late reply is discarded. */
export class QmpTimeoutError extends QapiError {
  /** The command. */
  readonly command: string;
  /** The timeout, in milliseconds. */
  readonly timeout: number;
  constructor(command: string, timeout: number) {
    super(`No reply to ${command} within ${timeout} ms`);
    this.command = command;
    this.timeout = timeout;
  }
}
nameErrorClass(QmpTimeoutError, 'QmpTimeoutError');

/** A reply that doesn't fit the command's return type; `cause` says where, `reply` is what came. */
export class QmpReplyError extends QapiError {
  /** The command. */
  readonly command: string;
  /** The `return` value as read. */
  readonly reply: unknown;
  constructor(command: string, reply: unknown, cause: unknown) {
    // A QapiReplyError already says it all ("The reply to X does not fit its type: …").
    super(
      cause instanceof QapiReplyError
        ? cause.message
        : `The reply to ${command} does not fit its return type: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
    this.command = command;
    this.reply = reply;
  }
}
nameErrorClass(QmpReplyError, 'QmpReplyError');

/** What kind of message was dropped. */
export type QmpProtocolErrorKind =
  /** A reply whose id matches no call (not even one that timed out or was aborted). */
  | 'unknown-id'
  /** A reply without id that answers no call: a success, or an error with no call waiting. */
  | 'unmatched-reply'
  /** An event the binding doesn't know. */
  | 'unknown-event'
  /** An event whose data doesn't fit its type (`cause` says where). */
  | 'bad-event'
  /** A JSON object of no known kind. */
  | 'unexpected-message';

/** A message the client dropped, reported to `onProtocolError`; never thrown. */
export class QmpProtocolError extends QapiError {
  /** What kind of message. */
  readonly kind: QmpProtocolErrorKind;
  /** The message as read. */
  readonly received: JsonValue;
  constructor(kind: QmpProtocolErrorKind, message: string, received: JsonValue, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.kind = kind;
    this.received = received;
  }
}
nameErrorClass(QmpProtocolError, 'QmpProtocolError');

/** An event stream's buffer overflowed (policy `'error'`): the consumer fell more than `bufferSize` events behind. */
export class QmpEventOverflowError extends QapiError {
  /** The buffer size that was exceeded. */
  readonly bufferSize: number;
  constructor(bufferSize: number) {
    super(
      `The event stream fell more than ${bufferSize} events behind (raise bufferSize, or use overflow: 'drop-oldest')`,
    );
    this.bufferSize = bufferSize;
  }
}
nameErrorClass(QmpEventOverflowError, 'QmpEventOverflowError');

// ---------------------------------------------------------------------------
// Connecting
// ---------------------------------------------------------------------------

/** The default `maxLineBytes`: 64 MiB, QEMU's own token size limit. */
export const DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024;

/**
 * Connects to a QMP server, reads its greeting and negotiates capabilities
 * (`oob` when offered, unless `options.oob === false`).
 *
 * @throws {QmpConnectionError} when connecting or negotiating fails.
 */
export async function connectQmp<C extends QmpCommandMap<C>, E>(
  schema: QmpSchemaBinding,
  target: QmpTarget,
  options: QmpClientOptions = {},
): Promise<QmpClient<C, E>> {
  const client = new Client<C, E>(schema, options);
  await client.open(target);
  // Events read so far are dispatched after the caller's continuation has run,
  // so the handlers and streams it adds right after the `await` get them.
  setImmediate(client.release);
  return client;
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

interface Pending {
  readonly id: number;
  readonly command: string;
  /** Resolve with the reply as read, not decoded. */
  readonly raw: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
  timer: ReturnType<typeof setTimeout> | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

/** @internal */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

/** @internal A promise with its resolve and reject. */
export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

type Listener = (event: QmpEvent) => void;

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** @internal */
export function isJsonObject(v: unknown): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** @internal A short, printable excerpt of received text, for error messages. */
export function excerpt(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/** Whether `bytes[start..end)` holds JSON whitespace only (QEMU's: space, tab, CR, LF). */
function isBlank(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b !== 0x20 && b !== 0x0d && b !== 0x0a && b !== 0x09) return false;
  }
  return true;
}

/** @internal Opens the socket to a target (not yet connected: listen for 'connect' and 'error'). */
export function openSocket(target: QmpTarget): Socket {
  if (typeof target === 'string') return createConnection({ path: target });
  return 'path' in target
    ? createConnection({ path: target.path })
    : createConnection({ host: target.host, port: target.port });
}

/**
 * @internal Tells `hook` about a dropped message; a hook that throws is a
 * bug, rethrown asynchronously, never into the reader.
 */
export function reportProtocolError(
  hook: ((error: QmpProtocolError) => void) | undefined,
  kind: QmpProtocolErrorKind,
  message: string,
  received: JsonValue,
  cause?: unknown,
): void {
  if (hook === undefined) return;
  try {
    hook(new QmpProtocolError(kind, message, received, cause));
  } catch (e) {
    queueMicrotask(() => {
      throw e;
    });
  }
}

/** @internal */
export function describeTarget(target: QmpTarget): string {
  if (typeof target === 'string') return target;
  return 'path' in target ? target.path : `${target.host}:${target.port}`;
}

class Client<C extends QmpCommandMap<C>, E> implements QmpClient<C, E> {
  greeting: QmpGreeting = {
    version: { qemu: { major: 0, minor: 0, micro: 0 }, package: '' },
    capabilities: [],
  };
  oob = false;
  isClosed = false;
  readonly closed: Promise<QmpConnectionError>;

  private readonly schema: QmpSchemaBinding;
  private readonly check: boolean;
  private readonly compat: CompatPolicy | undefined;
  private readonly decodeOptions: DecodeOptions;
  private readonly maxLineBytes: number;
  private readonly onProtocolError: ((error: QmpProtocolError) => void) | undefined;
  private readonly connectSignal: AbortSignal | undefined;
  private readonly wantOob: boolean;
  private readonly refuseUnsupported: boolean;
  private capabilitiesPromise: Promise<QmpCapabilities<C, E>> | undefined;
  /** The capabilities, once fetched (refuseUnsupported checks calls against them). */
  private caps: QmpCapabilities<C, E> | undefined;

  private socket: Socket | undefined;
  private cause: QmpConnectionError | undefined;
  private resolveClosed!: (cause: QmpConnectionError) => void;
  private greeted: Deferred<void> | undefined;

  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Ids of calls that gave up (timeout, abort) or need no reply: their replies are dropped quietly. */
  private readonly abandoned = new Set<number>();

  // Input: the unfinished line, as the chunks it came in.
  private partial: Buffer[] = [];
  private partialBytes = 0;

  // Output: lines queued in this turn of the event loop, written at its end as one.
  private out: string[] = [];
  private outCallbacks: Array<(error: Error | null | undefined) => void> = [];
  private flushQueued = false;

  // Events.
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly streams = new Set<EventStream>();
  private holding = true;
  private held: QmpEvent[] = [];

  private readonly quoted = new Map<string, string>();
  /** Commands whose argument-less call passed the check. */
  private readonly checkedBare = new Set<string>();

  constructor(schema: QmpSchemaBinding, options: QmpClientOptions) {
    this.schema = schema;
    this.check = options.check !== false;
    this.compat = options.compat;
    this.decodeOptions = options.decode ?? {};
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.onProtocolError = options.onProtocolError;
    this.connectSignal = options.signal;
    this.wantOob = options.oob !== false;
    this.refuseUnsupported = options.refuseUnsupported === true;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  // -- connection -------------------------------------------------------------

  async open(target: QmpTarget): Promise<void> {
    const signal = this.connectSignal;
    if (signal?.aborted) throw signal.reason;
    const where = describeTarget(target);
    const greeted = deferred<void>();
    this.greeted = greeted;
    const socket = openSocket(target);
    this.socket = socket;
    socket.setNoDelay(true);
    let connected = false;
    socket.once('connect', () => {
      connected = true;
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      if (!connected)
        this.fail('connect', `Cannot connect to QMP server at ${where}: ${err.message}`, err);
      else this.fail('socket', `The QMP connection failed: ${err.message}`, err);
    });
    socket.on('close', () => {
      this.fail('ended', this.closeMessage());
      this.resolveClosed(this.cause!);
    });
    const onAbort = (): void => {
      greeted.reject(signal!.reason);
      this.failWith(
        new QmpConnectionError('connect', `Connecting to ${where} was aborted`, signal!.reason),
      );
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await greeted.promise;
      const enable = this.wantOob && this.greeting.capabilities.includes('oob') ? ['oob'] : [];
      try {
        await this.send(
          'qmp_capabilities',
          enable.length ? { enable } : undefined,
          undefined,
          false,
        );
      } catch (e) {
        if (e instanceof QmpError) {
          const err = new QmpConnectionError(
            'negotiation',
            `QMP capabilities negotiation failed: ${e.message}`,
            e,
          );
          this.failWith(err);
          throw err;
        }
        throw e;
      }
      this.oob = enable.length > 0;
      if (this.refuseUnsupported) {
        try {
          await this.capabilities();
        } catch (e) {
          const err = new QmpConnectionError(
            'negotiation',
            `Fetching query-qmp-schema (for refuseUnsupported) failed: ${e instanceof Error ? e.message : String(e)}`,
            e,
          );
          this.failWith(err);
          throw err;
        }
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private closeMessage(): string {
    const lost = this.partialBytes;
    return `The QMP server closed the connection${lost > 0 ? ` in the middle of a message (${lost} bytes of an unfinished line discarded)` : ''}`;
  }

  private fail(reason: QmpConnectionErrorReason, message: string, cause?: unknown): void {
    if (this.cause === undefined) this.failWith(new QmpConnectionError(reason, message, cause));
  }

  /** Ends the connection with `cause` (the first cause wins): everything pending rejects now. */
  private failWith(cause: QmpConnectionError): void {
    if (this.cause !== undefined) return;
    this.cause = cause;
    this.isClosed = true;
    if (cause.reason === 'closed') {
      // Our own close(): flush what is queued, then close.
      this.flush();
      const socket = this.socket;
      socket?.end(() => socket.destroy());
    } else {
      this.socket?.destroy();
    }
    this.greeted?.reject(cause);
    const pending = [...this.pending.values()];
    this.pending.clear();
    this.abandoned.clear();
    for (const p of pending) {
      this.disarm(p);
      p.reject(cause);
    }
    const callbacks = this.outCallbacks;
    this.out = [];
    this.outCallbacks = [];
    for (const cb of callbacks) cb(cause);
    // Held events are still delivered to whoever subscribed.
    this.release();
    for (const s of [...this.streams]) s.end(cause.reason === 'closed' ? undefined : cause);
    this.streams.clear();
    this.listeners.clear();
  }

  close(): Promise<void> {
    this.fail('closed', 'The QMP connection was closed by the client');
    return this.closed.then(() => undefined);
  }

  // -- input ------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      if (this.cause !== undefined) return;
      if (this.partialBytes > 0) {
        const len = this.partialBytes + (nl - start);
        if (len > this.maxLineBytes) return this.lineTooLong();
        this.partial.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.partial, len);
        this.partial = [];
        this.partialBytes = 0;
        this.onLine(line, 0, len);
      } else {
        if (nl - start > this.maxLineBytes) return this.lineTooLong();
        if (nl > start) this.onLine(chunk, start, nl);
      }
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length && this.cause === undefined) {
      this.partial.push(start === 0 ? chunk : chunk.subarray(start));
      this.partialBytes += chunk.length - start;
      if (this.partialBytes > this.maxLineBytes) this.lineTooLong();
    }
  }

  private lineTooLong(): void {
    this.partial = [];
    this.partialBytes = 0;
    this.fail(
      'line-limit',
      `The QMP server sent a line longer than ${this.maxLineBytes} bytes (the maxLineBytes limit); connection closed`,
    );
  }

  /** The line `bytes[start..end)`, without its `\n`. */
  private onLine(bytes: Buffer, start: number, end: number): void {
    // QEMU reads UTF-8 strictly, and so do we. Buffer#toString is the
    // fastest decoder but turns invalid UTF-8 into U+FFFD; it leaves no
    // U+FFFD unless there was one in the bytes or they were invalid (V8
    // answers the search at once on text without characters beyond U+00FF).
    // Only then are the bytes read by the strict decoder, which decides.
    const text = bytes.toString('utf8', start, end);
    let msg: JsonValue;
    try {
      msg =
        text.indexOf('\uFFFD') === -1
          ? parseQmpJson(text)
          : parseQmpJsonBytes(bytes.subarray(start, end));
    } catch (e) {
      // Blank lines (QEMU ends lines with CRLF) are no message.
      if (isBlank(bytes, start, end)) return;
      // `text` is for display only: invalid UTF-8 shows as U+FFFD there,
      // and the error names the byte.
      return this.fail(
        'protocol',
        `The QMP server sent text that is not JSON: ${excerpt(text)} (${e instanceof Error ? e.message : String(e)}); connection closed`,
        e,
      );
    }
    if (!isJsonObject(msg)) {
      return this.fail(
        'protocol',
        `The QMP server sent JSON that is not an object: ${excerpt(text)}; connection closed`,
      );
    }
    if (hasOwn(msg, 'return') || hasOwn(msg, 'error')) this.onReply(msg);
    else if (hasOwn(msg, 'event')) this.onEvent(msg);
    else if (hasOwn(msg, 'QMP') && this.greeted !== undefined) this.onGreeting(msg);
    else
      this.report(
        'unexpected-message',
        `Dropped a QMP message of no known kind: ${excerpt(text)}`,
        msg,
      );
    if (this.greeted !== undefined && this.cause === undefined) {
      this.fail(
        'protocol',
        `The QMP server did not start with a greeting: ${excerpt(text)}; connection closed`,
      );
    }
  }

  private onGreeting(msg: { [key: string]: JsonValue }): void {
    const qmp = msg['QMP'];
    const version = isJsonObject(qmp) ? qmp['version'] : undefined;
    const caps = isJsonObject(qmp) ? qmp['capabilities'] : undefined;
    if (!isJsonObject(version) || !isJsonObject(version['qemu']) || !Array.isArray(caps)) return;
    const q = version['qemu'];
    this.greeting = {
      version: {
        qemu: { major: Number(q['major']), minor: Number(q['minor']), micro: Number(q['micro']) },
        package: typeof version['package'] === 'string' ? version['package'] : '',
      },
      capabilities: caps.filter((c): c is string => typeof c === 'string'),
    };
    const greeted = this.greeted!;
    this.greeted = undefined;
    greeted.resolve();
  }

  private onReply(msg: { [key: string]: JsonValue }): void {
    const id = msg['id'];
    let p: Pending | undefined;
    if (id === undefined) {
      // QEMU's answer to input it could not read is an error without id: it belongs to the
      // oldest call. (We send every command with an id, so a success without one answers none.)
      const first = this.pending.values().next();
      if (first.done || !hasOwn(msg, 'error')) {
        this.report(
          'unmatched-reply',
          first.done
            ? 'Dropped a QMP reply without id: no call is waiting'
            : 'Dropped a QMP reply without id that is not an error: it answers no call',
          msg,
        );
        return;
      }
      p = first.value;
    } else {
      p = typeof id === 'number' ? this.pending.get(id) : undefined;
      if (p === undefined) {
        if (typeof id === 'number' && this.abandoned.delete(id)) return;
        this.report(
          'unknown-id',
          `Dropped a QMP reply with unknown id ${stringifyQmpJson(id)}`,
          msg,
        );
        return;
      }
    }
    this.pending.delete(p.id);
    this.disarm(p);
    const outcome = replyOutcome(this.schema, this.decodeOptions, p.command, p.raw, msg);
    if ('error' in outcome) p.reject(outcome.error);
    else p.resolve(outcome.value);
  }

  private report(
    kind: QmpProtocolErrorKind,
    message: string,
    received: JsonValue,
    cause?: unknown,
  ): void {
    reportProtocolError(this.onProtocolError, kind, message, received, cause);
  }

  // -- commands ---------------------------------------------------------------

  execute<K extends keyof C & string>(
    name: K,
    ...rest: QmpExecuteRest<C[K]>
  ): Promise<C[K]['returns']> {
    const args = rest[0] as unknown;
    const options = rest[1];
    if (this.cause !== undefined) return Promise.reject(this.cause);
    const info = hasOwn(this.schema.commands, name) ? this.schema.commands[name] : undefined;
    // An argument-less call of a command without arguments, checked once, is fine ever after
    // (the policy is fixed per client): the common case costs no walk.
    if (this.check && !(args === undefined && this.checkedBare.has(name))) {
      const refusal = argumentsRefusal(this.schema, name, args, this.compat);
      if (refusal !== null) return Promise.reject(refusal);
      if (args === undefined) this.checkedBare.add(name);
    }
    if (this.refuseUnsupported && this.caps !== undefined) {
      const refusal = this.caps.refusal(name, args);
      if (refusal !== null) return Promise.reject(refusal);
    }
    if (options?.oob === true) {
      if (info !== undefined && !info.allowOob)
        return Promise.reject(
          new QmpError('GenericError', `The command ${name} does not support OOB`, {
            command: name,
          }),
        );
      if (!this.oob)
        return Promise.reject(
          new QmpError(
            'GenericError',
            `Cannot send ${name} out-of-band: OOB is not enabled on this connection`,
            {
              command: name,
            },
          ),
        );
    }
    return this.send(name, args, options, info !== undefined && !info.successResponse) as Promise<
      C[K]['returns']
    >;
  }

  capabilities(): Promise<QmpCapabilities<C, E>> {
    if (this.capabilitiesPromise === undefined) {
      if (this.cause !== undefined) return Promise.reject(this.cause);
      const promise = this.send('query-qmp-schema', undefined, undefined, false, true).then(
        (reply) => {
          if (!Array.isArray(reply))
            throw new QmpReplyError('query-qmp-schema', reply, 'the reply is not a list');
          const caps = new QmpCapabilities<C, E>(reply as QmpSchemaInfo[], {
            version: this.greeting.version.qemu,
            binding: this.schema,
          });
          this.caps = caps;
          return caps;
        },
      );
      this.capabilitiesPromise = promise;
      // A failed fetch is not kept: the next call asks again.
      promise.catch(() => {
        if (this.capabilitiesPromise === promise) this.capabilitiesPromise = undefined;
      });
    }
    return this.capabilitiesPromise;
  }

  /** Writes a command; resolves with its decoded reply (as read, for `raw`; once written, for `noReply`). */
  private send(
    name: string,
    args: unknown,
    options: QmpExecuteOptions | undefined,
    noReply: boolean,
    raw = false,
  ): Promise<unknown> {
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let argsText: string | undefined;
    if (args !== undefined) {
      try {
        argsText = stringifyQmpJson(args as JsonValue);
      } catch (e) {
        return Promise.reject(e);
      }
    }
    const id = this.nextId++;
    let quoted = this.quoted.get(name);
    if (quoted === undefined) {
      quoted = JSON.stringify(name);
      this.quoted.set(name, quoted);
    }
    const line =
      (options?.oob === true ? '{"exec-oob":' : '{"execute":') +
      quoted +
      (argsText === undefined ? '' : ',"arguments":' + argsText) +
      ',"id":' +
      id +
      '}\n';
    if (noReply) {
      // No reply on success; an error reply would carry this id, and is dropped.
      this.abandon(id);
      return new Promise((resolve, reject) => {
        this.write(line, (err) => (err ? reject(err) : resolve(undefined)));
      });
    }
    return new Promise((resolve, reject) => {
      const p: Pending = {
        id,
        command: name,
        raw,
        resolve,
        reject,
        timer: undefined,
        signal,
        onAbort: undefined,
      };
      this.pending.set(id, p);
      const timeout = options?.timeout;
      if (timeout !== undefined)
        p.timer = setTimeout(() => this.giveUp(p, new QmpTimeoutError(name, timeout)), timeout);
      if (signal !== undefined) {
        p.onAbort = () => this.giveUp(p, signal.reason);
        signal.addEventListener('abort', p.onAbort, { once: true });
      }
      this.write(line, undefined);
    });
  }

  private giveUp(p: Pending, error: unknown): void {
    if (this.pending.get(p.id) !== p) return;
    this.pending.delete(p.id);
    this.abandon(p.id);
    this.disarm(p);
    p.reject(error);
  }

  /** Remembers an id whose reply is to be dropped quietly; only the most recent ones, so memory stays bounded. */
  private abandon(id: number): void {
    this.abandoned.add(id);
    if (this.abandoned.size > MAX_ABANDONED) {
      this.abandoned.delete(this.abandoned.values().next().value!);
    }
  }

  private disarm(p: Pending): void {
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.onAbort !== undefined) p.signal!.removeEventListener('abort', p.onAbort);
  }

  private write(
    line: string,
    callback: ((error: Error | null | undefined) => void) | undefined,
  ): void {
    this.out.push(line);
    if (callback !== undefined) this.outCallbacks.push(callback);
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(this.flush);
    }
  }

  /** Writes the queued lines as one chunk: pipelined calls cost one write, not one each. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    const socket = this.socket;
    if (this.out.length === 0 || socket === undefined || socket.destroyed) return;
    const data = this.out.length === 1 ? this.out[0]! : this.out.join('');
    this.out = [];
    const callbacks = this.outCallbacks;
    if (callbacks.length === 0) {
      socket.write(data);
      return;
    }
    this.outCallbacks = [];
    socket.write(data, (err) => {
      for (const cb of callbacks)
        cb(
          err
            ? new QmpConnectionError(
                'socket',
                `Writing to the QMP server failed: ${err.message}`,
                err,
              )
            : null,
        );
    });
  };

  // -- events -----------------------------------------------------------------

  private onEvent(msg: { [key: string]: JsonValue }): void {
    const name = msg['event'];
    if (typeof name !== 'string') {
      this.report('unexpected-message', "Dropped a QMP event whose 'event' is not a string", msg);
      return;
    }
    if (!hasOwn(this.schema.events, name)) {
      this.report('unknown-event', `Dropped the event ${name}: the binding does not know it`, msg);
      return;
    }
    let data: unknown;
    try {
      data = decodeEventData(
        this.schema.events,
        name,
        msg['data'],
        this.schema.int64,
        this.decodeOptions,
      );
    } catch (e) {
      this.report(
        'bad-event',
        e instanceof QapiReplyError
          ? `Dropped the event ${name}: ${e.message}`
          : `Dropped the event ${name}: its data does not fit its type: ${e instanceof Error ? e.message : String(e)}`,
        msg,
        e,
      );
      return;
    }
    const ts = msg['timestamp'];
    const timestamp: QmpTimestamp = isJsonObject(ts)
      ? { seconds: Number(ts['seconds'] ?? 0), microseconds: Number(ts['microseconds'] ?? 0) }
      : { seconds: 0, microseconds: 0 };
    const event: QmpEvent = { event: name, data, timestamp };
    if (this.holding) this.held.push(event);
    else this.deliver(event);
  }

  /** Ends the holding of early events: delivers them, in order, then every event as it comes. */
  readonly release = (): void => {
    if (!this.holding) return;
    this.holding = false;
    const held = this.held;
    this.held = [];
    for (const ev of held) this.deliver(ev);
  };

  private deliver(event: QmpEvent): void {
    const named = this.listeners.get(event.event);
    if (named !== undefined) this.call(named, event);
    const all = this.listeners.get('*');
    if (all !== undefined) this.call(all, event);
    for (const s of this.streams) if (s.name === undefined || s.name === event.event) s.push(event);
  }

  private call(set: Set<Listener>, event: QmpEvent): void {
    for (const listener of set) {
      try {
        listener(event);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  on(name: string, handler: (event: never) => void): () => void {
    const listener = handler as Listener;
    if (this.cause !== undefined) return () => {};
    let set = this.listeners.get(name);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener);
    return () => {
      this.listeners.get(name)?.delete(listener);
    };
  }

  events(name?: string, options: QmpEventStreamOptions = {}): QmpEventStream<never> {
    const stream = new EventStream(name === '*' ? undefined : name, options, (s) =>
      this.streams.delete(s),
    );
    if (this.cause !== undefined)
      stream.end(this.cause.reason === 'closed' ? undefined : this.cause);
    else this.streams.add(stream);
    return stream as unknown as QmpEventStream<never>;
  }
}

// ---------------------------------------------------------------------------
// Shared with the guest-agent client
// ---------------------------------------------------------------------------

/**
 * Checks a call's arguments as QEMU would (strict, under `compat`): the
 * error to reject the call with (a {@link QmpError} naming the path, or a
 * {@link CompatPolicyCrash}), or null when they are fine.
 * @internal
 */
export function argumentsRefusal(
  schema: QmpSchemaBinding,
  name: string,
  args: unknown,
  compat: CompatPolicy | undefined,
): unknown {
  try {
    decodeCommandArguments(schema.commands, name, args, schema.int64, { compat: compat ?? {} });
  } catch (e) {
    if (e instanceof CompatPolicyCrash) return e;
    if (e instanceof QmpError)
      return new QmpError(e.errorClass, e.message, { command: name, cause: e });
    if (e instanceof QapiPathError)
      return new QmpError('GenericError', e.message, { command: name, cause: e });
    return e;
  }
  return null;
}

/**
 * What a reply settles its call with: the server's error as a
 * {@link QmpError}, or the return value decoded (as read, for `raw`;
 * `undefined` for a command that returns `{}`), or a {@link QmpReplyError}
 * when it doesn't fit.
 * @internal
 */
export function replyOutcome(
  schema: QmpSchemaBinding,
  decodeOptions: DecodeOptions,
  command: string,
  raw: boolean,
  msg: { readonly [key: string]: JsonValue },
): { readonly error: unknown } | { readonly value: unknown } {
  const error = msg['error'];
  if (error !== undefined) {
    const cls =
      isJsonObject(error) && typeof error['class'] === 'string' ? error['class'] : 'GenericError';
    const desc =
      isJsonObject(error) && typeof error['desc'] === 'string'
        ? error['desc']
        : stringifyQmpJson(error);
    return { error: new QmpError(cls, desc, { command, fromServer: true }) };
  }
  const value = msg['return'];
  const info = hasOwn(schema.commands, command) ? schema.commands[command] : undefined;
  if (info === undefined || raw) return { value };
  try {
    const decoded = decodeCommandReturn(
      schema.commands,
      command,
      value,
      schema.int64,
      decodeOptions,
    );
    return { value: info.returns === null ? undefined : decoded };
  } catch (e) {
    return { error: new QmpReplyError(command, value, e) };
  }
}

// ---------------------------------------------------------------------------
// Event streams
// ---------------------------------------------------------------------------

const DEFAULT_BUFFER_SIZE = 10_000;

/** How many ids of calls given up (or needing no reply) are remembered, to drop their late replies quietly. */
/** @internal */
export const MAX_ABANDONED = 65_536;

class EventStream implements QmpEventStream<QmpEvent> {
  readonly name: string | undefined;
  dropped = 0;
  private readonly bufferSize: number;
  private readonly overflow: QmpEventOverflow;
  private buffer: QmpEvent[] = [];
  private head = 0;
  private waiter: Deferred<IteratorResult<QmpEvent, undefined>> | undefined;
  private done = false;
  /** Why the stream ended (undefined: it just ended); thrown once the buffer is drained. */
  private error: unknown;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort: (() => void) | undefined;
  private readonly detach: (s: EventStream) => void;

  constructor(
    name: string | undefined,
    options: QmpEventStreamOptions,
    detach: (s: EventStream) => void,
  ) {
    this.name = name;
    this.bufferSize = Math.max(1, options.bufferSize ?? DEFAULT_BUFFER_SIZE);
    this.overflow = options.overflow ?? 'error';
    this.detach = detach;
    const signal = options.signal;
    this.signal = signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        this.onAbort = undefined;
        this.abort(signal.reason);
      } else {
        this.onAbort = () => this.abort(signal.reason);
        signal.addEventListener('abort', this.onAbort, { once: true });
      }
    }
  }

  push(event: QmpEvent): void {
    if (this.done) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      w.resolve({ value: event, done: false });
      return;
    }
    if (this.buffer.length - this.head >= this.bufferSize) {
      if (this.overflow === 'drop-oldest') {
        this.head++;
        this.dropped++;
      } else {
        this.end(new QmpEventOverflowError(this.bufferSize));
        return;
      }
    }
    this.buffer.push(event);
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }

  /** Ends the stream: with `error`, thrown once the buffered events are read. */
  end(error?: unknown): void {
    if (this.done) return;
    this.done = true;
    this.error = error;
    this.detach(this);
    if (this.onAbort !== undefined) this.signal!.removeEventListener('abort', this.onAbort);
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.settleEnd(w);
    }
  }

  private abort(reason: unknown): void {
    // Aborting drops what is buffered: the consumer asked to stop.
    this.buffer = [];
    this.head = 0;
    this.end(reason);
  }

  private settleEnd(w: Deferred<IteratorResult<QmpEvent, undefined>>): void {
    const error = this.error;
    if (error !== undefined) {
      this.error = undefined;
      w.reject(error);
    } else {
      w.resolve({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<QmpEvent, undefined>> {
    if (this.head < this.buffer.length) {
      const value = this.buffer[this.head]!;
      this.buffer[this.head++] = undefined as unknown as QmpEvent;
      if (this.head === this.buffer.length) {
        this.buffer = [];
        this.head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.waiter !== undefined) return this.waiter.promise;
    const w = deferred<IteratorResult<QmpEvent, undefined>>();
    if (this.done) this.settleEnd(w);
    else this.waiter = w;
    return w.promise;
  }

  return(): Promise<IteratorResult<QmpEvent, undefined>> {
    this.buffer = [];
    this.head = 0;
    this.error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
