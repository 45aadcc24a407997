#!/bin/bash
# Generated from the topology in packages/contracts by
#   node --conditions=development src/topology/write-localstack-script.ts   (in packages/messaging)
# Do not edit: a test fails when this file differs from the generated one.
#
# LocalStack init hook: creates the SNS topics, SQS queues with their dead-letter queues, queue
# policies and filtered raw-delivery subscriptions of the platform, named "<prefix>-<id>", with the
# same attributes as bootstrapTopology in packages/messaging. Running it again is safe.
set -euo pipefail
prefix="${ENV_PREFIX:-dev}"

# fill <text>: replaces the @PARTITION@, @REGION@, @ACCOUNT@ and @PREFIX@ placeholders.
fill() {
  local s=$1
  s=${s//@PARTITION@/$partition}
  s=${s//@REGION@/$region}
  s=${s//@ACCOUNT@/$account}
  s=${s//@PREFIX@/$prefix}
  printf '%s' "$s"
}

# topic <id>: creates the topic (or finds it) and prints its ARN.
topic() {
  awslocal sns create-topic --name "$prefix-$1" --query TopicArn --output text
}

# queue <id> <attributes JSON>: creates the queue with its attributes, or sets them on the existing one.
queue() {
  local attributes url
  attributes=$(fill "$2")
  if ! url=$(awslocal sqs create-queue --queue-name "$prefix-$1" --attributes "$attributes" \
    --query QueueUrl --output text 2>/dev/null); then
    url=$(awslocal sqs get-queue-url --queue-name "$prefix-$1" --query QueueUrl --output text)
    awslocal sqs set-queue-attributes --queue-url "$url" --attributes "$attributes"
  fi
  echo "queue $prefix-$1"
}

# queues <dlq id> <dlq attributes> <id> <attributes>: a dead-letter queue, then its queue.
queues() {
  queue "$1" "$2"
  queue "$3" "$4"
}

# subscribe <topic id> <queue id> <filter policy JSON>: raw delivery, filter on the `type` attribute;
# an existing subscription with other attributes is updated in place.
subscribe() {
  local topic_arn endpoint attributes subscription
  topic_arn=$(fill "arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-$1")
  endpoint=$(fill "arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-$2")
  attributes=$(printf '{"RawMessageDelivery":"true","FilterPolicyScope":"MessageAttributes","FilterPolicy":"%s"}' "${3//\"/\\\"}")
  if ! awslocal sns subscribe --topic-arn "$topic_arn" --protocol sqs --notification-endpoint "$endpoint" \
    --attributes "$attributes" --return-subscription-arn --output text >/dev/null 2>&1; then
    subscription=$(awslocal sns list-subscriptions-by-topic --topic-arn "$topic_arn" \
      --query "Subscriptions[?Endpoint=='$endpoint'].SubscriptionArn | [0]" --output text)
    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name RawMessageDelivery --attribute-value true
    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name FilterPolicyScope --attribute-value MessageAttributes
    awslocal sns set-subscription-attributes --subscription-arn "$subscription" --attribute-name FilterPolicy --attribute-value "$3"
  fi
  echo "subscription $prefix-$1 -> $prefix-$2"
}

# run <command...>: in the background (awslocal calls are slow); wait_all waits and fails if one failed.
pids=()
run() {
  "$@" &
  pids+=("$!")
}
wait_all() {
  local pid
  for pid in "${pids[@]}"; do wait "$pid"; done
  pids=()
}

# Topics (the first one also gives the partition, region and account of every ARN)
IFS=: read -r _ partition _ region account _ <<<"$(topic identity-events)"
run topic authz-events
run topic notifications-events
run topic webhooks-events
run topic audit-events
run topic ses-events
wait_all

# Queues, each after its dead-letter queue
run queues identity-inbox-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-identity-inbox\"]}"}' \
  identity-inbox '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-identity-inbox-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-identity-inbox\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-audit-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-authz-events\"]}}}]}"}'
run queues authz-inbox-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-authz-inbox\"]}"}' \
  authz-inbox '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-authz-inbox-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-authz-inbox\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-audit-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-identity-events\"]}}}]}"}'
run queues notifications-inbox-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-inbox\"]}"}' \
  notifications-inbox '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-inbox-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-inbox\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-audit-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-identity-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-events\"]}}}]}"}'
run queues webhooks-inbox-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-inbox\"]}"}' \
  webhooks-inbox '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-inbox-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-inbox\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-audit-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-authz-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-identity-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-notifications-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-events\"]}}}]}"}'
run queues audit-inbox-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-audit-inbox\"]}"}' \
  audit-inbox '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-audit-inbox-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-audit-inbox\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-audit-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-authz-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-identity-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-notifications-events\",\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-webhooks-events\"]}}}]}"}'
run queues notifications-commands-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-commands\"]}"}' \
  notifications-commands '{"VisibilityTimeout":"60","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-commands-dlq\",\"maxReceiveCount\":8}"}'
