// @ts-nocheck
// Type-checked in qapi-ts's own build (see its README).
/**
 * A fake QEMU for tests: a QMP server on a UNIX socket that speaks the
 * protocol as QEMU does (greeting, capabilities negotiation first, OOB),
 * checks every command strictly with the same generated rules QEMU's
 * generated code applies, answers with typed handlers, sends typed events
 * on demand, and misbehaves on request (delays, out-of-order replies, partial
 * lines, garbage, disconnects).
 *
 * ```ts
 * const server = await createFakeQmpServer<QmpCommands, QmpEvents>(binding, {
 *   handlers: { 'query-status': () => ({ status: 'running', running: true }) },
 * });
 * const client = await connectQmp<QmpCommands, QmpEvents>(binding, server.path);
 * server.emit('STOP', {});
 * await server.close();
 * ```
 *
 * Input is read one JSON object per line (as clients send it), output is
 * written one per line, as QEMU writes it.
 *
 * Depends on Node's `node:net`, `node:fs`, `node:os`, `node:path` and the
 * sibling runtime files only: this file is copied into generated output.
 */

import { mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CompatPolicy } from './compat.js';
import { CompatPolicyCrash, QapiPathError } from './errors.js';
import { decodeQmpUtf8, parseQmpJson, stringifyQmpJson, type JsonValue } from './json.js';
import type {
  QmpCommandMap,
  QmpGreeting,
  QmpSchemaBinding,
  QmpTimestamp,
  QmpVersionInfo,
} from './qmp-client.js';
import { QmpError, decodeCommandArguments, decodeCommandReturn, decodeEventData } from './qmp.js';

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/** What a handler learns about the call besides its arguments. */
export interface FakeQmpCall {
  /** The command. */
  readonly command: string;
  /** The call's `id`, if it had one. */
  readonly id: JsonValue | undefined;
  /** Whether it came as `exec-oob`. */
  readonly oob: boolean;
  /** The connection it came on (0, 1, … in order of connection). */
  readonly connection: number;
}

/**
 * Answers one command: returns (or resolves with) its typed return value,
 * or throws a {@link QmpError} to send an error reply with that class and
 * description. Anything else thrown becomes a `GenericError` with its message.
 */
export type FakeQmpHandler<C extends QmpCommandMap<C>, K extends keyof C> = (
  args: C[K]['args'],
  call: FakeQmpCall,
) => C[K]['returns'] | Promise<C[K]['returns']>;

/** Handlers by command name. A command in the schema without a handler fails with a `GenericError` saying so. */
export type FakeQmpHandlers<C extends QmpCommandMap<C>> = {
  readonly [K in keyof C]?: FakeQmpHandler<C, K>;
};

/** One event of the map `E`, as a fault script names it. */
export type FakeQmpEventSpec<E> = {
  [N in keyof E]: { readonly event: N; readonly data: E[N] };
}[keyof E];

/**
 * A scripted fault. It applies to the replies of the next `times` (default 1)
 * commands named `command` (default: any command but `qmp_capabilities`):
 *
 * - `delay`: the command takes `ms` milliseconds (in-band commands queued
 *   behind it wait, as in QEMU);
 * - `reorder`: the replies of the next `count` matching commands are held,
 *   then sent in reverse order;
 * - `partial`: the reply line is written in `pieces` chunks, `gapMs` apart;
 * - `garbage`: `text` (default `}{ not json`) is sent instead of the reply;
 * - `disconnect`: the first `bytes` bytes of the reply (default half) are
 *   sent, then the connection is dropped;
 * - `drop`: no reply is sent;
 * - `strip-id`: the reply is sent without its `id`;
 * - `wrong-id`: the reply is sent with `id` instead of its own;
 * - `events-first`: `events` are sent just before the reply (with
 *   `command: 'qmp_capabilities'`: events a client reads before negotiation
 *   has ended).
 */
