/**
 * The typed QMP client against the schema-checked fake QEMU: both come from
 * the generated index (`connect`, `createFakeServer`), typed by this schema's
 * command and event maps.
 *
 *   npm run example:qmp-client
 */
import { QmpError, connect, createFakeServer, type MigrationParameters } from '../../generated/qmp/index.js';

const parameters: MigrationParameters = { 'max-bandwidth': 134217728, 'multifd-channels': 2 };

const server = await createFakeServer({
  handlers: {
    'migrate-set-parameters': (args) => {
      // Typed: args is MigrateSetParameters, already checked strictly as QEMU would.
      Object.assign(parameters, args);
    },
    'query-migrate-parameters': () => parameters,
  },
});
const client = await connect(server.path);
console.log(`The typed QMP client and the fake QEMU\n== greeting\nQEMU ${client.greeting.version.qemu.major}.${client.greeting.version.qemu.minor}, oob ${client.oob}`);

console.log('== round trip');
await client.execute('migrate-set-parameters', { 'multifd-channels': 8, 'backend-transfer': ['virtio-net-tap'] });
const now = await client.execute('query-migrate-parameters');
console.log(`multifd-channels ${now['multifd-channels']}, backend-transfer ${JSON.stringify(now['backend-transfer'])}`);

console.log('== checked before sending');
const sentBefore = server.received.length;
try {
  // A typo, as a JSON value from elsewhere would carry it: refused here, nothing is written.
  const args = JSON.parse('{ "backend-transfers": ["virtio-net-tap"] }') as { 'multifd-channels': number };
  await client.execute('migrate-set-parameters', args);
} catch (e) {
  console.log(`${(e as Error).name}: ${(e as Error).message}; lines sent: ${server.received.length - sentBefore}`);
}

console.log('== typed events');
// JOB_STATUS_CHANGE (qapi/job.json): data is JobStatusChangeData, { id: str, status: JobStatus }.
const stream = client.events('JOB_STATUS_CHANGE');
server.emit('JOB_STATUS_CHANGE', { id: 'mirror0', status: 'running' });
for await (const ev of stream) {
  console.log(`${ev.event}: job ${ev.data.id} is ${ev.data.status}`);
  break;
}

console.log('== errors from the server');
try {
  await client.execute('migrate', { uri: 'tcp:nowhere:1' });
} catch (e) {
  if (e instanceof QmpError) console.log(`${e.errorClass}: ${e.message}`);
  else throw e;
}

await client.close();
await server.close();
