/* console.js - "Gateway console" (admin): DESIGN.md section 5 commands sent
 * to a gateway through ingest (ingest/command, cmd "console"); the
 * gateway's answer is shown as on a Telnet session. */
'use strict';
(function () {
  const CMDS = ['help', 'ipconfig', 'show addr', 'RS485 timeout', 'RS485 timeout=5', 'add addr=001', 'del addr=001',
    'zero ch=1 addr=001', 'ch addr=126 to 001', 'objnum=1', 'serv=192.168.10.1', 'port=2020', 'dev=192.168.10.186',
    'net=255.255.255.0', 'gate=192.168.10.1', 'mac=0004A3010383', 'disconnect server', 'save all', 'save all and reset',
    'reset', 'reset -d'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  async function history() {
    const obj = $('obj').value;
    if (!obj) return;
    try {
      const r = await App.api('GET', '/api/v1/objects/' + obj + '/commands?limit=20');
      $('history').replaceChildren(E('tr', {}, ...['time', 'user', 'command', 'state'].map(k => E('th', { text: App.t(k) }))),
        ...r.commands.map(c => E('tr', {}, E('td', { text: App.fmtTime(c.created) }), E('td', { text: c.actor }),
          E('td', { text: c.cmd === 'console' ? c.line : App.t('cmd.' + c.cmd) + ' ' + (c.addr || '') }),
          E('td', { class: 'state', text: App.t('state.' + c.state) }))));
    } catch (e) { App.showError($('msg'), e); }
  }

  async function send(line) {
    const obj = $('obj').value;
    $('msg').hidden = true;
    $('term').textContent += '>> ' + line + '\n';
    $('send').disabled = true;
    try {
      const r = await App.api('POST', '/api/v1/objects/' + obj + '/console', { line });
      const res = r.result || {};
      $('term').textContent += (res.ok === false ? 'ERROR: ' + (res.error || '') : (res.output || '')) +
        (r.state !== 'done' && r.state !== 'failed' ? '[' + App.t('state.' + r.state) + ']' : '') + '\n';
    } catch (e) {
      $('term').textContent += '[' + App.errorText(e) + ']\n';
      App.showError($('msg'), e);
    }
    $('send').disabled = false;
    $('term').scrollTop = $('term').scrollHeight;
    history();
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.console');
    $('cmds').replaceChildren(...CMDS.map(c => E('option', { value: c })));
    $('quick').replaceChildren(...['show addr', 'ipconfig', 'RS485 timeout', 'help'].map(c => E('button', { type: 'button', text: c, onclick: () => send(c) })));
    try {
      const r = await App.api('GET', '/api/v1/objects');
      $('obj').replaceChildren(...r.objects.map(o => E('option', { value: o.obj, text: o.obj + (o.label ? ' — ' + o.label : '') })));
    } catch (e) { App.showError($('msg'), e); }
    $('obj').addEventListener('change', history);
    $('form').addEventListener('submit', ev => { ev.preventDefault(); const l = $('line').value.trim(); if (l) { send(l); $('line').value = ''; } });
    history();
  });
})();