export type FakeQmpFault<E = Record<string, unknown>> = {
  /** The command whose reply it applies to; default any but `qmp_capabilities`. */
  readonly command?: string;
  /** How many replies it applies to; default 1. */
  readonly times?: number;
} & (
  | { readonly type: 'delay'; readonly ms: number }
  | { readonly type: 'reorder'; readonly count: number }
  | { readonly type: 'partial'; readonly pieces?: number; readonly gapMs?: number }
  | { readonly type: 'garbage'; readonly text?: string }
  | { readonly type: 'disconnect'; readonly bytes?: number }
  | { readonly type: 'drop' }
  | { readonly type: 'strip-id' }
  | { readonly type: 'wrong-id'; readonly id: JsonValue }
  | { readonly type: 'events-first'; readonly events: readonly FakeQmpEventSpec<E>[] }
);

/** Options of {@link createFakeQmpServer}. */
export interface FakeQmpServerOptions<C extends QmpCommandMap<C>> {
  /** The typed handlers. */
  readonly handlers?: FakeQmpHandlers<C>;
  /** The greeting; default QEMU 7.2.0 offering `oob`. */
  readonly greeting?: {
    readonly version?: QmpVersionInfo;
    readonly capabilities?: readonly string[];
  };
  /** Where to listen; default `qmp.sock` in a fresh temporary directory. */
  readonly socketPath?: string;
  /** The compat policy commands are checked under (QEMU's `-compat`). */
  readonly compat?: CompatPolicy;
  /**
   * Check what handlers return, strictly, against the command's return type,
   * and what {@link FakeQmpServer.emit} sends against the event's type.
   * Default true: a bad handler result becomes a `GenericError` reply naming
   * the path, and is recorded in {@link FakeQmpServer.errors}.
   */
  readonly checkReplies?: boolean;
}

/** A running fake QEMU. */
export interface FakeQmpServer<C extends QmpCommandMap<C>, E> {
  /** The socket path to connect to. */
  readonly path: string;
  /** The greeting it sends. */
  readonly greeting: QmpGreeting;
  /** Every line received, on every connection, in order. */
  readonly received: readonly string[];
  /** Handler failures and bad handler results (the client saw an error reply for each). */
  readonly errors: readonly Error[];
  /** How many connections are open. */
  readonly connections: number;
  /** How many connections have completed capabilities negotiation and are open. */
  readonly negotiated: number;
  /**
   * Sends an event (timestamped now) to every connection that has completed
   * negotiation, as QEMU does; returns how many got it.
   *
   * @throws {QapiValueError} when `checkReplies` is on and the data doesn't fit the event's type.
   */
  emit<N extends keyof E & string>(name: N, data: E[N]): number;
  /** Queues a scripted fault (see {@link FakeQmpFault}). */
  fault(fault: FakeQmpFault<E>): void;
  /** Writes `text` as it is (no newline added) to every open connection. */
  sendRaw(text: string): void;
  /** Drops every connection at once. */
  disconnectAll(): void;
  /** Resolves once `count` lines in all have been received. */
  waitForReceived(count: number): Promise<void>;
  /** Resolves once `count` connections in all have completed negotiation. */
  waitForNegotiated(count: number): Promise<void>;
  /** Stops listening, drops every connection and removes the socket (and the temporary directory). Idempotent. */
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

const DEFAULT_VERSION: QmpVersionInfo = { qemu: { major: 7, minor: 2, micro: 0 }, package: '' };

/**
 * Starts a fake QEMU listening on a UNIX socket (in a fresh temporary
 * directory unless `socketPath` is given).
 */
export async function createFakeQmpServer<C extends QmpCommandMap<C>, E>(
  schema: QmpSchemaBinding,
  options: FakeQmpServerOptions<C> = {},
): Promise<FakeQmpServer<C, E>> {
  const server = new FakeServer<C, E>(schema, options);
  await server.listen();
  return server;
}

interface Reply {
  readonly line: string;
  readonly command: string;
  readonly msg: { [key: string]: JsonValue };
}

type Fault = FakeQmpFault<Record<string, unknown>> & { remaining: number };

class Connection {
  readonly index: number;
  readonly socket: Socket;
  negotiated = false;
  oob = false;
  /** The bytes of a line not ended yet, as received. */
  partial: Buffer[] = [];
  /** In-band requests waiting to run, one at a time (QEMU runs them in order). */
  readonly queue: Array<{ [key: string]: JsonValue }> = [];
  busy = false;
  /** Replies held by a `reorder` fault. */
  held: Reply[] = [];
  holdLeft = 0;
  constructor(index: number, socket: Socket) {
    this.index = index;
    this.socket = socket;
  }
}

interface Waiter {
  readonly count: number;
  readonly resolve: () => void;
}

class FakeServer<C extends QmpCommandMap<C>, E> implements FakeQmpServer<C, E> {
  readonly path: string;
  readonly greeting: QmpGreeting;
  readonly received: string[] = [];
  readonly errors: Error[] = [];
  private readonly dir: string | undefined;
  private readonly schema: QmpSchemaBinding;
  private readonly handlers: { readonly [name: string]: FakeQmpHandler<C, keyof C> | undefined };
  private readonly compat: CompatPolicy;
  private readonly checkReplies: boolean;
  private readonly server: Server;
  private readonly open = new Set<Connection>();
  private faults: Fault[] = [];
  private connectionCount = 0;
  private negotiatedTotal = 0;
  private receivedWaiters: Waiter[] = [];
  private negotiatedWaiters: Waiter[] = [];
  private closing: Promise<void> | undefined;

