#!/usr/bin/env bash
# Opens a report page in headless Chromium and checks that its figures really render: the page's
# own script counts the <svg> figures with a non-empty box into <body data-rendered-figures="N">,
# which --dump-dom shows. Optionally also takes a screenshot for people to look at.
#
#   render_html.sh PAGE.html EXPECTED_MIN_FIGURES [SCREENSHOT.png]
#
# Exit 0: pass; 1: fail; 77: chromium not installed (ctest SKIP_RETURN_CODE); 2: bad usage.
set -u

usage() { echo "usage: $0 PAGE.html EXPECTED_MIN_FIGURES [SCREENSHOT.png]" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ $# -ge 2 && $# -le 3 ]] || usage
page=$1
expected=$2
screenshot=${3:-}
[[ $expected =~ ^[0-9]+$ ]] || usage
[[ -f $page ]] || fail "no page at $page"

browser=$(command -v chromium || true)
if [[ -z $browser ]]; then
  echo "skipped: chromium not installed"
  exit 77
fi

absolute=$(cd "$(dirname "$page")" && pwd)/$(basename "$page")
# A profile of our own: parallel ctest runs must not share one, and nothing lands in $HOME.
profile=$(mktemp -d "${TMPDIR:-/tmp}/render_html.XXXXXX")
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --user-data-dir="$profile" --no-first-run
       --disable-extensions --enable-logging=stderr --v=0)

timeout 60 "$browser" "${flags[@]}" --dump-dom "file://$absolute" >"$profile/dom.html" 2>"$profile/log.txt"
status=$?
[[ $status -eq 124 ]] && fail "chromium did not finish within 60 s"
[[ $status -eq 0 ]] || { tail -n 20 "$profile/log.txt" >&2; fail "chromium exited with status $status"; }

# Uncaught script errors show in the console log, and the page counts them itself.
if grep 'Uncaught' "$profile/log.txt" >&2; then
  fail "the page raised a script error (above)"
fi
body=$(grep -o '<body[^>]*>' "$profile/dom.html" | head -n 1)
[[ -n $body ]] || fail "chromium returned no <body> for $absolute"
if [[ $body =~ data-page-errors=\"([0-9]+)\" ]]; then
  fail "the page counted ${BASH_REMATCH[1]} script error(s)"
fi
[[ $body =~ data-rendered-figures=\"([0-9]+)\" ]] ||
  fail "no data-rendered-figures on <body>: the page's script did not run ($body)"
rendered=${BASH_REMATCH[1]}
((rendered >= expected)) || fail "$rendered figure(s) rendered, expected at least $expected"
echo "rendered figures: $rendered (expected at least $expected)"

if [[ -n $screenshot ]]; then
  rm -f "$screenshot"
  timeout 60 "$browser" "${flags[@]}" --hide-scrollbars --window-size=1280,2400 --screenshot="$screenshot" \
    "file://$absolute" >"$profile/shot.txt" 2>&1
  status=$?
  [[ $status -eq 0 ]] || { tail -n 20 "$profile/shot.txt" >&2; fail "chromium screenshot exited with status $status"; }
  [[ -f $screenshot ]] || fail "no screenshot written to $screenshot"
  [[ $(head -c 8 "$screenshot" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$screenshot is not a PNG"
  # A blank 1280×2400 page compresses to about 14 kB; two small figures already take ~100 kB.
  size=$(wc -c <"$screenshot")
  ((size > 30000)) || fail "screenshot $screenshot is only $size bytes: is the page blank?"
  echo "screenshot: $screenshot ($size bytes)"
fi
echo "PASS: $page"
