// Asks the ESeal extension for its status; no answer within 1 s means the extension is missing.
(function () {
  var el = document.getElementById('status');
  var id = 'status-' + Date.now();
  var acked = false;
  window.addEventListener('message', function (event) {
    if (event.source !== window || !event.data || event.data.id !== id) return;
    if (event.data.action === 'eseal:status-ack') acked = true;
    if (event.data.action === 'eseal:status-result') {
      var r = event.data.result || {};
      el.textContent = '扩展 ' + r.extensionVersion + '，签章服务 / agent: ' + (r.agent && r.agent.connected ? '已连接 connected ' + r.agent.agentVersion : '未连接 not connected');
    }
  });
  window.postMessage({ action: 'eseal:status', id: id }, window.location.origin);
  setTimeout(function () { if (!acked) el.textContent = '未安装 ESeal 扩展 / the ESeal extension is not installed'; }, 1000);
})();
