#!/usr/bin/env bash
# Opens an evacbench HTML report in headless Chromium and fails if the page logs a console error
# or if a plot is missing, empty or not drawn; then saves a screenshot.
#
#   bash scripts/check-report.sh REPORT_HTML [SCREENSHOT_PNG]
#
# What it checks, on an instrumented copy of the page (the report itself has no script):
#   - console errors: console.error calls, uncaught exceptions, unhandled rejections and
#     resources that fail to load, caught by a script that runs before the page's own content,
#     plus any "Uncaught" or "Failed to load" line in Chromium's console log;
#   - plots: <body data-expected-plots=N> must match the number of <figure data-plot> elements,
#     and each figure must hold exactly one <svg> rendered at least 100x100 px with at least
#     data-marks filled marks (<circle>, <rect>, <polygon>; the background rectangle excluded),
#     so a plot drawn without its data fails;
#   - layout: the page must not be wider than the window (1400 px, or CHECK_WIDTH): wide
#     tables scroll inside their box, charts scale down.
# Then it screenshots the original page (1400x3000 unless SCREENSHOT_SIZE=WxH is set) into
# SCREENSHOT_PNG (default: the report path with .png instead of .html).
#
# Needs Debian's `chromium` (or CHROMIUM=/path/to/chromium). Works as root (--no-sandbox) and
# without network (every host name resolves to nothing). Exit status: 0 all checks passed,
# 1 a check failed, 2 bad usage or Chromium missing.
set -euo pipefail

usage() { echo "usage: bash scripts/check-report.sh REPORT_HTML [SCREENSHOT_PNG]" >&2; exit 2; }
[ $# -ge 1 ] && [ $# -le 2 ] || usage
html=$1
[ -f "$html" ] || { echo "check-report: $html: no such file" >&2; exit 2; }
png=${2:-${html%.html}.png}
chromium=${CHROMIUM:-chromium}
command -v "$chromium" >/dev/null 2>&1 || {
    echo "check-report: '$chromium' not found; install it (Debian: apt-get install chromium) or set CHROMIUM" >&2
    exit 2
}
width=${CHECK_WIDTH:-1400}
size=${SCREENSHOT_SIZE:-1400,3000}
size=${size/x/,}

dir=$(cd "$(dirname "$html")" && pwd)
abs="$dir/$(basename "$html")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Chromium flags shared by both runs: headless, no sandbox (root), no GPU, no network.
run_chromium() {
    local profile
    profile=$(mktemp -d "$tmp/profile.XXXXXX")
    timeout 180 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --disable-extensions --host-resolver-rules="MAP * ~NOTFOUND" \
        --user-data-dir="$profile" "$@"
}

# Runs first, before any of the page: records every kind of error.
cat > "$tmp/prelude.html" <<'EOF'
<script>
(function () {
  var errors = window.__checkErrors = [];
  var original = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    return original.apply(console, arguments);
  };
  window.addEventListener("error", function (e) {
    if (e.message) { errors.push("uncaught: " + e.message); return; }
    var t = e.target || {};
    errors.push("failed to load: <" + (t.tagName || "?").toLowerCase() + "> " + (t.src || t.href || ""));
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + e.reason);
  });
})();
</script>
EOF

# Runs after the page has loaded: counts plots and marks, measures the width, reports.
cat > "$tmp/checker.html" <<'EOF'
<script>
window.addEventListener("load", function () {
  var say = function (s) { console.log("evacbench-check: " + s); };
  var problems = [];
  var expected = parseInt(document.body.getAttribute("data-expected-plots"), 10);
  var figures = document.querySelectorAll("figure[data-plot]");
  if (isNaN(expected)) problems.push("<body> has no data-expected-plots attribute");
  else if (figures.length !== expected)
    problems.push("expected " + expected + " plots, the page has " + figures.length);
  var drawn = 0, marks = 0;
  figures.forEach(function (f) {
    var id = f.getAttribute("data-plot");
    var want = parseInt(f.getAttribute("data-marks"), 10);
    var svgs = f.querySelectorAll("svg");
    if (svgs.length !== 1) { problems.push(id + ": " + svgs.length + " <svg> elements, expected 1"); return; }
    var box = svgs[0].getBoundingClientRect();
    if (box.width < 100 || box.height < 100) {
      problems.push(id + ": plot rendered " + Math.round(box.width) + "x" + Math.round(box.height) + " px");
      return;
    }
    if (!(want > 0)) { problems.push(id + ": no data-marks (a plot without values)"); return; }
    var filled = Math.max(0, svgs[0].querySelectorAll("circle, rect, polygon").length - 1);
    if (filled < want) { problems.push(id + ": " + filled + " marks drawn, " + want + " values expected"); return; }
    drawn++; marks += want;
  });
  var width = document.documentElement.scrollWidth;
  if (width > window.innerWidth + 1)
    problems.push("the page is " + width + " px wide in a " + window.innerWidth + " px window (horizontal overflow)");
  window.__checkErrors.forEach(function (e) { say("error: " + e); });
  problems.forEach(function (p) { say("problem: " + p); });
  say("summary: plots=" + drawn + "/" + (isNaN(expected) ? "?" : expected) + " marks=" + marks +
      " width=" + width + "/" + window.innerWidth + " errors=" + window.__checkErrors.length +
      " problems=" + problems.length);
});
</script>
EOF

