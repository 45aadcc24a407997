// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash, whose ${...} is meant literally.
// The LocalStack init hook localstack/init/ready.d/20-topology.sh, rendered from the same topology and
// the same attributes as `bootstrapTopology`. `write-localstack-script.ts` writes it; a test keeps the
// committed file current and runs it against a broker.
import { fileURLToPath } from 'node:url';
import { filterPolicyOf, topology as platformTopology, type Topology } from '@authplatform/contracts';
import { deadLetterAttributes, queueAttributes, SUBSCRIPTION_ATTRIBUTES } from './resources.ts';

export const LOCALSTACK_SCRIPT_PATH = fileURLToPath(
  new URL('../../../../localstack/init/ready.d/20-topology.sh', import.meta.url),
);

/** ARNs the script fills in at run time: partition, region and account come from a created topic. */
const arn = (service: 'sns' | 'sqs', id: string) =>
  `arn:@PARTITION@:${service}:@REGION@:@ACCOUNT@:@PREFIX@-${id}`;

/** Single-quoted for bash (the JSON we render never holds a single quote). */
function quote(text: string): string {
  if (text.includes("'")) throw new Error(`cannot single-quote ${text}`);
  return `'${text}'`;
}

export function renderLocalstackScript(topology: Topology = platformTopology): string {
  const lines: string[] = [
    '#!/bin/bash',
    '# Generated from the topology in packages/contracts by',
    '#   node --conditions=development src/topology/write-localstack-script.ts   (in packages/messaging)',
    '# Do not edit: a test fails when this file differs from the generated one.',
    '#',
    '# LocalStack init hook: creates the SNS topics, SQS queues with their dead-letter queues, queue',
    '# policies and filtered raw-delivery subscriptions of the platform, named "<prefix>-<id>", with the',
    '# same attributes as bootstrapTopology in packages/messaging. Running it again is safe.',
    'set -euo pipefail',
    'prefix="${ENV_PREFIX:-dev}"',
    '',
    '# fill <text>: replaces the @PARTITION@, @REGION@, @ACCOUNT@ and @PREFIX@ placeholders.',
    'fill() {',
    '  local s=$1',
    '  s=${s//@PARTITION@/$partition}',
    '  s=${s//@REGION@/$region}',
    '  s=${s//@ACCOUNT@/$account}',
    '  s=${s//@PREFIX@/$prefix}',
    '  printf \'%s\' "$s"',
    '}',
    '',
    '# topic <id>: creates the topic (or finds it) and prints its ARN.',
    'topic() {',
    '  awslocal sns create-topic --name "$prefix-$1" --query TopicArn --output text',
    '}',
    '',
    '# queue <id> <attributes JSON>: creates the queue with its attributes, or sets them on the existing one.',
    'queue() {',
    '  local attributes url',
    '  attributes=$(fill "$2")',
    '  if ! url=$(awslocal sqs create-queue --queue-name "$prefix-$1" --attributes "$attributes" \\',
    '    --query QueueUrl --output text 2>/dev/null); then',
    '    url=$(awslocal sqs get-queue-url --queue-name "$prefix-$1" --query QueueUrl --output text)',
    '    awslocal sqs set-queue-attributes --queue-url "$url" --attributes "$attributes"',
    '  fi',
    '  echo "queue $prefix-$1"',
    '}',
    '',
    '# queues <dlq id> <dlq attributes> <id> <attributes>: a dead-letter queue, then its queue.',
    'queues() {',
    '  queue "$1" "$2"',
    '  queue "$3" "$4"',
    '}',
    '',
    '# subscribe <topic id> <queue id> <filter policy JSON>: raw delivery, filter on the `type` attribute;',
    '# an existing subscription with other attributes is updated in place.',
    'subscribe() {',
    '  local topic_arn endpoint attributes subscription',
    '  topic_arn=$(fill "arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-$1")',
    '  endpoint=$(fill "arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-$2")',
    `  attributes=$(printf '{"RawMessageDelivery":"${SUBSCRIPTION_ATTRIBUTES.RawMessageDelivery}","FilterPolicyScope":"${SUBSCRIPTION_ATTRIBUTES.FilterPolicyScope}","FilterPolicy":"%s"}' "\${3//\\"/\\\\\\"}")`,
    '  if ! awslocal sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$endpoint" \\',
    '    --attributes "$attributes" --return-subscription-arn --output text >/dev/null 2>&1; then',
    '    subscription=$(awslocal sns list-subscriptions-by-topic --topic-arn "$topic_arn" \\',
    '      --query "Subscriptions[?Endpoint==\'$endpoint\'].SubscriptionArn | [0]" --output text)',
    `    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name RawMessageDelivery --attribute-value ${SUBSCRIPTION_ATTRIBUTES.RawMessageDelivery}`,
    `    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name FilterPolicyScope --attribute-value ${SUBSCRIPTION_ATTRIBUTES.FilterPolicyScope}`,
    '    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name FilterPolicy --attribute-value "$3"',
    '  fi',
    '  echo "subscription $prefix-$1 -> $prefix-$2"',
    '}',
    '',
    '# run <command...>: in the background (awslocal calls are slow); wait_all waits and fails if one failed.',
    'pids=()',
    'run() {',
    '  "$@" &',
    '  pids+=("$!")',
    '}',
    'wait_all() {',
    '  local pid',
    '  for pid in "${pids[@]}"; do wait "$pid"; done',
    '  pids=()',
    '}',
    '',
    '# Topics (the first one also gives the partition, region and account of every ARN)',
  ];
  const [first, ...others] = topology.topics;
  if (first === undefined) throw new Error('a topology without topics has no ARN to take the account from');
  lines.push(`IFS=: read -r _ partition _ region account _ <<<"$(topic ${first.id})"`);
  for (const t of others) lines.push(`run topic ${t.id}`);
  lines.push('wait_all', '', '# Queues, each after its dead-letter queue');
  for (const q of topology.queues) {
    const sources = topology.subscriptions
      .filter((s) => s.queue === q.id)
      .map((s) => arn('sns', s.topic))
      .sort();
    lines.push(
      `run queues ${q.deadLetter.id} ${quote(JSON.stringify(deadLetterAttributes(arn('sqs', q.id))))} \\`,
      `  ${q.id} ${quote(JSON.stringify(queueAttributes(q, arn('sqs', q.deadLetter.id), arn('sqs', q.id), sources)))}`,
    );
  }
  lines.push('wait_all', '', '# Subscriptions');
  for (const s of topology.subscriptions) {
    lines.push(`run subscribe ${s.topic} ${s.queue} ${quote(JSON.stringify(filterPolicyOf(s)))}`);
  }
  lines.push('wait_all', '', 'echo "authplatform: topology ready (prefix ${prefix})"', '');
  return lines.join('\n');
}
