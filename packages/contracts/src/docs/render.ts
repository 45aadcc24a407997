// Generated documentation: docs/asyncapi.yaml and the generated regions of docs/events.md.
// `node src/scripts/generate-docs.ts` writes them; docs.test.ts fails when they are stale.
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildAsyncApi } from '../asyncapi/asyncapi.ts';
import { commandCatalogue, commandTypes } from '../commands/catalogue.ts';
import { eventCatalogue, eventTypes } from '../events/catalogue.ts';
import { exampleEvents, type JsonSchema } from '../schemas.ts';
import {
  consumersOf,
  filterPolicyOf,
  topology as platformTopology,
  type Topology,
} from '../topology/topology.ts';
import { toJsonSchema } from '../validation/ajv.ts';

/** The repository root (this file is packages/contracts/src/docs/render.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const ASYNCAPI_PATH = `${REPO_ROOT}docs/asyncapi.yaml`;
export const EVENTS_DOC_PATH = `${REPO_ROOT}docs/events.md`;

export function renderAsyncApiYaml(): string {
  const header = [
    '# Generated from packages/contracts by `node src/scripts/generate-docs.ts` (in packages/contracts).',
    '# Do not edit: a test fails when this file differs from the generated document.',
  ].join('\n');
  return `${header}\n${stringify(buildAsyncApi(), { aliasDuplicateObjects: false, lineWidth: 0 })}`;
}

/** `name`, `name?` for optional ones, of the top-level properties of a data schema. */
function fieldList(schema: JsonSchema): string {
  const properties = Object.keys((schema.properties as Record<string, unknown> | undefined) ?? {});
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return properties.map((p) => (required.has(p) ? p : `${p}?`)).join(', ');
}

const code = (text: string) => `\`${text}\``;
const cell = (text: string) => text.replaceAll('|', '\\|');

export function renderCatalogueTable(): string {
  const rows = eventTypes.map((type) => {
    const d = eventCatalogue[type];
    const consumers = consumersOf(type).join(', ');
    return `| ${code(type)}${d.internal ? ' (internal)' : ''} | ${d.version} | ${cell(d.summary)} | ${cell(
      fieldList(toJsonSchema(d.data)),
    )} | ${code(d.subject)} | ${consumers} |`;
  });
  return [
    '| type | version | what happened | data (`?` optional) | subject | platform consumers |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function renderCommandTable(): string {
  const rows = commandTypes.map((type) => {
    const d = commandCatalogue[type];
    const data = toJsonSchema(d.data);
    const template = (data.properties as Record<string, JsonSchema>).template_data ?? {};
    const secrets = d.secretFields.map((f) => code(`data.${f}`)).join(', ') || 'none';
    return `| ${code(type)} | ${d.channel} | ${cell(d.summary)} | ${cell(fieldList(template))} | ${secrets} |`;
  });
  return [
    '| command | channel | what it asks | `data.template_data` | secret fields |',
    '|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function renderTopologyTable(topology: Topology = platformTopology): string {
  const rows = topology.subscriptions.map(
    (s) =>
      `| ${code(s.topic)} | ${code(s.queue)} | ${code(JSON.stringify(filterPolicyOf(s)).replaceAll('|', '\\|'))} |`,
  );
  const queues = topology.queues.map(
    (q) =>
      `| ${code(q.id)} | ${q.consumer} | ${q.kind} | ${q.visibilityTimeoutSec} s | ${code(q.deadLetter.id)} after ${q.deadLetter.maxReceiveCount} receives |`,
  );
  return [
    '| queue | consumer | kind | visibility timeout | dead-letter queue |',
    '|---|---|---|---|---|',
    ...queues,
    '',
    '| topic | queue | filter policy (message attributes) |',
    '|---|---|---|',
    ...rows,
  ].join('\n');
}

export function renderExampleEvent(): string {
  return ['```json', JSON.stringify(exampleEvents('identity.user.registered')[0], null, 2), '```'].join('\n');
}

export const GENERATED_REGIONS = {
  example: renderExampleEvent,
  catalogue: renderCatalogueTable,
  commands: renderCommandTable,
  topology: renderTopologyTable,
} as const;

export type RegionName = keyof typeof GENERATED_REGIONS;

const markers = (name: string) => ({
  start: `<!-- generated:${name}:start (node src/scripts/generate-docs.ts in packages/contracts) -->`,
  end: `<!-- generated:${name}:end -->`,
});

/** The content of a generated region of a markdown document, or undefined when the markers are missing. */
export function readRegion(markdown: string, name: RegionName): string | undefined {
  const { start, end } = markers(name);
  const from = markdown.indexOf(start);
  const to = markdown.indexOf(end);
  if (from < 0 || to < from) return undefined;
  return markdown.slice(from + start.length, to).trim();
}

/** `markdown` with every generated region replaced by its current content. */
export function updateRegions(markdown: string): string {
  let out = markdown;
  for (const [name, render] of Object.entries(GENERATED_REGIONS)) {
    const { start, end } = markers(name);
    const from = out.indexOf(start);
    const to = out.indexOf(end);
    if (from < 0 || to < from) throw new Error(`docs: region "${name}" markers are missing`);
    out = `${out.slice(0, from + start.length)}\n${render()}\n${out.slice(to)}`;
  }
  return out;
}

/** Empty region markers, to paste into a document that should carry `name`. */
export function regionMarkers(name: RegionName): string {
  const { start, end } = markers(name);
  return `${start}\n${end}`;
}
