#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# packaging/deb-depends against a shlibs list made for the ELF files at hand (the kelu binary and,
# with vision, the camera module): every library one of them needs is mapped once, `udeb:` lines and comments are skipped, a package named twice is listed once, the
# list is sorted, and a library no line covers fails, named.
#   deb_depends_test.sh DEB_DEPENDS ELF...
set -euo pipefail
script=$1
shift
elves=("$@")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t needed < <(for elf in "${elves[@]}"; do readelf -d "$elf"; done |
                      sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort -u)
[ ${#needed[@]} -ge 3 ] || { echo "expected a binary with several libraries: ${needed[*]}"; exit 1; }
{
  echo "# a comment"
  for so in "${needed[@]}"; do
    name=${so%%.so*} version=${so#*.so.}
    echo "udeb: $name $version wrong-$name-udeb"
    # libc.so.6 and libm.so.6 come from one package, as in Debian's libc6.
    case "$name" in libc | libm) pkg=libc6-test ;; *) pkg=pkg-$name ;; esac
    echo "$name $version $pkg (>= 1.$version)"
  done
} >"$work/shlibs"
got=$("$script" "$work/shlibs" readelf "${elves[@]}")
want=$(for so in "${needed[@]}"; do
         name=${so%%.so*} version=${so#*.so.}
         case "$name" in libc | libm) echo "libc6-test (>= 1.6)" ;; *) echo "pkg-$name (>= 1.$version)" ;; esac
       done | sort -u | paste -sd, - | sed 's/,/, /g')
[ "$got" = "$want" ] || { printf 'got:  %s\nwant: %s\n' "$got" "$want"; exit 1; }
grep -q wrong <<<"$got" && { echo "a udeb line was used: $got"; exit 1; }

missing=${needed[1]}
grep -v "^${missing%%.so*} " "$work/shlibs" >"$work/partial"
if "$script" "$work/partial" readelf "${elves[@]}" 2>"$work/err"; then echo "a library without a shlibs line passed"; exit 1; fi
grep -q "no shlibs entry for $missing" "$work/err" || { echo "the error does not name $missing: $(cat "$work/err")"; exit 1; }
echo "deb-depends: ${#needed[@]} libraries of ${#elves[@]} files mapped; the missing one named"
