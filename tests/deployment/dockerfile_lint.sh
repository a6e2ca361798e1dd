#!/usr/bin/env bash
# A few of hadolint's rules, checked without hadolint (not in Debian 12):
#   DL3006/DL3007  every FROM names a pinned tag (not :latest, not untagged)
#                  or digest, or an earlier stage
#   DL3002         the final stage ends as a user other than root
#   DL3005         no apt-get upgrade / dist-upgrade
#   DL3009         a RUN that installs with apt-get removes /var/lib/apt/lists
#   DL3015         apt-get install with --no-install-recommends
#   DL3014         apt-get install with -y
#   DL3020         COPY, not ADD, for files
#   DL3025         CMD and ENTRYPOINT in exec (JSON) form
#   DL3027         apt-get, not apt
#   project rules  apt-get update only together with install (one RUN);
#                  a HEALTHCHECK and EXPOSE 8080 in the final stage
# Usage: dockerfile_lint.sh DOCKERFILE — prints one line per problem
# ("FILE:LINE: RULE message"), exit status 1 if any.
set -uo pipefail
file="$1"
[ -r "$file" ] || { echo "$file: cannot read" >&2; exit 2; }

# Joins continuation lines; prints "LINE<TAB>INSTRUCTION" per instruction
# (comments and blank lines dropped).
instructions() {
  awk '
    function flush() { if (text != "") print start "\t" text; text = "" }
    /^[ \t]*#/ && text == "" { next }
    /^[ \t]*$/ && text == "" { next }
    {
      line = $0
      if (text == "") start = NR
      if (line ~ /\\[ \t]*$/) { sub(/\\[ \t]*$/, " ", line); text = text line; next }
      text = text line
      flush()
    }
    END { flush() }
  ' "$1"
}

problems=0
report() { echo "$file:$1: $2"; problems=$((problems + 1)); }

stages=()
final_user=""
final_health=0
final_expose=""
in_final=0
from_count=$(instructions "$file" | awk -F'\t' 'toupper($2) ~ /^[ \t]*FROM[ \t]/' | wc -l)
n_from=0
while IFS=$'\t' read -r line text; do
  keyword=$(awk '{print toupper($1)}' <<<"$text")
  args=${text#*[[:space:]]}
  case "$keyword" in
    FROM)
      n_from=$((n_from + 1))
      [ "$n_from" -eq "$from_count" ] && in_final=1
      read -r -a words <<<"$args"
      image=""
      for w in "${words[@]}"; do
        case "$w" in --*) continue ;; esac
        image="$w"
        break
      done
      alias=""
      if [ "${#words[@]}" -ge 3 ] && [ "$(tr '[:lower:]' '[:upper:]' <<<"${words[-2]}")" = AS ]; then alias="${words[-1]}"; fi
      known=0
      for s in "${stages[@]}"; do [ "$s" = "$image" ] && known=1; done
      if [ "$known" -eq 0 ] && [ "$image" != scratch ]; then
        if [[ "$image" != *@sha256:* ]]; then
          tag=""
          [[ "${image##*/}" == *:* ]] && tag="${image##*:}"
          if [ -z "$tag" ]; then report "$line" "DL3006 FROM $image: pin a tag"; fi
          if [ "$tag" = latest ]; then report "$line" "DL3007 FROM $image: pin a tag other than latest"; fi
        fi
      fi
      [ -n "$alias" ] && stages+=("$alias")
      ;;
    USER) [ "$in_final" -eq 1 ] && final_user="$args" ;;
    HEALTHCHECK) [ "$in_final" -eq 1 ] && [[ "$(tr '[:lower:]' '[:upper:]' <<<"$args")" != NONE* ]] && final_health=1 ;;
    EXPOSE) [ "$in_final" -eq 1 ] && final_expose="$final_expose $args" ;;
    ADD)
      report "$line" "DL3020 use COPY instead of ADD for files and folders"
      ;;
    CMD | ENTRYPOINT)
      [[ "$args" =~ ^[[:space:]]*\[ ]] || report "$line" "DL3025 $keyword in exec (JSON) form"
      ;;
    RUN)
      if grep -Eq '(^|[^[:alnum:]-])apt-get[[:space:]]+(-[^[:space:]]+[[:space:]]+)*(upgrade|dist-upgrade)' <<<"$args"; then
        report "$line" "DL3005 do not apt-get upgrade in a Dockerfile (pin the base image instead)"
      fi
      if grep -Eq '(^|[[:space:];&|])apt[[:space:]]' <<<"$args"; then
        report "$line" "DL3027 use apt-get, not apt"
      fi
      if grep -Eq 'apt-get[[:space:]].*install' <<<"$args"; then
        grep -Eq 'rm[[:space:]]+-(rf|fr)[[:space:]]+/var/lib/apt/lists' <<<"$args" ||
          report "$line" "DL3009 remove /var/lib/apt/lists/* in the RUN that installs"
        grep -q -- '--no-install-recommends' <<<"$args" ||
          report "$line" "DL3015 apt-get install --no-install-recommends"
        grep -Eq -- 'install[[:space:]].*(-y|--yes|--assume-yes)|(-y|--yes|--assume-yes)[[:space:]].*install' <<<"$args" ||
          report "$line" "DL3014 apt-get install -y"
      elif grep -Eq 'apt-get[[:space:]]+update' <<<"$args"; then
        report "$line" "apt-get update without install in the same RUN (a stale cached layer)"
      fi
      ;;
  esac
done < <(instructions "$file")

user_name=${final_user%%:*}
if [ -z "$final_user" ]; then
  report "$(wc -l <"$file")" "DL3002 the final stage runs as root: add USER <non-root>"
elif [ "$user_name" = root ] || [ "$user_name" = 0 ]; then
  report "$(wc -l <"$file")" "DL3002 the last USER of the final stage is root"
fi
[ "$final_health" -eq 1 ] || report "$(wc -l <"$file")" "the final stage has no HEALTHCHECK"
grep -Eq '(^|[[:space:]])8080(/tcp)?([[:space:]]|$)' <<<"$final_expose" ||
  report "$(wc -l <"$file")" "the final stage does not EXPOSE 8080"

[ "$problems" -eq 0 ] || exit 1
echo "$file: ok"
