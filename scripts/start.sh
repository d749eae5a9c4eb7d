#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The main job: installs npm packages if needed, builds, then runs the signing agent on the
# embedded development token together with the demo portal, until Ctrl-C.
#   bash scripts/start.sh --headless-demo [DIR]   on a machine without a display: runs the whole
#     flow once in Chromium with the extension loaded (pair, seal a voucher and a 20-item batch,
#     stamp and verify the notice PDF, open the viewer) and leaves the stamped PDF, the verification
#     report, screenshots and a summary in DIR (default ./eseal-demo-output-<timestamp>).
set -euo pipefail
headless=0
out_dir=""
case "${1:-}" in
  # DIR is taken relative to where the command was typed, before the cd below.
  --headless-demo) headless=1; out_dir=$(realpath -m "${2:-eseal-demo-output-$(date -u +%Y%m%d-%H%M%S)}") ;;
  "") ;;
  *) echo "用法 / usage: bash scripts/start.sh [--headless-demo [DIR]]" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/.."
if [ "$headless" = 1 ]; then
  # The headless run needs Debian's Chromium, and a CJK font so the screenshots show Chinese.
  need=()
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  [ -n "$(fc-list :lang=zh 2>/dev/null)" ] || need+=(fonts-wqy-microhei)
  [ -e /usr/lib/chromium/locales/zh-CN.pak ] || need+=(chromium-l10n)  # the extension's pages in Chinese
  if [ "${#need[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    else
      echo "warning: not root; missing Debian packages: ${need[*]}" >&2
    fi
  fi
fi
export npm_config_nodedir=/usr
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.eseal-lock-sha256 2>/dev/null)" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.eseal-lock-sha256
fi
node scripts/build.mjs all
if [ "$headless" = 1 ]; then
  # Its own agent (fresh state, free port), portal and Chromium: nothing else needs to be running.
  exec node dist/demo/headless.mjs "$out_dir"
fi
ext_id=$(cat extension/EXTENSION_ID)
port=${ESEAL_AGENT_PORT:-17530}
demo_port=${ESEAL_DEMO_PORT:-8080}

# The development policy for the demo portal's origin, also trusting the development PKI (so the
# verification page can say the demo's seals are valid); the agent builds that PKI on first start.
state_dir=${ESEAL_STATE_DIR:-${XDG_STATE_HOME:-$HOME/.local/state}/eseal}
policy_file=dist/demo/dev-policy.json
node dist/demo/headless.mjs --policy-json "http://localhost:$demo_port" "${ESEAL_DEV_PKI:-$state_dir/dev/pki}" > "$policy_file"
node dist/agent/eseal.mjs agent --dev --port "$port" --policy "$policy_file" \
  --allow-origin "chrome-extension://$ext_id" &
agent_pid=$!
ESEAL_DEMO_PORT=$demo_port node dist/demo/server.mjs &
demo_pid=$!
trap 'kill $agent_pid $demo_pid 2>/dev/null || true' EXIT INT TERM
cat <<TXT

ESeal 已启动 / ESeal is running
  签章服务 agent:      ws://127.0.0.1:$port   (开发用软件令牌 / development software token)
  演示门户 demo portal: http://localhost:$demo_port/
  浏览器扩展 extension: 在 chrome://extensions 打开"开发者模式"，"加载已解压的扩展程序"，选择
                       dist/extension/chrome（Firefox: dist/extension/firefox）
                       load unpacked from dist/extension/chrome (ID $ext_id)
按 Ctrl-C 停止 / press Ctrl-C to stop
TXT
wait
