#!/bin/bash
# LocalStack init hook (runs inside the LocalStack container once SNS, SQS, SES and KMS are up).
# Creates what the platform needs that is not part of the event topology:
#  - the SES sender identity used by the notifications service,
#  - a KMS key (alias/authplatform-kek) that can wrap identity's signing keys,
#  - the S3 bucket of data-subject export parts (<prefix>-authplatform-compliance, default encryption on),
#    as packages/messaging's defaultComplianceBucket names it.
# The SNS/SQS topology (topics, queues, DLQs, subscriptions) is created by 20-topology.sh, generated
# from the single definition in packages/contracts (see docs/events.md).
set -euo pipefail
prefix="${ENV_PREFIX:-dev}"

awslocal ses verify-email-identity --email-address no-reply@authplatform.local
if ! awslocal kms list-aliases --query "Aliases[?AliasName=='alias/${prefix}-authplatform-kek'].AliasName" --output text | grep -q kek; then
  key_id=$(awslocal kms create-key --description "authplatform ${prefix} key-encryption key" --query KeyMetadata.KeyId --output text)
  awslocal kms create-alias --alias-name "alias/${prefix}-authplatform-kek" --target-key-id "$key_id"
fi
bucket="$(printf '%s' "${prefix%-}-authplatform-compliance" | tr 'A-Z_' 'a-z-')"
if ! awslocal s3api head-bucket --bucket "$bucket" >/dev/null 2>&1; then
  awslocal s3api create-bucket --bucket "$bucket" >/dev/null
  awslocal s3api put-bucket-encryption --bucket "$bucket" \
    --server-side-encryption-configuration '{"Rules":[{"ApplyServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}'
fi
echo "authplatform: LocalStack init done (prefix ${prefix})"
