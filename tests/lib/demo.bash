# What the demo chapters share (tests/e2e/demo, tests/e2e/demo-l3): the checks before a run, the
# clean-up traps and the output helpers. Sourced first; the chapter then sources netns.bash and its colo.
#
#   demo_prepare NAME        root check, the Debian packages (install-deps), the build if missing
#   demo_traps               remove the namespaces on exit, Ctrl-C and termination; name a failed line
#   section TEXT / say TEXT  a heading / an indented line
#   show NS CMD...           CMD as run in namespace NS, then its output indented
#   indent                   indents stdin
#   ms SECONDS               "12.3 ms"
#   nstat_value SRV COUNTER  one SNMP counter of SRV

DEMO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export PMTUD_ROOT=$DEMO_ROOT BUILD=${BUILD:-build}

demo_prepare() { # NAME
  if ((EUID != 0)); then
    echo "$1: network namespaces need root: sudo make $1" >&2
    exit 1
  fi
  "$DEMO_ROOT/scripts/install-deps"
  if [[ ! -x $DEMO_ROOT/$BUILD/pmtud-helper || ! -x $DEMO_ROOT/$BUILD/tools/tcp-bulk ||
    ! -x $DEMO_ROOT/$BUILD/tools/frame-blast ]]; then
    make -C "$DEMO_ROOT" --no-print-directory all >/dev/null
  fi
}

DEMO_FAILED_LINE=""
_demo_on_exit() {
  local rc=$?
  if ((rc != 0)); then
    echo "demo: stopped (exit $rc${DEMO_FAILED_LINE:+, line $DEMO_FAILED_LINE}); removing the namespaces" >&2
  fi
  colo_destroy
}

demo_traps() {
  trap _demo_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'DEMO_FAILED_LINE=${DEMO_FAILED_LINE:-$LINENO}' ERR
}

# shellcheck disable=SC2034 # the colours are for the chapters
if [[ -t 1 ]]; then B=$'\e[1m' G=$'\e[32m' R=$'\e[31m' N=$'\e[0m'; else B="" G="" R="" N=""; fi
section() { printf '\n%s== %s%s\n' "$B" "$*" "$N"; }
say() { printf '  %s\n' "$*"; }
show() { # NS CMD...
  local ns=$1
  shift
  printf '  %s[%s]# %s%s\n' "$B" "$ns" "$*" "$N"
  nsx "$ns" "$@" 2>&1 | sed 's/^/      /'
}
indent() { sed 's/^/      /'; }
ms() { awk -v s="$1" 'BEGIN { printf "%.1f ms", s * 1000 }'; }
nstat_value() { colo_nstat "$1" "$2" | awk '{ print $2 }'; }
