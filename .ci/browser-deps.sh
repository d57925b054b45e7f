#!/usr/bin/env bash
# Installs what tests/browser.rs needs on a fresh Debian machine (run as root):
# Chromium + chromedriver, a Java runtime for vnu.jar (only when `java` is missing),
# and the npm packages pinned in tests/browser/package-lock.json (vnu-jar, axe-core).
# Idempotent: apt runs only when something is missing; npm ci reinstalls exactly the lock.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

export DEBIAN_FRONTEND=noninteractive

packages=()
[[ -x /usr/bin/chromium ]] || packages+=(chromium)
command -v chromedriver >/dev/null 2>&1 || packages+=(chromium-driver)
command -v java >/dev/null 2>&1 || packages+=(default-jre-headless)
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

if ((${#packages[@]} > 0)); then
    echo "browser-deps: installing ${packages[*]}"
    mkdir -p /usr/share/man/man1 # slim images lack it and the JRE postinst needs it
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# --ignore-scripts: vnu-jar's postinstall would try to download a Java runtime of its
# own when none is found; we install Debian's instead. npm ci is cheap and exact.
echo "browser-deps: npm ci --prefix tests/browser"
npm ci --prefix tests/browser --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null

echo "browser-deps: chromium $(/usr/bin/chromium --version 2>/dev/null | awk '{print $2}'), $(chromedriver --version | awk '{print $1, $2}'), $(java -version 2>&1 | head -n1)"
