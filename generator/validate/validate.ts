/**
 * `qapi-ts validate`: checks QMP messages against a schema with the same
 * runtime the generated code uses, interpreting the same plan tables that
 * generated `X.plan.ts` files hold, so verdicts and messages are the
 * generated code's.
 */
import { readFileSync } from 'node:fs';
import type { QapiSchema } from '../model/schema.js';
import { parseCompatPolicy, type CompatPolicy } from '../../templates/runtime/compat.js';
import { checkQmpMessage, type MessageVerdict } from '../../templates/runtime/qmp.js';
import { CompatPolicyCrash } from '../../templates/runtime/errors.js';
import { linkPlans, definePlans, type PlanSchema } from '../../templates/runtime/plans.js';
import { planSchema } from '../plan/plans.js';
import { tableOf } from '../emit/plan-table.js';

export interface ValidateOptions {
  compat?: string;
  replyTo?: string;
  strict?: boolean;
  int64?: 'number' | 'bigint';
}

export interface FileVerdict {
  file: string;
  verdict: MessageVerdict;
}

/** The schema's plan tables, exactly as generated code holds them, linked by the runtime. */
export function linkSchema(schema: QapiSchema, int64: 'number' | 'bigint'): PlanSchema {
  return linkPlans(planSchema(schema).modules.map((m) => definePlans(tableOf(m))), { int64 });
}

/** A checker for one schema: build the tables once, check many messages. */
export function messageChecker(schema: QapiSchema, options: ValidateOptions): (text: string) => MessageVerdict {
  const linked = linkSchema(schema, options.int64 ?? 'number');
  const commands = linked.commands;
  const events = linked.events;
  const compat: CompatPolicy = options.compat ? parseCompatPolicy(options.compat) : {};
  if (options.replyTo !== undefined && !Object.prototype.hasOwnProperty.call(commands, options.replyTo)) {
    throw new Error(`--reply-to: the command ${options.replyTo} has not been found`);
  }
  return (text) =>
    checkQmpMessage(text, commands, events, {
      int64: options.int64 ?? 'number',
      compat,
      ...(options.replyTo !== undefined ? { replyTo: options.replyTo } : {}),
      ...(options.strict ? { strict: true } : {}),
    });
}

/** Checks each file ('-' is standard input); a file that can't be read gets an error verdict. */
export function validateFiles(schema: QapiSchema, files: string[], options: ValidateOptions): FileVerdict[] {
  const check = messageChecker(schema, options);
  return files.map((file) => {
    let text: string;
    try {
      text = readFileSync(file === '-' ? 0 : file, 'utf8');
    } catch (e) {
      return { file, verdict: { ok: false, error: `can't read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` } };
    }
    try {
      return { file, verdict: check(text) };
    } catch (e) {
      // The compat policy 'crash': QEMU would abort on this message.
      if (e instanceof CompatPolicyCrash) return { file, verdict: { ok: false, error: `QEMU would abort (policy crash): ${e.message}` } };
      throw e;
    }
  });
}