  constructor(schema: QmpSchemaBinding, options: FakeQmpServerOptions<C>) {
    this.schema = schema;
    this.handlers = (options.handlers ?? {}) as FakeServer<C, E>['handlers'];
    this.compat = options.compat ?? {};
    this.checkReplies = options.checkReplies !== false;
    this.greeting = {
      version: options.greeting?.version ?? DEFAULT_VERSION,
      capabilities: options.greeting?.capabilities ?? ['oob'],
    };
    if (options.socketPath !== undefined) {
      this.dir = undefined;
      this.path = options.socketPath;
    } else {
      this.dir = mkdtempSync(join(tmpdir(), 'qapi-ts-fake-qmp-'));
      this.path = join(this.dir, 'qmp.sock');
    }
    this.server = createServer((socket) => this.accept(socket));
  }

  get connections(): number {
    return this.open.size;
  }

  get negotiated(): number {
    let n = 0;
    for (const c of this.open) if (c.negotiated) n++;
    return n;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.path, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  // -- connections ------------------------------------------------------------

  private accept(socket: Socket): void {
    const conn = new Connection(this.connectionCount++, socket);
    this.open.add(conn);
    // Bytes, not text: each line is decoded whole, strictly (see onLineBytes).
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.open.delete(conn));
    this.write(conn, {
      QMP: {
        version: this.greeting.version as unknown as JsonValue,
        capabilities: [...this.greeting.capabilities],
      },
    });
  }

  private onData(conn: Connection, chunk: Buffer): void {
    let start = 0;
    let nl = chunk.indexOf(10);
    while (nl >= 0) {
      let bytes = chunk.subarray(start, nl);
      if (conn.partial.length > 0) {
        conn.partial.push(bytes);
        bytes = Buffer.concat(conn.partial);
        conn.partial = [];
      }
      this.onLineBytes(conn, bytes);
      start = nl + 1;
      nl = chunk.indexOf(10, start);
    }
    if (start < chunk.length) conn.partial.push(chunk.subarray(start));
  }

  /**
   * Decodes a line as QEMU reads it: UTF-8, strictly. Invalid UTF-8 is a JSON
   * parse error, answered like any other (Buffer#toString would turn it into
   * U+FFFD silently; it leaves no U+FFFD unless the bytes held one or were
   * invalid, and only then does the strict decoder decide).
   */
  private onLineBytes(conn: Connection, bytes: Buffer): void {
    let text = bytes.toString('utf8');
    let invalid: unknown;
    if (text.indexOf('\uFFFD') !== -1) {
      try {
        text = decodeQmpUtf8(bytes);
      } catch (e) {
        invalid = e; // `text` keeps U+FFFD, for `received` only
      }
    }
    const line = text.trim();
    if (line !== '' || invalid !== undefined) this.onLine(conn, line, invalid);
  }

