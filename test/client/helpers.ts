/**
 * Shared set-up of the QMP client tests: schema bindings built from QEMU's
 * real schemas (the plan tables generated code holds, linked by the
 * runtime), and a raw line-based socket for talking to servers directly.
 */
import { createConnection, type Socket } from 'node:net';
import { loadSchema } from '../../generator/api.js';
import { linkSchema } from '../../generator/validate/validate.js';
import type { QmpSchemaBinding } from '../../templates/runtime/qmp-client.js';
import { sharedPath } from '../helpers/fixtures.js';

/** The schema the unit tests bind: QEMU 7.2.0's, the release Debian ships as qemu-system-x86. */
export const SCHEMA_72 = 'qemu/7.2.0/qapi/qapi-schema.json';

/**
 * Command and event maps for the tests. The tests run untyped (vitest strips
 * types), so a loose map stands in for the generated `QmpCommands`; the
 * type-level fit of the client to generated maps is checked with tsc on a
 * generated output (see the report of this work).
 */
export type Commands = Record<string, { args: any; returns: any; allowOob: boolean; successResponse: boolean }>;
export type Events = Record<string, any>;

const cache = new Map<string, Promise<QmpSchemaBinding>>();

/** The binding of a shared schema (lenient docs, for the older releases). */
export function bindingFor(rel: string = SCHEMA_72, int64: 'number' | 'bigint' = 'number'): Promise<QmpSchemaBinding> {
  const key = `${rel}\0${int64}`;
  let b = cache.get(key);
  if (b === undefined) {
    b = loadSchema(sharedPath(rel), { lenientDocs: true, warn: () => {} }).then((schema) => {
      const linked = linkSchema(schema, int64);
      return { commands: linked.commands, events: linked.events, int64 };
    });
    cache.set(key, b);
  }
  return b;
}

/** A raw QMP peer: writes lines, reads lines (JSON.parse'd), nothing else. */
export class RawPeer {
  private readonly socket: Socket;
  private buffer = '';
  private readonly lines: unknown[] = [];
  private waiters: Array<() => void> = [];
  readonly ended: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.buffer += text;
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl).trim();
        this.buffer = this.buffer.slice(nl + 1);
        if (line !== '') this.lines.push(JSON.parse(line));
      }
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    this.ended = new Promise((resolve) => socket.on('close', () => resolve()));
    socket.on('error', () => {});
  }

  static connect(path: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = createConnection({ path }, () => resolve(new RawPeer(s)));
      s.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.socket.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n');
  }

  /** The next message read. */
  async next(): Promise<any> {
    while (this.lines.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return this.lines.shift();
  }

  /** Sends a message and reads the next one. */
  async call(msg: unknown): Promise<any> {
    this.send(msg);
    return this.next();
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A StatusInfo of 7.2. */
export function status(s = 'running'): { running: boolean; singlestep: boolean; status: string } {
  return { running: s === 'running', singlestep: false, status: s };
}
