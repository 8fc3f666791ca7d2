#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The system calls a unit's SystemCallFilter= lines allow, one per line, as systemd reads them:
# allow-list lines are joined, then each "~" line takes its calls away; groups (@name) are
# expanded by `systemd-analyze syscall-filter` itself, so the list is this systemd's own. Prints
# "unfiltered" and exits 3 when the unit has no allow-list (a deny-list alone allows what is not
# named, which a list of names cannot say). tests/support/syscall_jail.cpp loads the result.
#   unit_syscalls.sh UNIT
set -euo pipefail
unit=$1
command -v systemd-analyze >/dev/null || { echo "no systemd-analyze (package systemd)" >&2; exit 77; }

declare -A seen=()
expand() {  # a group or call name -> its calls, groups expanded (each group once)
  local item=$1
  if [[ $item != @* ]]; then echo "$item"; return; fi
  [ -n "${seen[$item]:-}" ] && return
  seen[$item]=1
  local line
  while read -r line; do
    [[ -z $line || $line == \#* ]] && continue
    expand "$line"
  done < <(systemd-analyze syscall-filter --no-pager "$item")
}

allow=() deny=()
while IFS= read -r line; do
  value=${line#SystemCallFilter=}
  if [[ $value == ~* ]]; then read -r -a words <<<"${value#\~}"; deny+=("${words[@]}")
  else read -r -a words <<<"$value"; allow+=("${words[@]}"); fi
done < <(grep -E '^SystemCallFilter=' "$unit")
if [ ${#allow[@]} -eq 0 ]; then echo "$unit: no allow-list SystemCallFilter=" >&2; exit 1; fi

allowed=$(for a in "${allow[@]}"; do seen=(); expand "$a"; done | sort -u)
denied=$(for d in "${deny[@]}"; do seen=(); expand "$d"; done | sort -u)
# systemd lets these through any allow-list: the filter's own setup and a process's end
# (systemd.exec(5), SystemCallFilter=).
implicit=$(printf '%s\n' execve exit exit_group getrlimit rt_sigreturn sigreturn | sort -u)
comm -23 <(printf '%s\n%s\n' "$allowed" "$implicit" | sort -u) <(echo "$denied")
