/**
 * A small piece of a VM manager: tune migration for a VM, through the
 * bindings `npm run codegen` made from the synced QEMU schema.
 */
import { QmpError, type MigrateSetParameters, type QmpClient, type QmpCommands, type QmpEvents } from '../generated/qmp/index.js';

/** What the manager wants for a migration. */
export interface MigrationPlan {
  /** Bytes per second. */
  readonly bandwidth: number;
  /** Parallel channels; more than one turns multifd on. */
  readonly channels: number;
}

/** The arguments of migrate-set-parameters for a plan: typed, so a typo in a member is a compile error. */
export function parametersFor(plan: MigrationPlan): MigrateSetParameters {
  return { 'max-bandwidth': plan.bandwidth, 'multifd-channels': plan.channels };
}

/** Applies a plan and reads back what QEMU took; a refused value comes back as QEMU's error text. */
export async function applyPlan(qmp: QmpClient<QmpCommands, QmpEvents>, plan: MigrationPlan): Promise<{ bandwidth: number | undefined; channels: number | undefined } | string> {
  try {
    await qmp.execute('migrate-set-parameters', parametersFor(plan));
  } catch (e) {
    if (e instanceof QmpError) return e.message;
    throw e;
  }
  const now = await qmp.execute('query-migrate-parameters');
  return { bandwidth: now['max-bandwidth'], channels: now['multifd-channels'] };
}
