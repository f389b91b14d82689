/**
 * The body of the boot script (see script.ts for the pinned values and overridable locations
 * it starts with). Kept as a string so that the CLI bundle carries it. In this template literal
 * `\${` and `\\` are bash's `${` and `\`.
 *
 * Under `until`, bash ignores `set -e`, so the functions that retry stop at their first failure
 * themselves (`|| return 1`).
 */

export const BOOT_SCRIPT_BODY = `umask 022
BOOT_DIR="$HOIST_ROOT/opt/hoist"
CONF="$HOIST_ROOT/etc/hoist/boot.yaml"
STAGE="$BOOT_DIR/.download"
mkdir -p "$(dirname "$HOIST_BOOT_LOG")" "$BOOT_DIR" "$STAGE" "$(dirname "$CONF")"
# Everything, commands' own errors included, goes to the console and the log.
exec > >(tee -a "$HOIST_BOOT_LOG") 2>&1
log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) hoist-boot: $*" >&2; }
# What the script is doing, named in a failure report (Boot/<step>) and by the trap below.
STEP=start
LAST_ERROR=
INSTANCE_ID=
# A failure is reported, then its last line says what failed: the local cloud's agent shows it.
on_error() {
  report_failure 1 "failed (exit $1) at line $2: $3" || true
  log "failed (exit $1) at line $2: $3"
}
trap 'on_error $? $LINENO "$BASH_COMMAND"' ERR

# Inside \`until\`, bash ignores set -e: the functions below stop at the first failure themselves.
retry() { # retry WHAT COMMAND...: until COMMAND succeeds, waiting 1, 2, 4 ... HOIST_BOOT_RETRY_MAX s between tries
  local what=$1 delay=1 attempt=1
  shift
  LAST_ERROR=
  until "$@"; do
    report_failure "$attempt" "\${LAST_ERROR:-$what failed}" || true
    log "$what: attempt $attempt failed; retrying in \${delay}s"
    LAST_ERROR=
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2 > HOIST_BOOT_RETRY_MAX ? HOIST_BOOT_RETRY_MAX : delay * 2))
  done
}
field() { # field NAME < JSON: a string field of a JSON object, without jq (not on stock images)
  sed -n "s/.*\\"$1\\"[[:space:]]*:[[:space:]]*\\"\\([^\\"]*\\)\\".*/\\1/p" | head -n 1
}
EMPTY_SHA256=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
CURL=(curl -fsSL --connect-timeout 10 --max-time 900)
imds() { # imds PATH: IMDSv2, a session token first
  local token
  token=$("\${CURL[@]}" -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "$HOIST_METADATA_URL/latest/api/token") || return 1
  "\${CURL[@]}" -H "X-aws-ec2-metadata-token: $token" "$HOIST_METADATA_URL/latest/$1"
}
gce_md() { "\${CURL[@]}" -H "Metadata-Flavor: Google" "$HOIST_METADATA_URL/computeMetadata/v1/$1"; }
say_failed() { LAST_ERROR="$*"; log "$*"; }
s3_config() { # s3_config: curl's config (stdin) with the instance profile's keys, not on a command line others can read
  local role creds key secret token
  role=$(imds meta-data/iam/security-credentials/ | head -n 1) || { say_failed "the instance metadata service did not answer"; return 1; }
  [ -n "$role" ] || { say_failed "the instance has no IAM role (instance profile)"; return 1; }
  creds=$(imds "meta-data/iam/security-credentials/$role") || return 1
  key=$(field AccessKeyId <<<"$creds") secret=$(field SecretAccessKey <<<"$creds") token=$(field Token <<<"$creds")
  printf 'user = "%s:%s"\\nheader = "x-amz-security-token: %s"\\n' "$key" "$secret" "$token"
}
gcs_config() {
  local token
  token=$(gce_md instance/service-accounts/default/token | field access_token) || return 1
  [ -n "$token" ] || { say_failed "the metadata server gave no access token"; return 1; }
  printf 'header = "Authorization: Bearer %s"\\n' "$token"
}
urlencode() { # urlencode TEXT: TEXT as one URL path segment or query value, byte by byte
  local LC_ALL=C text=$1 out= c i
  for ((i = 0; i < \${#text}; i++)); do
    c=\${text:i:1}
    case "$c" in
      [A-Za-z0-9._~-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}
gcs_object() { # gcs_object gs://BUCKET/OBJECT [upload]: the object's JSON API path (its name is one segment: "/" is %2F)
  local rest=\${1#gs://}
  if [ "\${2:-}" = upload ]; then printf 'b/%s/o?uploadType=media&name=%s' "\${rest%%/*}" "$(urlencode "\${rest#*/}")"
  else printf 'b/%s/o/%s' "\${rest%%/*}" "$(urlencode "\${rest#*/}")"; fi
}
# S3 wants the payload's hash in a header of its own (SigV4); a GET's payload is empty.
s3_curl() { local sum=$1; shift; "\${CURL[@]}" --config - --aws-sigv4 "aws:amz:$REGION:s3" -H "x-amz-content-sha256: $sum" "$@"; }
download() { # download URL FILE: with the machine's own identity for the state store
  local url=$1 out=$2 config
  case "$url" in
    s3://*) config=$(s3_config) || return 1; s3_curl "$EMPTY_SHA256" -o "$out" "$HOIST_S3_ENDPOINT/\${url#s3://}" <<<"$config" ;;
    gs://*) config=$(gcs_config) || return 1; "\${CURL[@]}" --config - -o "$out" "$HOIST_GCS_ENDPOINT/storage/v1/$(gcs_object "$url")?alt=media" <<<"$config" ;;
    /*) cp "$url" "$out" ;;
    *) "\${CURL[@]}" -o "$out" "$url" ;;
  esac
}
upload() { # upload FILE URL: a state store object, with the same identity
  local file=$1 url=$2 config
  case "$url" in
    s3://*) config=$(s3_config) || return 1; s3_curl "$(sha256sum "$file" | cut -d ' ' -f 1)" -T "$file" "$HOIST_S3_ENDPOINT/\${url#s3://}" <<<"$config" ;;
    gs://*) config=$(gcs_config) || return 1; "\${CURL[@]}" --config - -H "Content-Type: application/json" --data-binary "@$file" "$HOIST_GCS_ENDPOINT/upload/storage/v1/$(gcs_object "$url" upload)" <<<"$config" ;;
    file://*|/*) url=\${url#file://}; mkdir -p "$(dirname "$url")" && cp "$file" "$url.new" && mv -f "$url.new" "$url" ;;
    *) return 1 ;;
  esac
}
json_string() { # json_string TEXT: TEXT as a JSON string (quotes and backslashes escaped, control characters dropped)
  printf '"%s"' "$(printf '%s' "$1" | tr -d '\\000-\\037' | sed -e 's/\\\\/\\\\\\\\/g' -e 's/"/\\\\"/g')"
}
report_failure() { # report_failure ATTEMPT MESSAGE: the machine's last boot error, where nodeup's reports go (get instances shows it)
  [ -n "$INSTANCE_ID" ] || return 0
  local url="\${STATE_STORE%/}/$CLUSTER/status/instances/$INSTANCE_GROUP/$INSTANCE_ID.json" file="$STAGE/failure.json"
  {
    printf '{\\n  "instanceId": %s,\\n  "cluster": %s,\\n  "instanceGroup": %s,\\n' "$(json_string "$INSTANCE_ID")" "$(json_string "$CLUSTER")" "$(json_string "$INSTANCE_GROUP")"
    printf '  "phase": "Failed",\\n  "configHash": %s,\\n  "updatedAt": "%s",\\n' "$(json_string "$CONFIG_HASH")" "$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    printf '  "error": { "task": %s, "message": %s, "attempt": %d }\\n}\\n' "$(json_string "Boot/$STEP")" "$(json_string "$2")" "$1"
  } >"$file"
  upload "$file" "$url" >/dev/null 2>&1 || log "failure report not written to $url (no access?)"
  rm -f "$file"
}
fetch() { # fetch URL SHA256 DEST: DEST is only ever a file with that sha256 (download, verify, rename)
  local url=$1 sum=$2 dest=$3 part
  part="$STAGE/$(basename "$dest").part"
  rm -f "$part"
  log "downloading $url"
  download "$url" "$part" || { rm -f "$part"; say_failed "could not download $url"; return 1; }
  if ! echo "$sum  $part" | sha256sum -c --status; then
    local got
    got=$(sha256sum "$part" | cut -d ' ' -f 1)
    rm -f "$part"
    say_failed "refused $url: sha256 $got is not the pinned $sum"
    return 1
  fi
  mv -f "$part" "$dest" || return 1
  log "verified $url (sha256 $sum)"
}

log "boot of $CLUSTER/$INSTANCE_GROUP: root '\${HOIST_ROOT:-/}', log $HOIST_BOOT_LOG, service manager $HOIST_SERVICE_MANAGER"

# The machine's name first: a failure report is filed under it.
STEP=instance-id
instance_id=
save() { local file=$1; shift; "$@" >"$file"; }
case "$METADATA" in
  aws) retry "instance id" save "$STAGE/id" imds meta-data/instance-id; instance_id=$(cat "$STAGE/id") ;;
  gce) retry "instance name" save "$STAGE/id" gce_md instance/name; instance_id=$(cat "$STAGE/id") ;;
esac
rm -f "$STAGE/id"
# Without a metadata server (the local cloud), the name nodeup reports under: its agent's, else the host's.
INSTANCE_ID=\${instance_id:-\${HOIST_INSTANCE_ID:-$(hostname)}}

NODE="$BOOT_DIR/node/bin/node"
if [ -x "$NODE" ] && [ "$(cat "$BOOT_DIR/node/.hoist-sha256" 2>/dev/null)" = "$NODE_SHA256" ]; then
  log "Node.js $NODE_VERSION is already installed (sha256 $NODE_SHA256)"
else
  STEP=download-nodejs
  retry "Node.js $NODE_VERSION" fetch "$HOIST_NODE_URL" "$NODE_SHA256" "$STAGE/node.tar"
  STEP=install-nodejs
  rm -rf "$BOOT_DIR/node.new"
  mkdir -p "$BOOT_DIR/node.new"
  tar -xf "$STAGE/node.tar" -C "$BOOT_DIR/node.new" --strip-components=1 --no-same-owner
  echo "$NODE_SHA256" >"$BOOT_DIR/node.new/.hoist-sha256"
  rm -rf "$BOOT_DIR/node" "$STAGE/node.tar"
  mv "$BOOT_DIR/node.new" "$BOOT_DIR/node"
  log "installed Node.js $("$NODE" --version) in $BOOT_DIR/node"
fi

NODEUP="$BOOT_DIR/nodeup/nodeup.mjs"
mkdir -p "$BOOT_DIR/nodeup"
if [ -f "$NODEUP" ] && echo "$NODEUP_SHA256  $NODEUP" | sha256sum -c --status; then
  log "nodeup is already installed (sha256 $NODEUP_SHA256)"
else
  STEP=download-nodeup
  retry "nodeup" fetch "$NODEUP_URL" "$NODEUP_SHA256" "$NODEUP"
  log "installed nodeup in $NODEUP"
fi

STEP=configure
{
  printf '%s\\n' "$BOOT_YAML"
  if [ -n "$instance_id" ]; then printf 'instanceId: %s\\n' "$instance_id"; fi
} >"$CONF.new"
mv -f "$CONF.new" "$CONF"
log "wrote $CONF\${instance_id:+ (instance $instance_id)}"

# What nodeup needs to reach the same endpoints as this script (the AWS SDK reads IMDS itself).
NODEUP_ENV=()
if [ "$METADATA" = aws ]; then
  NODEUP_ENV+=("AWS_REGION=$REGION" "AWS_EC2_METADATA_SERVICE_ENDPOINT=$HOIST_METADATA_URL")
  if [ -n "$S3_ENDPOINT_GIVEN" ]; then NODEUP_ENV+=("AWS_ENDPOINT_URL_S3=$HOIST_S3_ENDPOINT"); fi
fi
# The GCS client's credentials come from the metadata server; both it and GCS only where they were given.
if [ "$METADATA" = gce ]; then
  if [ -n "$METADATA_URL_GIVEN" ]; then NODEUP_ENV+=("GCE_METADATA_HOST=$HOIST_METADATA_URL"); fi
  if [ -n "$GCS_ENDPOINT_GIVEN" ]; then NODEUP_ENV+=("HOIST_GCS_ENDPOINT=$HOIST_GCS_ENDPOINT"); fi
fi
NODEUP_ARGS=(nodeup --conf "$CONF")
if [ -n "$HOIST_ROOT" ]; then NODEUP_ARGS+=(--root "$HOIST_ROOT"); fi

STEP=start-nodeup
case "$HOIST_SERVICE_MANAGER" in
  systemd)
    unit="$HOIST_ROOT/etc/systemd/system/hoist-nodeup.service"
    mkdir -p "$(dirname "$unit")"
    {
      echo "[Unit]"
      echo "Description=hoist nodeup: configures this machine from the state store"
      echo "Wants=network-online.target"
      echo "After=network-online.target"
      echo "StartLimitIntervalSec=0"
      echo "[Service]"
      echo "Type=oneshot"
      for e in "\${NODEUP_ENV[@]}"; do echo "Environment=\\"$e\\""; done
      echo "ExecStart=/opt/hoist/node/bin/node /opt/hoist/nodeup/nodeup.mjs nodeup --conf /etc/hoist/boot.yaml"
      echo "Restart=on-failure"
      echo "RestartSec=30"
      echo "[Install]"
      echo "WantedBy=multi-user.target"
    } >"$unit"
    log "wrote $unit"
    if [ -n "$HOIST_ROOT" ]; then
      log "not enabling hoist-nodeup.service: HOIST_ROOT is set, this is not the machine's own systemd"
    else
      systemctl daemon-reload
      systemctl enable hoist-nodeup.service
      # --no-block: cloud-init runs this script inside a unit of its own.
      systemctl start --no-block hoist-nodeup.service
      log "started hoist-nodeup.service (runs on every boot): journalctl -u hoist-nodeup"
    fi ;;
  none)
    STEP=run-nodeup
    log "running nodeup"
    code=0
    env "\${NODEUP_ENV[@]}" "$NODE" "$NODEUP" "\${NODEUP_ARGS[@]}" 2>&1 | tee "$STAGE/nodeup.out" || code=$?
    if [ "$code" -ne 0 ]; then
      # nodeup reports its own failures; this one says it stopped, with its last words.
      last=$(grep -v '^[[:space:]]*$' "$STAGE/nodeup.out" | tail -n 1 || true)
      report_failure 1 "nodeup exited with code $code\${last:+: $last}" || true
      log "nodeup failed (exit $code)\${last:+: $last}"
      exit "$code"
    fi
    rm -f "$STAGE/nodeup.out"
    log "nodeup finished" ;;
  supervisor)
    log "installed; the supervisor runs nodeup" ;;
  *)
    report_failure 1 "HOIST_SERVICE_MANAGER=$HOIST_SERVICE_MANAGER is not one of systemd, none, supervisor" || true
    log "HOIST_SERVICE_MANAGER=$HOIST_SERVICE_MANAGER is not one of systemd, none, supervisor"
    exit 2 ;;
esac
`;