  /** A line received; `invalid` is its decoding error, if it is not UTF-8. */
  private onLine(conn: Connection, line: string, invalid?: unknown): void {
    this.received.push(line);
    this.notify(this.receivedWaiters, this.received.length);
    let msg: JsonValue;
    try {
      if (invalid !== undefined) throw invalid;
      msg = parseQmpJson(line);
    } catch (e) {
      // QEMU answers `JSON parse error, <why>`; most of our reasons say it already.
      const why = e instanceof Error ? e.message : String(e);
      this.sendError(
        conn,
        'GenericError',
        why.startsWith('JSON parse error, ') ? why : `JSON parse error, ${why}`,
        undefined,
      );
      return;
    }
    if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) {
      this.sendError(conn, 'GenericError', 'QMP input must be a JSON object', undefined);
      return;
    }
    // OOB commands run at once; in-band ones queue, one at a time.
    if (
      conn.oob &&
      Object.prototype.hasOwnProperty.call(msg, 'exec-oob') &&
      !Object.prototype.hasOwnProperty.call(msg, 'execute')
    ) {
      void this.dispatchSafely(conn, msg);
      return;
    }
    conn.queue.push(msg);
    this.pump(conn);
  }

  private pump(conn: Connection): void {
    while (!conn.busy && conn.queue.length > 0) {
      const msg = conn.queue.shift()!;
      const done = this.dispatchSafely(conn, msg);
      if (done !== undefined) {
        conn.busy = true;
        void done.then(() => {
          conn.busy = false;
          this.pump(conn);
        });
      }
    }
  }

  /** {@link dispatch}, an unexpected failure (a bug here) recorded and answered with a GenericError. */
  private dispatchSafely(
    conn: Connection,
    msg: { [key: string]: JsonValue },
  ): Promise<void> | undefined {
    try {
      return this.dispatch(conn, msg);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      this.errors.push(err);
      return this.sendError(conn, 'GenericError', err.message, msg['id']);
    }
  }

  /** Runs one request; returns a promise only when it did not finish at once. */
  private dispatch(conn: Connection, msg: { [key: string]: JsonValue }): Promise<void> | undefined {
    const id = msg['id'];
    // QEMU's qmp_dispatch_check_obj.
    let execKey: string | undefined;
    for (const key of Object.keys(msg)) {
      const value = msg[key];
      if (key === 'execute' || (key === 'exec-oob' && conn.oob)) {
        if (typeof value !== 'string')
          return this.sendError(
            conn,
            'GenericError',
            `QMP input member '${key}' must be a string`,
            id,
          );
        // QEMU walks the members in its hash table's order, which puts exec-oob first.
        if (execKey !== undefined)
          return this.sendError(
            conn,
            'GenericError',
            "QMP input member 'execute' clashes with 'exec-oob'",
            id,
          );
        execKey = key;
      } else if (key === 'arguments') {
        if (typeof value !== 'object' || value === null || Array.isArray(value))
          return this.sendError(
            conn,
            'GenericError',
            "QMP input member 'arguments' must be an object",
            id,
          );
      } else if (key !== 'id') {
        return this.sendError(conn, 'GenericError', `QMP input member '${key}' is unexpected`, id);
      }
    }
    if (execKey === undefined)
      return this.sendError(conn, 'GenericError', "QMP input lacks member 'execute'", id);
    const command = msg[execKey] as string;
    const oob = execKey === 'exec-oob';
    const call: FakeQmpCall = { command, id, oob, connection: conn.index };
    if (!conn.negotiated) {
      // Before negotiation only qmp_capabilities exists, and a missing command is explained.
      if (command !== 'qmp_capabilities')
        return this.sendError(
          conn,
          'CommandNotFound',
          "Expecting capabilities negotiation with 'qmp_capabilities'",
          id,
          command,
        );
      return this.negotiate(conn, msg, call);
    }
    if (command === 'qmp_capabilities')
      return this.sendError(
        conn,
        'CommandNotFound',
        'Capabilities negotiation is already complete, command ignored',
        id,
        command,
      );
    const info = Object.prototype.hasOwnProperty.call(this.schema.commands, command)
      ? this.schema.commands[command]
      : undefined;
    if (info === undefined)
      return this.sendError(
        conn,
        'CommandNotFound',
        `The command ${command} has not been found`,
        id,
        command,
      );
    let args: unknown;
    try {
      args = this.checkArguments(command, msg['arguments'], oob);
    } catch (e) {
      if (e instanceof CompatPolicyCrash) {
        // QEMU aborts.
        this.errors.push(e);
        conn.socket.destroy();
        return undefined;
      }
      if (e instanceof QmpError) return this.sendError(conn, e.errorClass, e.message, id, command);
      throw e;
    }
    return this.run(conn, call, args, info.returns === null, info.successResponse);
  }

