// Writes localstack/init/ready.d/20-topology.sh from the topology in packages/contracts.
//   node --conditions=development src/topology/write-localstack-script.ts   (in packages/messaging)
import { chmodSync, writeFileSync } from 'node:fs';
import { LOCALSTACK_SCRIPT_PATH, renderLocalstackScript } from './localstack-script.ts';

writeFileSync(LOCALSTACK_SCRIPT_PATH, renderLocalstackScript());
chmodSync(LOCALSTACK_SCRIPT_PATH, 0o755);
console.log(`wrote ${LOCALSTACK_SCRIPT_PATH}`);
