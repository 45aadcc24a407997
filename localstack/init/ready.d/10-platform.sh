#!/bin/bash
# LocalStack init hook (runs inside the LocalStack container once SNS, SQS, SES and KMS are up).
# Creates what the platform needs that is not part of the event topology:
#  - the SES sender identity used by the notifications service,
#  - a KMS key (alias/authplatform-kek) that can wrap identity's signing keys.
# The SNS/SQS topology (topics, queues, DLQs, subscriptions) is created by 20-topology.sh, generated
# from the single definition in packages/contracts (see docs/events.md).
set -euo pipefail
prefix="${ENV_PREFIX:-dev}"

awslocal ses verify-email-identity --email-address no-reply@authplatform.local
if ! awslocal kms list-aliases --query "Aliases[?AliasName=='alias/${prefix}-authplatform-kek'].AliasName" --output text | grep -q kek; then
  key_id=$(awslocal kms create-key --description "authplatform ${prefix} key-encryption key" --query KeyMetadata.KeyId --output text)
  awslocal kms create-alias --alias-name "alias/${prefix}-authplatform-kek" --target-key-id "$key_id"
fi
echo "authplatform: LocalStack init done (prefix ${prefix})"
