/** The program against the fake QEMU that the generated bindings bring (it checks every call as QEMU would). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect, createFakeServer, type MigrationParameters } from '../generated/qmp/index.js';
import { applyPlan, parametersFor } from '../src/migration.js';

test('a plan is applied and read back', async () => {
  const state: MigrationParameters = {};
  const server = await createFakeServer({
    handlers: {
      'migrate-set-parameters': (args) => void Object.assign(state, args),
      'query-migrate-parameters': () => state,
    },
  });
  const qmp = await connect(server.path);
  try {
    assert.deepEqual(await applyPlan(qmp, { bandwidth: 1e9, channels: 4 }), { bandwidth: 1e9, channels: 4 });
    // QEMU's own check: multifd-channels is a uint8, so 300 is refused before it is sent.
    assert.match(String(await applyPlan(qmp, { bandwidth: 1e9, channels: 300 })), /multifd-channels/);
    assert.deepEqual(parametersFor({ bandwidth: 1, channels: 1 }), { 'max-bandwidth': 1, 'multifd-channels': 1 });
  } finally {
    await qmp.close();
    await server.close();
  }
});
