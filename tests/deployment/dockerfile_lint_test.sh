#!/usr/bin/env bash
# The Dockerfile passes dockerfile_lint.sh, and the linter catches each rule
# on a bad sample (so a broken rule cannot pass silently).
# Usage: dockerfile_lint_test.sh REPO_ROOT
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lint="$here/dockerfile_lint.sh"
failed=0
bash "$lint" "$1/Dockerfile" || { echo "FAILED: the Dockerfile breaks the rules above"; failed=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
good='FROM debian:12 AS build
RUN apt-get update && apt-get install -y --no-install-recommends g++ && rm -rf /var/lib/apt/lists/*
FROM debian:12
COPY --from=build /usr/bin/g++ /usr/local/bin/
USER app
EXPOSE 8080
HEALTHCHECK CMD ["true"]
CMD ["serve"]'
printf '%s\n' "$good" >"$tmp/good"
bash "$lint" "$tmp/good" >/dev/null || { echo "FAILED: a good sample is refused:"; bash "$lint" "$tmp/good"; failed=1; }

# expect RULE SED-EXPRESSION: the good sample edited must be refused for RULE.
expect() {
  local rule="$1" edit="$2" out
  sed "$edit" "$tmp/good" >"$tmp/bad"
  out=$(bash "$lint" "$tmp/bad")
  if grep -q "$rule" <<<"$out"; then
    echo "  ok  $rule caught"
  else
    echo "FAILED: $rule not caught in:"
    cat "$tmp/bad"
    echo "$out"
    failed=1
  fi
}
expect DL3006 's/^FROM debian:12$/FROM debian/'
expect DL3007 's/^FROM debian:12 AS build$/FROM debian:latest AS build/'
expect DL3002 's/^USER app$/USER root/'
expect DL3002 '/^USER app$/d'
expect DL3005 's/apt-get update \&\&/apt-get update \&\& apt-get upgrade -y \&\&/'
expect DL3009 's| \&\& rm -rf /var/lib/apt/lists/\*||'
expect DL3015 's/--no-install-recommends //'
expect DL3014 's/install -y/install/'
expect DL3020 's|^COPY --from=build|ADD --from=build|'
expect DL3025 's/^CMD \["serve"\]$/CMD serve/'
expect DL3027 's/apt-get install/apt install/'
expect HEALTHCHECK '/^HEALTHCHECK/d'
expect 'EXPOSE 8080' 's/^EXPOSE 8080$/EXPOSE 9090/'
expect 'apt-get update without install' '2i RUN apt-get update'
exit "$failed"