# The instrumented copy: <base> keeps relative links pointing at the report's directory.
awk -v base="file://$dir/" -v pre="$tmp/prelude.html" -v post="$tmp/checker.html" '
    BEGIN {
        while ((getline line < pre) > 0) P = P line "\n"
        while ((getline line < post) > 0) Q = Q line "\n"
    }
    { lines[NR] = $0 }
    END {
        for (i = 1; i <= NR && !head; i++) if (match(lines[i], /<head( [^>]*)?>/)) {
            cut = RSTART + RLENGTH - 1
            lines[i] = substr(lines[i], 1, cut) "\n<base href=\"" base "\">\n" P substr(lines[i], cut + 1)
            head = 1
        }
        for (i = NR; i >= 1 && !body; i--) if ((k = index(lines[i], "</body>")) > 0) {
            lines[i] = substr(lines[i], 1, k - 1) Q substr(lines[i], k)
            body = 1
        }
        if (!head) printf "%s", P
        for (i = 1; i <= NR; i++) print lines[i]
        if (!body) printf "%s", Q
    }' "$abs" > "$tmp/check.html"
grep -q "evacbench-check" "$tmp/check.html" || { echo "check-report: could not instrument $html" >&2; exit 2; }

echo "check-report: $abs"
echo "check-report: $("$chromium" --version 2>/dev/null | head -1)"
run_chromium --enable-logging=stderr --v=0 --window-size="$width",3000 --virtual-time-budget=15000 \
    --dump-dom "file://$tmp/check.html" > "$tmp/dom.html" 2> "$tmp/console.log" || {
    echo "check-report: FAILED: chromium exited with an error; its log:" >&2
    tail -20 "$tmp/console.log" >&2
    exit 1
}

# Chromium writes console messages as `...:INFO:CONSOLE:<line>] "<message>", source: ...`.
grep -E ':CONSOLE' "$tmp/console.log" > "$tmp/messages" || true
checks=$(grep -o '"evacbench-check: [^"]*' "$tmp/messages" | sed 's/^"evacbench-check: //' || true)
status=0
if [ -z "$checks" ]; then
    echo "check-report: FAILED: the check did not run (the page never finished loading?)" >&2
    tail -20 "$tmp/console.log" >&2
    exit 1
fi
others=$(grep -v '"evacbench-check: ' "$tmp/messages" || true)
if printf '%s\n' "$others" | grep -qiE 'Uncaught|Failed to load|error'; then
    echo "check-report: FAILED: console errors:" >&2
    printf '%s\n' "$others" | grep -iE 'Uncaught|Failed to load|error' | sed 's/^/  /' >&2
    status=1
fi
if printf '%s\n' "$checks" | grep -qE '^(error|problem): '; then
    echo "check-report: FAILED:" >&2
    printf '%s\n' "$checks" | grep -E '^(error|problem): ' | sed 's/^/  /' >&2
    status=1
fi
summary=$(printf '%s\n' "$checks" | grep '^summary: ' | sed 's/^summary: //')
echo "check-report: console errors: $(printf '%s\n' "$checks" | grep -c '^error: ' || true)"
echo "check-report: plots drawn/expected, data marks, page width/window, errors, problems: $summary"
if [ "$status" -ne 0 ]; then
    exit "$status"
fi

mkdir -p "$(dirname "$png")"
run_chromium --window-size="$size" --hide-scrollbars --screenshot="$png" "file://$abs" \
    > "$tmp/shot.log" 2>&1 || {
    echo "check-report: FAILED: the screenshot failed:" >&2
    tail -5 "$tmp/shot.log" >&2
    exit 1
}
[ -s "$png" ] || { echo "check-report: FAILED: no screenshot written to $png" >&2; exit 1; }
echo "check-report: screenshot ($size): $png"
echo "check-report: OK"
