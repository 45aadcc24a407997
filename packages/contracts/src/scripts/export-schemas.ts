// Writes every JSON Schema of the contracts as files laid out like their `$id` URLs, so that they can be
// served at https://schemas.authplatform.dev/ or handed to a team that does not use npm.
//   node src/scripts/export-schemas.ts --out ../../dist-schemas   (in packages/contracts)
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { commandTypes } from '../commands/catalogue.ts';
import { eventCatalogue, eventTypes } from '../events/catalogue.ts';
import { SCHEMA_BASE_URL } from '../events/envelope.ts';
import { commandSchemas, dataJsonSchema, envelopeSchema, type JsonSchema, schemas } from '../schemas.ts';

const at = process.argv.indexOf('--out');
const out = resolve(at > 0 ? (process.argv[at + 1] ?? 'schemas') : 'schemas');

function write(schema: JsonSchema): void {
  const id = String(schema.$id);
  const path = join(out, id.slice(SCHEMA_BASE_URL.length + 1));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
}

write(envelopeSchema);
for (const type of eventTypes) {
  const definition = eventCatalogue[type];
  for (const previous of definition.previousVersions) write(dataJsonSchema(type, previous.version));
  write(dataJsonSchema(type));
  write(schemas[type]);
}
for (const type of commandTypes) write(commandSchemas[type]);
console.log(
  `wrote the JSON Schemas of ${eventTypes.length} event types and ${commandTypes.length} commands to ${out}`,
);