  private checkArguments(command: string, args: JsonValue | undefined, oob: boolean): unknown {
    const info = this.schema.commands[command]!;
    if (oob && !info.allowOob)
      throw new QmpError('GenericError', `The command ${command} does not support OOB`);
    try {
      return decodeCommandArguments(this.schema.commands, command, args ?? {}, this.schema.int64, {
        compat: this.compat,
      });
    } catch (e) {
      if (e instanceof QapiPathError && !(e instanceof CompatPolicyCrash))
        throw new QmpError('GenericError', e.message);
      throw e;
    }
  }

  private negotiate(
    conn: Connection,
    msg: { [key: string]: JsonValue },
    call: FakeQmpCall,
  ): undefined {
    const id = msg['id'];
    let args: { enable?: string[] };
    try {
      // A schema without QEMU's control.json (a test schema, say) has no qmp_capabilities:
      // the protocol still needs it, so its arguments are checked by QEMU's rule here.
      args = !Object.prototype.hasOwnProperty.call(this.schema.commands, 'qmp_capabilities')
        ? capabilitiesArguments(msg['arguments'])
        : (decodeCommandArguments(
            this.schema.commands,
            'qmp_capabilities',
            msg['arguments'] ?? {},
            this.schema.int64,
            {
              compat: this.compat,
            },
          ) as { enable?: string[] });
    } catch (e) {
      const desc = e instanceof Error ? e.message : String(e);
      const cls = e instanceof QmpError ? e.errorClass : 'GenericError';
      // In negotiation mode QEMU replaces the text of every CommandNotFound.
      return this.sendError(
        conn,
        cls,
        cls === 'CommandNotFound'
          ? "Expecting capabilities negotiation with 'qmp_capabilities'"
          : desc,
        id,
        'qmp_capabilities',
      );
    }
    const unavailable = (args.enable ?? []).filter((c) => !this.greeting.capabilities.includes(c));
    if (unavailable.length > 0)
      return this.sendError(
        conn,
        'GenericError',
        `Capability ${unavailable.join(', ')} not available`,
        id,
        'qmp_capabilities',
      );
    conn.negotiated = true;
    conn.oob = (args.enable ?? []).includes('oob');
    this.negotiatedTotal++;
    this.reply(conn, call, { return: {}, ...(id === undefined ? {} : { id }) });
    this.notify(this.negotiatedWaiters, this.negotiatedTotal);
    return undefined;
  }

