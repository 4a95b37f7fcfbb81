// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * A typed client for the QEMU guest agent (qemu-ga), which speaks QMP's
 * commands without QMP's session: no greeting, no capabilities negotiation,
 * no events, no introspection. What it has instead is a sync handshake.
 *
 * ```ts
 * const agent = await connectQga<QmpCommands>(binding, '/run/qemu/vm1-ga.sock');
 * const info = await agent.execute('guest-get-osinfo'); // typed GuestOSInfo
 * await agent.close();
 * ```
 *
 * The stream can't be trusted until the client has synced
 * (`docs/interop/qemu-ga-ref.rst`, `guest-sync-delimited`): the other end
 * may hold half a request of an earlier client, and the socket may still
 * carry replies meant for it. So the client:
 *
 * 1. writes the byte 0xFF (the agent resets its JSON parser on it) and then
 *    `guest-sync-delimited` with a random 64-bit id;
 * 2. discards everything it reads up to a 0xFF byte (the agent prefixes its
 *    answer with one), including the agent's error reply to the 0xFF itself
 *    (`JSON parse error, stray '\uFFFD'` from QGA 7.2);
 * 3. reads replies until the one that returns that id.
 *
 * It syncs on connect, after any call times out, and after anything that
 * shows the stream is out of step (a reply with an id it never sent, text
 * that is not JSON). Calls made while it syncs wait, then go out. A late
 * reply to a call that timed out is discarded by its id. A reply that
 * arrives before the sentinel, complete and carrying the id of a call still
 * waiting, is delivered: ids make it trustworthy.
 *
 * Commands with `'success-response': false` (`guest-shutdown`,
 * `guest-suspend-*`) send no reply when they succeed; see
 * {@link QgaExecuteOptions.until}.
 *
 * Depends on Node's `net` and `crypto` and the sibling runtime files only:
 * this file is copied into generated output.
 */

import { randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { CompatPolicy } from './compat.js';
import { QapiError, nameErrorClass } from './errors.js';
import { parseQmpJson, stringifyQmpJson, type JsonValue } from './json.js';
import { QmpError, type DecodeOptions } from './qmp.js';
import {
  DEFAULT_MAX_LINE_BYTES,
  MAX_ABANDONED,
  QmpConnectionError,
  type QmpProtocolError,
  QmpTimeoutError,
  argumentsRefusal,
  deferred,
  describeTarget,
  openSocket,
  reportProtocolError,
  excerpt,
  isJsonObject,
  replyOutcome,
  type Deferred,
  type QmpCommandMap,
  type QmpCommandSignature,
  type QmpConnectionErrorReason,
  type QmpEvent,
  type QmpProtocolErrorKind,
  type QmpSchemaBinding,
  type QmpTarget,
} from './qmp-client.js';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** Options of {@link connectQga}. */
export interface QgaClientOptions {
  /**
   * Check arguments before sending, with QEMU's strict input rules under
   * `compat`. Default true. A bad argument rejects the call with a
   * {@link QmpError} (`fromServer: false`) naming the path; nothing is written.
   */
  readonly check?: boolean;
  /** The compat policy the arguments are checked under. Default: accept all. */
  readonly compat?: CompatPolicy;
  /** How replies are read. Default: leniently; `strict: true` rejects what the binding doesn't know. */
  readonly decode?: Omit<DecodeOptions, 'compat'>;
  /** The longest line accepted from the agent, in bytes. Default 64 MiB. */
  readonly maxLineBytes?: number;
  /** Milliseconds to wait for the answer to one sync before trying again with a new id. Default 5,000. */
  readonly syncTimeout?: number;
  /**
   * How many syncs in a row may go unanswered before the client gives up:
   * the connection then ends with a {@link QmpConnectionError} of reason
   * `sync` (`connectQga` rejects with it). Default 3.
   */
  readonly syncAttempts?: number;
  /** Milliseconds each call waits for its reply, unless the call says otherwise. Default: no limit. */
  readonly timeout?: number;
  /**
   * Told about what the client discarded or found out of step, never thrown:
   * a reply to no call, text that is not JSON (each followed by a resync),
   * the error reply to a command sent without waiting. Default: ignore them.
   */
  readonly onProtocolError?: (error: QmpProtocolError) => void;
  /** Aborting gives up connecting: connectQga rejects with the signal's reason. */
  readonly signal?: AbortSignal;
}

/** What {@link QgaExecuteOptions.until} waits for, for a command that sends no reply on success. */
export type QgaNoReplyWait =
  /** Resolve once the command is written (the default): an error reply later is only reported. */
  | 'written'
  /** Resolve when the agent goes away (its socket closes); an error reply rejects. */
  | 'disconnect'
  /**
   * Resolve on the `SHUTDOWN` event of this QMP client of the same VM (the
   * guest has shut down); an error reply rejects.
   */
  | { readonly shutdownOf: QgaShutdownSource };

/** A QMP client of the VM whose agent this is; the generated QMP `connect()` gives one. */
export interface QgaShutdownSource {
  /** Subscribes to an event; returns the function that unsubscribes. */
  on(name: 'SHUTDOWN', handler: (event: QmpEvent<'SHUTDOWN', unknown>) => void): () => void;
}

/** Options of one {@link QgaClient.execute} call. */
export interface QgaExecuteOptions {
  /** Aborting rejects the call with the signal's reason; a late reply is discarded. */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds to wait for the reply (default: the client's `timeout`);
   * then the call rejects with {@link QmpTimeoutError} and the client resyncs.
   */
  readonly timeout?: number;
  /** For a command with `'success-response': false`: when the call resolves. Default `'written'`. */
  readonly until?: QgaNoReplyWait;
}

/** The parameters after the command name: the arguments (optional when none are required), then the options. */
export type QgaExecuteRest<S extends QmpCommandSignature> = {} extends S['args']
  ? [args?: S['args'], options?: QgaExecuteOptions]
  : [args: S['args'], options?: QgaExecuteOptions];

/** One command as the agent lists it in `guest-info`. */
export interface QgaCommandInfo {
  /** The command's name. */
  readonly name: string;
  /** false when disabled (blocked with `-b`, or not available on this guest). */
  readonly enabled: boolean;
  /** false for a command that sends no reply on success. */
  readonly successResponse: boolean;
}

/** A connected, synced guest-agent client, typed by a command map `C` (a generated `QmpCommands`). */
export interface QgaClient<C extends QmpCommandMap<C>> {
  /** Whether the connection has ended (or is ending). */
  readonly isClosed: boolean;
  /** Resolves once the connection has ended, with the cause (reason `closed` after {@link close}). Never rejects. */
  readonly closed: Promise<QmpConnectionError>;
  /** How many syncs have completed (1 right after connecting). */
  readonly syncs: number;
  /**
   * Runs a command and resolves with its return value, decoded (leniently
   * by default); `undefined` for a command that returns `{}`.
   *
   * Rejects with: {@link QmpError} for the agent's error reply
   * (`fromServer: true`, e.g. `CommandNotFound` for a blocked command) or
   * arguments refused before sending (`fromServer: false`);
   * {@link QmpReplyError} when the reply doesn't fit the return type;
   * {@link QmpTimeoutError}; the signal's reason when aborted;
   * {@link QmpConnectionError} when the connection ends first.
   */
  execute<K extends keyof C & string>(
    name: K,
    ...rest: QgaExecuteRest<C[K]>
  ): Promise<C[K]['returns']>;
  /** Syncs again now (calls made meanwhile wait); resolves once synced. */
  sync(): Promise<void>;
  /**
   * What the agent supports: its `guest-info`, fetched once (a failed fetch
   * is tried again on the next call), compared with the binding.
   */
  capabilities(): Promise<QgaCapabilities<C>>;
  /** Closes the connection: waiting calls reject with reason `closed`. Idempotent. */
  close(): Promise<void>;
}

/** The agent's `guest-info`, and how it compares with the binding. */
export class QgaCapabilities<C> {
  /** The agent's version, e.g. `7.2.22`. */
  readonly version: string;
  /** Every command the agent lists, by name. */
  readonly commands: ReadonlyMap<string, QgaCommandInfo>;
  private readonly known: ReadonlySet<string>;

  constructor(info: unknown, binding: QmpSchemaBinding) {
    const o = isJsonObject(info) ? info : {};
    this.version = typeof o['version'] === 'string' ? o['version'] : '';
    const list = Array.isArray(o['supported_commands']) ? o['supported_commands'] : [];
    const commands = new Map<string, QgaCommandInfo>();
    for (const c of list) {
      if (!isJsonObject(c) || typeof c['name'] !== 'string') continue;
      commands.set(c['name'], {
        name: c['name'],
        enabled: c['enabled'] === true,
        successResponse: c['success-response'] !== false,
      });
    }
    this.commands = commands;
    this.known = new Set(Object.keys(binding.commands));
  }

  /** Whether the agent has this command and it is enabled. */
  supports(name: keyof C & string): boolean {
    return this.commands.get(name)?.enabled === true;
  }

  /** The binding's commands this agent lacks or has disabled, sorted. */
  unavailable(): string[] {
    return [...this.known].filter((n) => this.commands.get(n)?.enabled !== true).sort();
  }

  /** The agent's commands the binding doesn't know (a newer agent), sorted. */
  unknown(): string[] {
    return [...this.commands.keys()].filter((n) => !this.known.has(n)).sort();
  }
}

/** The guest agent sent something that isn't a reply at all (the stream is out of step); the client resyncs. */
export class QgaDesyncError extends QapiError {
  /** What was read. */
  readonly received: string;
  constructor(message: string, received: string) {
    super(message);
    this.received = received;
  }
}
nameErrorClass(QgaDesyncError, 'QgaDesyncError');

// ---------------------------------------------------------------------------
// Connecting
// ---------------------------------------------------------------------------

/**
 * Connects to a guest agent (a UNIX socket path, `{ path }`, or TCP
 * `{ host, port }`: the host side of its virtio-serial chardev) and syncs.
 *
 * @throws {QmpConnectionError} when connecting fails, or no sync is answered
 *   (reason `sync`).
 */
export async function connectQga<C extends QmpCommandMap<C>>(
  schema: QmpSchemaBinding,
  target: QmpTarget,
  options: QgaClientOptions = {},
): Promise<QgaClient<C>> {
  const client = new Agent<C>(schema, options);
  await client.open(target);
  return client;
}

// ---------------------------------------------------------------------------
// The client
// ---------------------------------------------------------------------------

const SENTINEL = 0xff;
const NEWLINE = 10;
const DEFAULT_SYNC_TIMEOUT = 5_000;
const DEFAULT_SYNC_ATTEMPTS = 3;

interface Call {
  readonly id: number;
  readonly command: string;
  readonly raw: boolean;
  /** For a no-reply command waiting for the agent to go away: the end resolves it. */
  readonly endResolves: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
  cleanup: Array<() => void>;
}

interface Sync {
  readonly id: bigint;
  readonly done: Deferred<void>;
  /** Whether the 0xFF of its answer has been read. */
  sentinel: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

function writeError(err: Error): QmpConnectionError {
  return new QmpConnectionError('socket', `Writing to the guest agent failed: ${err.message}`, err);
}

/** A random 64-bit id (QGA's `int`), as a bigint: written as digits, compared exactly. */
function syncId(): bigint {
  return randomBytes(8).readBigInt64BE(0);
}

class Agent<C extends QmpCommandMap<C>> implements QgaClient<C> {
  isClosed = false;
  syncs = 0;
  readonly closed: Promise<QmpConnectionError>;

  private readonly schema: QmpSchemaBinding;
  private readonly check: boolean;
  private readonly compat: CompatPolicy | undefined;
  private readonly decodeOptions: DecodeOptions;
  private readonly maxLineBytes: number;
  private readonly syncTimeout: number;
  private readonly syncAttempts: number;
  private readonly defaultTimeout: number | undefined;
  private readonly onProtocolError: ((error: QmpProtocolError) => void) | undefined;
  private readonly connectSignal: AbortSignal | undefined;

  private socket: Socket | undefined;
  private cause: QmpConnectionError | undefined;
  private resolveClosed!: (cause: QmpConnectionError) => void;

  private nextId = 1;
  private readonly calls = new Map<number, Call>();
  /** Ids of calls that gave up (timeout, abort) or need no reply, with their commands: their replies are dropped. */
  private readonly abandoned = new Map<number, string>();
  /** Lines of calls made while syncing: written once synced. */
  private queued: Array<{ line: string; written?: (error: unknown) => void }> = [];
  private current: Sync | undefined;
  private failedSyncs = 0;
  private capabilitiesPromise: Promise<QgaCapabilities<C>> | undefined;

  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(schema: QmpSchemaBinding, options: QgaClientOptions) {
    this.schema = schema;
    this.check = options.check !== false;
    this.compat = options.compat;
    this.decodeOptions = options.decode ?? {};
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.syncTimeout = options.syncTimeout ?? DEFAULT_SYNC_TIMEOUT;
    this.syncAttempts = Math.max(1, options.syncAttempts ?? DEFAULT_SYNC_ATTEMPTS);
    this.defaultTimeout = options.timeout;
    this.onProtocolError = options.onProtocolError;
    this.connectSignal = options.signal;
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  // -- connection -------------------------------------------------------------

  async open(target: QmpTarget): Promise<void> {
    const signal = this.connectSignal;
    if (signal?.aborted) throw signal.reason;
    const where = describeTarget(target);
    const socket = openSocket(target);
    this.socket = socket;
    socket.setNoDelay(true);
    const connected = deferred<void>();
    let isConnected = false;
    socket.once('connect', () => {
      isConnected = true;
      connected.resolve();
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      if (!isConnected)
        this.fail('connect', `Cannot connect to the guest agent at ${where}: ${err.message}`, err);
      else this.fail('socket', `The guest-agent connection failed: ${err.message}`, err);
    });
    socket.on('close', () => {
      this.fail('ended', this.endMessage());
      this.resolveClosed(this.cause!);
    });
    void this.closed.then((cause) => connected.reject(cause));
    const onAbort = (): void => {
      this.fail('connect', `Connecting to ${where} was aborted`, signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await connected.promise;
      await this.sync();
    } catch (e) {
      if (signal?.aborted) throw signal.reason;
      throw e;
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private endMessage(): string {
    const lost = this.partialBytes;
    return `The guest agent closed the connection${lost > 0 ? ` in the middle of a reply (${lost} bytes of an unfinished line discarded)` : ''}`;
  }

  private fail(reason: QmpConnectionErrorReason, message: string, cause?: unknown): void {
    if (this.cause !== undefined) return;
    const error = new QmpConnectionError(reason, message, cause);
    this.cause = error;
    this.isClosed = true;
    if (reason === 'closed') {
      const socket = this.socket;
      socket?.end(() => socket.destroy());
    } else {
      this.socket?.destroy();
    }
    const sync = this.current;
    this.current = undefined;
    if (sync !== undefined) {
      if (sync.timer !== undefined) clearTimeout(sync.timer);
      sync.done.reject(error);
    }
    const calls = [...this.calls.values()];
    this.calls.clear();
    for (const c of calls) {
      for (const f of c.cleanup) f();
      // A no-reply command waiting for the agent to go away has got what it waited for.
      if (c.endResolves && reason === 'ended') c.resolve(undefined);
      else c.reject(error);
    }
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) q.written?.(error);
  }

  close(): Promise<void> {
    this.fail('closed', 'The guest-agent connection was closed by the client');
    return this.closed.then(() => undefined);
  }

  // -- sync -------------------------------------------------------------------

  sync(): Promise<void> {
    if (this.cause !== undefined) return Promise.reject(this.cause);
    if (this.current !== undefined) return this.current.done.promise;
    const sync: Sync = { id: syncId(), done: deferred<void>(), sentinel: false, timer: undefined };
    this.current = sync;
    // Nothing read before the sentinel can be trusted to continue: the unfinished line goes.
    this.partial = [];
    this.partialBytes = 0;
    const line = `{"execute":"guest-sync-delimited","arguments":{"id":${sync.id}}}\n`;
    this.socket!.write(Buffer.concat([Buffer.of(SENTINEL), Buffer.from(line, 'utf8')]));
    sync.timer = setTimeout(() => this.syncTimedOut(sync), this.syncTimeout);
    return sync.done.promise;
  }

  private syncTimedOut(sync: Sync): void {
    if (this.current !== sync) return;
    this.current = undefined;
    this.failedSyncs++;
    if (this.failedSyncs >= this.syncAttempts) {
      this.fail(
        'sync',
        `The guest agent did not answer guest-sync-delimited (${this.failedSyncs} attempts, ${this.syncTimeout} ms each): is it running on the other end?`,
      );
      sync.done.reject(this.cause);
      return;
    }
    // A new sync with a new id: the answer to this one, if it ever comes, is discarded.
    this.sync().then(sync.done.resolve, sync.done.reject);
  }

  private synced(sync: Sync): void {
    if (sync.timer !== undefined) clearTimeout(sync.timer);
    this.current = undefined;
    this.failedSyncs = 0;
    this.syncs++;
    const queued = this.queued;
    this.queued = [];
    if (queued.length > 0) {
      const socket = this.socket!;
      socket.write(queued.map((q) => q.line).join(''), (err) => {
        const error = err ? writeError(err) : null;
        for (const q of queued) q.written?.(error);
      });
    }
    sync.done.resolve();
  }

  /** Starts a resync unless one is under way (timeouts and desyncs call it). */
  private resync(): void {
    if (this.cause === undefined && this.current === undefined) this.sync().catch(() => {});
  }

  // -- input ------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    let start = 0;
    for (let i = 0; i < chunk.length && this.cause === undefined; i++) {
      const byte = chunk[i];
      if (byte !== NEWLINE && byte !== SENTINEL) continue;
      this.take(chunk, start, i);
      start = i + 1;
      if (byte === SENTINEL) {
        // The agent's "reset your parser": what came before it on this line is garbage.
        this.partial = [];
        this.partialBytes = 0;
        if (this.current !== undefined) this.current.sentinel = true;
      } else {
        const line =
          this.partial.length === 1
            ? this.partial[0]!
            : Buffer.concat(this.partial, this.partialBytes);
        this.partial = [];
        this.partialBytes = 0;
        if (line.length > 0) this.onLine(line.toString('utf8'));
      }
    }
    if (this.cause === undefined) this.take(chunk, start, chunk.length);
  }

  /** Adds bytes to the unfinished line. */
  private take(chunk: Buffer, from: number, to: number): void {
    if (to <= from) return;
    this.partial.push(chunk.subarray(from, to));
    this.partialBytes += to - from;
    if (this.partialBytes > this.maxLineBytes) {
      this.partial = [];
      this.partialBytes = 0;
      this.fail(
        'line-limit',
        `The guest agent sent a line longer than ${this.maxLineBytes} bytes (the maxLineBytes limit); connection closed`,
      );
    }
  }

  private onLine(text: string): void {
    let msg: JsonValue;
    try {
      msg = parseQmpJson(text);
    } catch (e) {
      if (text.trim() === '') return;
      return this.outOfStep(
        text,
        `The guest agent sent text that is not JSON: ${excerpt(text)} (${e instanceof Error ? e.message : String(e)})`,
      );
    }
    const sync = this.current;
    if (
      !isJsonObject(msg) ||
      !(
        Object.prototype.hasOwnProperty.call(msg, 'return') ||
        Object.prototype.hasOwnProperty.call(msg, 'error')
      )
    ) {
      return this.outOfStep(
        text,
        `The guest agent sent a message that is not a reply: ${excerpt(text)}`,
      );
    }
    const id = msg['id'];
    const call = typeof id === 'number' ? this.calls.get(id) : undefined;
    if (call !== undefined) return this.settle(call, msg);
    if (sync !== undefined) {
      // Syncing: only the answer to this sync counts; everything else is stale.
      const value = msg['return'];
      if (
        sync.sentinel &&
        id === undefined &&
        (typeof value === 'number' || typeof value === 'bigint') &&
        BigInt(value) === sync.id
      )
        this.synced(sync);
      return;
    }
    const abandoned = typeof id === 'number' ? this.abandoned.get(id) : undefined;
    if (abandoned !== undefined) {
      this.abandoned.delete(id as number);
      const error = msg['error'];
      if (error !== undefined) {
        const desc =
          isJsonObject(error) && typeof error['desc'] === 'string' ? error['desc'] : excerpt(text);
        this.report(
          'unmatched-reply',
          `${abandoned} failed after the client stopped waiting for it: ${desc}`,
          msg,
        );
      }
      return;
    }
    if (id === undefined && msg['error'] !== undefined) {
      // The agent's answer to input it could not read carries no id: it belongs to the oldest call.
      const first = this.calls.values().next();
      if (!first.done) return this.settle(first.value, msg);
    }
    this.report(
      id === undefined ? 'unmatched-reply' : 'unknown-id',
      `Dropped a reply that answers no call: ${excerpt(text)}; resyncing`,
      msg,
    );
    this.resync();
  }

  private outOfStep(text: string, message: string): void {
    // While syncing, garbage is expected (it is what syncing is for).
    if (this.current !== undefined) return;
    this.report(
      'unexpected-message',
      `${message}; resyncing`,
      text,
      new QgaDesyncError(message, text),
    );
    this.resync();
  }

  private settle(call: Call, msg: { readonly [key: string]: JsonValue }): void {
    this.calls.delete(call.id);
    for (const f of call.cleanup) f();
    if (call.endResolves && msg['error'] === undefined) {
      // A success reply to a no-reply command (an agent that answers anyway).
      call.resolve(undefined);
      return;
    }
    const outcome = replyOutcome(this.schema, this.decodeOptions, call.command, call.raw, msg);
    if ('error' in outcome) call.reject(outcome.error);
    else call.resolve(outcome.value);
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
    ...rest: QgaExecuteRest<C[K]>
  ): Promise<C[K]['returns']> {
    const args = rest[0] as unknown;
    const options = rest[1];
    if (this.cause !== undefined) return Promise.reject(this.cause);
    if (this.check) {
      const refusal = argumentsRefusal(this.schema, name, args, this.compat);
      if (refusal !== null) return Promise.reject(refusal);
    }
    const info = Object.prototype.hasOwnProperty.call(this.schema.commands, name)
      ? this.schema.commands[name]
      : undefined;
    const noReply = info !== undefined && !info.successResponse;
    return this.send(name, args, options, noReply, false) as Promise<C[K]['returns']>;
  }

  capabilities(): Promise<QgaCapabilities<C>> {
    if (this.capabilitiesPromise === undefined) {
      if (this.cause !== undefined) return Promise.reject(this.cause);
      const promise = this.send('guest-info', undefined, undefined, false, true).then(
        (info) => new QgaCapabilities<C>(info, this.schema),
      );
      this.capabilitiesPromise = promise;
      promise.catch(() => {
        if (this.capabilitiesPromise === promise) this.capabilitiesPromise = undefined;
      });
    }
    return this.capabilitiesPromise;
  }

  private send(
    name: string,
    args: unknown,
    options: QgaExecuteOptions | undefined,
    noReply: boolean,
    raw: boolean,
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
    const line = `{"execute":${JSON.stringify(name)}${argsText === undefined ? '' : `,"arguments":${argsText}`},"id":${id}}\n`;
    const until = noReply ? (options?.until ?? 'written') : undefined;
    if (until === 'written') {
      this.abandon(id, name);
      return new Promise((resolve, reject) =>
        this.write(line, (err) => (err ? reject(err) : resolve(undefined))),
      );
    }
    return new Promise((resolve, reject) => {
      const call: Call = {
        id,
        command: name,
        raw,
        endResolves: until === 'disconnect',
        resolve,
        reject,
        cleanup: [],
      };
      this.calls.set(id, call);
      const timeout = options?.timeout ?? this.defaultTimeout;
      if (timeout !== undefined) {
        const timer = setTimeout(() => {
          this.giveUp(call, new QmpTimeoutError(name, timeout));
          this.resync();
        }, timeout);
        call.cleanup.push(() => clearTimeout(timer));
      }
      if (signal !== undefined) {
        const onAbort = (): void => this.giveUp(call, signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        call.cleanup.push(() => signal.removeEventListener('abort', onAbort));
      }
      if (typeof until === 'object') {
        const off = until.shutdownOf.on('SHUTDOWN', () => {
          if (this.calls.get(id) !== call) return;
          this.calls.delete(id);
          this.abandon(id, name);
          for (const f of call.cleanup) f();
          resolve(undefined);
        });
        call.cleanup.push(off);
      }
      this.write(line, undefined);
    });
  }

  private giveUp(call: Call, error: unknown): void {
    if (this.calls.get(call.id) !== call) return;
    this.calls.delete(call.id);
    this.abandon(call.id, call.command);
    for (const f of call.cleanup) f();
    call.reject(error);
  }

  private abandon(id: number, command: string): void {
    this.abandoned.set(id, command);
    if (this.abandoned.size > MAX_ABANDONED)
      this.abandoned.delete(this.abandoned.keys().next().value!);
  }

  private write(line: string, written: ((error: unknown) => void) | undefined): void {
    if (this.current !== undefined) {
      this.queued.push(written === undefined ? { line } : { line, written });
      return;
    }
    this.socket!.write(
      line,
      written === undefined ? undefined : (err) => written(err ? writeError(err) : null),
    );
  }
}
