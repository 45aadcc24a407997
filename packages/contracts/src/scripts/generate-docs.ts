// Writes docs/asyncapi.yaml and the generated regions of docs/events.md from the catalogue and topology.
//   node src/scripts/generate-docs.ts   (in packages/contracts)
import { readFileSync, writeFileSync } from 'node:fs';
import { ASYNCAPI_PATH, EVENTS_DOC_PATH, renderAsyncApiYaml, updateRegions } from '../docs/render.ts';

writeFileSync(ASYNCAPI_PATH, renderAsyncApiYaml());
console.log(`wrote ${ASYNCAPI_PATH}`);
writeFileSync(EVENTS_DOC_PATH, updateRegions(readFileSync(EVENTS_DOC_PATH, 'utf8')));
console.log(`updated the generated regions of ${EVENTS_DOC_PATH}`);