  private run(
    conn: Connection,
    call: FakeQmpCall,
    args: unknown,
    returnsNothing: boolean,
    successResponse: boolean,
  ): Promise<void> | undefined {
    const delay = this.takeFault(call.command, 'delay');
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, call.command)
      ? this.handlers[call.command]
      : undefined;
    const finish = (value: unknown): void => {
      if (!successResponse) return;
      if (returnsNothing && value === undefined) value = {};
      else if (this.checkReplies) {
        try {
          decodeCommandReturn(this.schema.commands, call.command, value, this.schema.int64, {
            strict: true,
          });
        } catch (e) {
          const err = new Error(
            `fake QMP server: the handler of ${call.command} returned a bad value: ${e instanceof Error ? e.message : String(e)}`,
          );
          this.errors.push(err);
          this.sendError(conn, 'GenericError', err.message, call.id, call.command);
          return;
        }
      }
      this.reply(conn, call, {
        return: value as JsonValue,
        ...(call.id === undefined ? {} : { id: call.id }),
      });
    };
    const failed = (e: unknown): void => {
      if (e instanceof QmpError) {
        this.sendError(conn, e.errorClass, e.message, call.id, call.command);
      } else {
        const err = e instanceof Error ? e : new Error(String(e));
        this.errors.push(err);
        this.sendError(conn, 'GenericError', err.message, call.id, call.command);
      }
    };
    const invoke = (): Promise<void> | undefined => {
      if (handler === undefined) {
        if (call.command === 'query-version') {
          finish(this.greeting.version);
          return undefined;
        }
        failed(new Error(`fake QMP server: no handler for ${call.command}`));
        return undefined;
      }
      let result: unknown;
      try {
        result = handler(args as never, call);
      } catch (e) {
        failed(e);
        return undefined;
      }
      if (result instanceof Promise) return result.then(finish, failed);
      finish(result);
      return undefined;
    };
    if (delay !== undefined && delay.type === 'delay') {
      return new Promise<void>((resolve) => setTimeout(resolve, delay.ms)).then(() => invoke());
    }
    return invoke();
  }

  // -- output -----------------------------------------------------------------

  private sendError(
    conn: Connection,
    cls: string,
    desc: string,
    id: JsonValue | undefined,
    command = '',
  ): undefined {
    const msg: { [key: string]: JsonValue } = { error: { class: cls, desc } };
    if (id !== undefined) msg['id'] = id;
    this.reply(conn, { command, id, oob: false, connection: conn.index }, msg);
    return undefined;
  }

  /** Sends a reply, through whatever fault applies to it. */
  private reply(conn: Connection, call: FakeQmpCall, msg: { [key: string]: JsonValue }): void {
    const first = this.takeFault(call.command, 'events-first');
    if (first !== undefined && first.type === 'events-first') {
      for (const ev of first.events)
        this.write(conn, this.eventMessage(ev.event as string, ev.data));
    }
    const strip = this.takeFault(call.command, 'strip-id');
    if (strip !== undefined) delete msg['id'];
    const wrong = this.takeFault(call.command, 'wrong-id');
    if (wrong !== undefined && wrong.type === 'wrong-id') msg['id'] = wrong.id;
    const reply: Reply = { line: stringifyQmpJson(msg) + '\n', command: call.command, msg };
    const reorder = this.takeFault(call.command, 'reorder');
    if (reorder !== undefined && reorder.type === 'reorder') conn.holdLeft = reorder.count;
    if (conn.holdLeft > 0) {
      conn.held.push(reply);
      if (--conn.holdLeft === 0) {
        const held = conn.held.reverse();
        conn.held = [];
        for (const r of held) this.sendLine(conn, r);
      }
      return;
    }
    this.sendLine(conn, reply);
  }

  private sendLine(conn: Connection, reply: Reply): void {
    const fault = this.takeFault(reply.command, ['drop', 'garbage', 'partial', 'disconnect']);
    if (fault === undefined) {
      conn.socket.write(reply.line);
      return;
    }
    switch (fault.type) {
      case 'drop':
        return;
      case 'garbage':
        conn.socket.write((fault.text ?? '}{ not json') + '\n');
        return;
      case 'disconnect': {
        const bytes = Buffer.from(reply.line, 'utf8');
        conn.socket.end(bytes.subarray(0, fault.bytes ?? Math.floor(bytes.length / 2)), () =>
          conn.socket.destroy(),
        );
        return;
      }
      case 'partial': {
        const bytes = Buffer.from(reply.line, 'utf8');
        const pieces = Math.max(1, Math.min(fault.pieces ?? 3, bytes.length));
        const gap = fault.gapMs ?? 5;
        const size = Math.ceil(bytes.length / pieces);
        for (let i = 0; i < pieces; i++) {
          const piece = bytes.subarray(i * size, (i + 1) * size);
          setTimeout(() => {
            if (!conn.socket.destroyed) conn.socket.write(piece);
          }, i * gap);
        }
        return;
      }
      default:
        conn.socket.write(reply.line);
    }
  }

  /** The next fault of one of `types` for `command`, used up once. */
  private takeFault(command: string, types: string | readonly string[]): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (typeof types === 'string' ? f.type !== types : !types.includes(f.type)) continue;
      // A fault without a command applies to any command but qmp_capabilities (and not to errors for unreadable input).
      if (
        f.command === undefined
          ? command === 'qmp_capabilities' || command === ''
          : f.command !== command
      )
        continue;
      if (--f.remaining <= 0) this.faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  private write(conn: Connection, msg: { [key: string]: JsonValue }): void {
    if (!conn.socket.destroyed) conn.socket.write(stringifyQmpJson(msg) + '\n');
  }

  private eventMessage(name: string, data: unknown): { [key: string]: JsonValue } {
    const now = Date.now();
    const timestamp: QmpTimestamp = {
      seconds: Math.floor(now / 1000),
      microseconds: (now % 1000) * 1000,
    };
    const msg: { [key: string]: JsonValue } = {
      timestamp: timestamp as unknown as JsonValue,
      event: name,
    };
    const info = Object.prototype.hasOwnProperty.call(this.schema.events, name)
      ? this.schema.events[name]
      : undefined;
    if (
      info === undefined ||
      info.data !== null ||
      (data !== undefined && Object.keys(data as object).length > 0)
    ) {
      msg['data'] = (data ?? {}) as JsonValue;
    }
    return msg;
  }

  private notify(waiters: Waiter[], value: number): void {
    if (waiters.length === 0) return;
    const still = waiters.filter((w) => {
      if (value < w.count) return true;
      w.resolve();
      return false;
    });
    waiters.length = 0;
    waiters.push(...still);
  }

  // -- public -----------------------------------------------------------------

  emit<N extends keyof E & string>(name: N, data: E[N]): number {
    if (this.checkReplies)
      decodeEventData(this.schema.events, name, data ?? {}, this.schema.int64, { strict: true });
    const line = stringifyQmpJson(this.eventMessage(name, data)) + '\n';
    let n = 0;
    for (const c of this.open) {
      if (c.negotiated && !c.socket.destroyed) {
        c.socket.write(line);
        n++;
      }
    }
    return n;
  }

  fault(fault: FakeQmpFault<E>): void {
    this.faults.push({
      ...(fault as unknown as FakeQmpFault),
      remaining: fault.times ?? 1,
    } as Fault);
  }

  sendRaw(text: string): void {
    for (const c of this.open) if (!c.socket.destroyed) c.socket.write(text);
  }

  disconnectAll(): void {
    for (const c of this.open) c.socket.destroy();
  }

  waitForReceived(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.receivedWaiters.push({ count, resolve }));
  }

  waitForNegotiated(count: number): Promise<void> {
    if (this.negotiatedTotal >= count) return Promise.resolve();
    return new Promise((resolve) => this.negotiatedWaiters.push({ count, resolve }));
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      for (const c of this.open) c.socket.destroy();
      this.server.close(() => {
        if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
        else {
          try {
            unlinkSync(this.path);
          } catch {
            // Already gone.
          }
        }
        resolve();
      });
    });
    return this.closing;
  }
}

/** `qmp_capabilities` arguments as QEMU's control.json declares them: `{ '*enable': ['QMPCapability'] }`. */
function capabilitiesArguments(args: JsonValue | undefined): { enable?: string[] } {
  if (args === undefined) return {};
  if (typeof args !== 'object' || args === null || Array.isArray(args))
    throw new QmpError('GenericError', "QMP input member 'arguments' must be an object");
  for (const key of Object.keys(args))
    if (key !== 'enable') throw new QmpError('GenericError', `Parameter '${key}' is unexpected`);
  const enable = args['enable'];
  if (enable === undefined) return {};
  if (!Array.isArray(enable))
    throw new QmpError('GenericError', "Invalid parameter type for 'enable', expected: array");
  enable.forEach((c, i) => {
    if (typeof c !== 'string')
      throw new QmpError(
        'GenericError',
        `Invalid parameter type for 'enable[${i}]', expected: string`,
      );
    if (c !== 'oob')
      throw new QmpError('GenericError', `Parameter 'enable[${i}]' does not accept value '${c}'`);
  });
  return { enable: enable as string[] };
}
