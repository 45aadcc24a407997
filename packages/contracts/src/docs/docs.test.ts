// docs/asyncapi.yaml and the generated parts of docs/events.md are current and valid.
import { readFileSync } from 'node:fs';
import { Parser } from '@asyncapi/parser';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { buildAsyncApi } from '../asyncapi/asyncapi.ts';
import { commandTypes } from '../commands/catalogue.ts';
import { eventTypes } from '../events/catalogue.ts';
import { exampleEvents } from '../schemas.ts';
import { handledEvents, topology } from '../topology/topology.ts';
import {
  ASYNCAPI_PATH,
  EVENTS_DOC_PATH,
  GENERATED_REGIONS,
  type RegionName,
  readRegion,
  renderAsyncApiYaml,
  updateRegions,
} from './render.ts';

const STALE = 'is stale: run `node src/scripts/generate-docs.ts` in packages/contracts and commit the result';

describe('docs/asyncapi.yaml', () => {
  let committed: string;
  let parsed: Awaited<ReturnType<Parser['parse']>>;

  beforeAll(async () => {
    committed = readFileSync(ASYNCAPI_PATH, 'utf8');
    parsed = await new Parser().parse(committed);
  }, 60_000);

  it('equals the document generated from the catalogue and topology', () => {
    const generated = renderAsyncApiYaml();
    if (committed !== generated) throw new Error(`docs/asyncapi.yaml ${STALE}`);
    expect(committed).toBe(generated);
  });

  it('is a valid AsyncAPI 3.0 document for @asyncapi/parser, without errors or warnings', async () => {
    const diagnostics = await new Parser().validate(committed);
    // Severity 0 is an error, 1 a warning (2 and 3 are information and hints).
    expect(
      diagnostics.filter((d) => d.severity <= 1).map((d) => `${d.path.join('.')}: ${d.message}`),
    ).toEqual([]);
    expect(parsed.document).toBeDefined();
    expect(parsed.document?.version()).toBe('3.0.0');
  }, 60_000);

  it('describes every event type and command, every topic and queue, with their filter policies', () => {
    const document = parsed.document;
    if (!document) throw new Error('not parsed');
    const messageIds = document
      .components()
      .messages()
      .all()
      .map((m) => m.id());
    // Plus the SES event notification of the provider-feedback topic (not a CloudEvent).
    expect(messageIds.sort()).toEqual([...eventTypes, ...commandTypes, 'ses-event'].sort());
    expect(
      document
        .channels()
        .get('ses-events')
        ?.messages()
        .all()
        .map((m) => m.id()),
    ).toEqual(['ses-event']);
    expect(
      document
        .channels()
        .all()
        .map((c) => c.id())
        .sort(),
    ).toEqual([...topology.topics.map((t) => t.id), ...topology.queues.map((q) => q.id)].sort());
    const auditInbox = document.channels().get('audit-inbox');
    expect(auditInbox?.address()).toBe('{env}-audit-inbox');
    expect(
      auditInbox
        ?.messages()
        .all()
        .map((m) => m.id())
        .sort(),
    ).toEqual([...handledEvents.audit].sort());

    const doc = buildAsyncApi() as {
      operations: Record<string, { bindings?: { sns?: { consumers: unknown[] } } }>;
    };
    const consumers = doc.operations['publish-identity-events']?.bindings?.sns?.consumers ?? [];
    expect(consumers).toContainEqual({
      protocol: 'sqs',
      endpoint: { name: '{env}-authz-inbox' },
      filterPolicy: { type: ['identity.user.registered', 'identity.user.deleted'] },
      filterPolicyScope: 'MessageAttributes',
      rawMessageDelivery: true,
    });
  });

  it('carries example events whose payload matches the catalogue examples', () => {
    const message = parsed.document?.components().messages().get('identity.user.registered');
    const examples = message
      ?.examples()
      .all()
      .map((e) => e.payload());
    expect(examples).toEqual(exampleEvents('identity.user.registered'));
  });
});

describe('docs/events.md', () => {
  const markdown = readFileSync(EVENTS_DOC_PATH, 'utf8');

  it('has its generated regions (example, catalogue, topology, commands) up to date', () => {
    for (const [name, render] of Object.entries(GENERATED_REGIONS)) {
      const region = readRegion(markdown, name as RegionName);
      if (region !== render()) throw new Error(`docs/events.md region "${name}" ${STALE}`);
    }
    expect(updateRegions(markdown)).toBe(markdown);
  });

  it('lists every catalogue type in its catalogue table, marking the internal ones', () => {
    const table = readRegion(markdown, 'catalogue') ?? '';
    for (const type of eventTypes) expect(table).toContain(`| \`${type}\``);
    expect(table).toContain('`identity.compliance.export_ready` (internal)');
    expect(table.split('\n')).toHaveLength(eventTypes.length + 2);
  });

  it('tells outside teams how to subscribe, validate, and what the versioning and secrets rules are', () => {
    for (const needle of [
      'RawMessageDelivery',
      'FilterPolicy',
      'aws sns subscribe',
      'SubscribeCommand',
      'sns.amazonaws.com',
      'aws:SourceArn',
      'parseEvent',
      'asyncapi.yaml',
      'Versions and deprecation',
      'Secrets never ride on topics',
    ]) {
      expect(markdown).toContain(needle);
    }
  });
});