run queues notifications-ses-events-dlq '{"MessageRetentionPeriod":"1209600","SqsManagedSseEnabled":"true","RedriveAllowPolicy":"{\"redrivePermission\":\"byQueue\",\"sourceQueueArns\":[\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-ses-events\"]}"}' \
  notifications-ses-events '{"VisibilityTimeout":"30","SqsManagedSseEnabled":"true","RedrivePolicy":"{\"deadLetterTargetArn\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-ses-events-dlq\",\"maxReceiveCount\":8}","Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowTopicsToDeliver\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"sns.amazonaws.com\"},\"Action\":\"sqs:SendMessage\",\"Resource\":\"arn:@PARTITION@:sqs:@REGION@:@ACCOUNT@:@PREFIX@-notifications-ses-events\",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":[\"arn:@PARTITION@:sns:@REGION@:@ACCOUNT@:@PREFIX@-ses-events\"]}}}]}"}'
wait_all

# Subscriptions
run subscribe authz-events identity-inbox '{"type":["authz.role.created","authz.role.updated","authz.role.deleted","authz.role.assigned","authz.role.unassigned","authz.group.member_added","authz.group.member_removed"]}'
run subscribe audit-events identity-inbox '{"type":["audit.security.detected","audit.compliance.export_requested","audit.compliance.erasure_requested"]}'
run subscribe identity-events authz-inbox '{"type":["identity.user.registered","identity.user.deleted"]}'
run subscribe audit-events authz-inbox '{"type":["audit.compliance.export_requested","audit.compliance.erasure_requested"]}'
run subscribe identity-events notifications-inbox '{"type":["identity.user.registered","identity.user.updated","identity.user.email_changed","identity.user.locked","identity.user.unlocked","identity.user.deleted","identity.login.succeeded","identity.token.reuse_detected","identity.password.changed","identity.mfa.enrolled","identity.mfa.removed"]}'
run subscribe webhooks-events notifications-inbox '{"type":["webhooks.delivery.exhausted"]}'
run subscribe audit-events notifications-inbox '{"type":["audit.security.detected","audit.compliance.export_requested","audit.compliance.erasure_requested","audit.compliance.export_completed","audit.compliance.erasure_completed"]}'
run subscribe identity-events webhooks-inbox '{"type":["identity.user.registered","identity.user.email_verified","identity.user.updated","identity.user.email_changed","identity.user.disabled","identity.user.enabled","identity.user.locked","identity.user.unlocked","identity.user.deleted","identity.login.succeeded","identity.login.failed","identity.session.revoked","identity.token.reuse_detected","identity.password.changed","identity.password.reset_requested","identity.mfa.enrolled","identity.mfa.removed","identity.client.created","identity.client.deleted","identity.signing_key.rotated"]}'
run subscribe authz-events webhooks-inbox '{"type":["authz.role.created","authz.role.updated","authz.role.deleted","authz.role.assigned","authz.role.unassigned","authz.grant.created","authz.grant.deleted","authz.group.member_added","authz.group.member_removed","authz.decision.denied"]}'
run subscribe notifications-events webhooks-inbox '{"type":["notifications.message.sent","notifications.message.delivered","notifications.message.failed","notifications.message.bounced"]}'
run subscribe webhooks-events webhooks-inbox '{"type":["webhooks.endpoint.created","webhooks.endpoint.disabled","webhooks.endpoint.deleted","webhooks.delivery.exhausted"]}'
run subscribe audit-events webhooks-inbox '{"type":["audit.security.detected","audit.compliance.export_requested","audit.compliance.erasure_requested","audit.compliance.export_completed","audit.compliance.erasure_completed","audit.checkpoint.sealed"]}'
run subscribe identity-events audit-inbox '{"type":["identity.user.registered","identity.user.email_verified","identity.user.updated","identity.user.email_changed","identity.user.disabled","identity.user.enabled","identity.user.locked","identity.user.unlocked","identity.user.deleted","identity.login.succeeded","identity.login.failed","identity.session.revoked","identity.token.reuse_detected","identity.password.changed","identity.password.reset_requested","identity.mfa.enrolled","identity.mfa.removed","identity.client.created","identity.client.deleted","identity.signing_key.rotated","identity.compliance.export_ready","identity.compliance.erasure_completed"]}'
run subscribe authz-events audit-inbox '{"type":["authz.role.created","authz.role.updated","authz.role.deleted","authz.role.assigned","authz.role.unassigned","authz.grant.created","authz.grant.deleted","authz.group.member_added","authz.group.member_removed","authz.decision.denied","authz.compliance.export_ready","authz.compliance.erasure_completed"]}'
run subscribe notifications-events audit-inbox '{"type":["notifications.message.sent","notifications.message.delivered","notifications.message.failed","notifications.message.bounced","notifications.compliance.export_ready","notifications.compliance.erasure_completed"]}'
run subscribe webhooks-events audit-inbox '{"type":["webhooks.endpoint.created","webhooks.endpoint.disabled","webhooks.endpoint.deleted","webhooks.delivery.exhausted","webhooks.compliance.export_ready","webhooks.compliance.erasure_completed"]}'
run subscribe audit-events audit-inbox '{"type":["audit.security.detected","audit.compliance.export_requested","audit.compliance.erasure_requested","audit.compliance.export_completed","audit.compliance.erasure_completed","audit.checkpoint.sealed"]}'
run subscribe ses-events notifications-ses-events '{}'
wait_all

echo "authplatform: topology ready (prefix ${prefix})"
