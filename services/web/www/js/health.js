/* health.js - "Services": each service's status topic (amr/v1/svc/+/status,
 * updated live) with a ping, what it is for and what it serves (its own RPC
 * methods: one that has none is running but does nothing yet), the
 * broker's state, and amr-notify's channels (e-mail, SMS through Kannel,
 * webhooks: their servers, tries and last error, the messages owed, the
 * incoming SMS listener). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  let last = null;

  /* Mosquitto's "$SYS/broker/uptime" ("66 seconds") in the page's words */
  function uptime(u) {
    const m = /^(\d+) seconds?$/.exec(u || '');
    return m ? App.fmtDuration(+m[1]) : (u || '—');
  }

  function render(r) {
    last = r;
    const b = r.broker;
    $('broker').replaceChildren(
      E('div', {}, E('span', { text: App.t('state') }), E('span', { class: 'badge ' + (b.connected ? 'ok' : 'bad'), id: 'broker-state', text: b.connected ? App.t('connected') : App.t('offline') })),
      E('div', {}, E('span', { text: App.t('version') }), E('b', { text: b.version || '—' })),
      E('div', {}, E('span', { text: App.t('uptime') }), E('b', { id: 'broker-uptime', text: uptime(b.uptime) })),
      E('div', {}, E('span', { text: App.t('clients') }), E('b', { text: b.clients || '—' })));
    const ping = new Map((r.ping || []).map(p => [p.name, p]));
    const serves = new Map((r.serves || []).map(x => [x.name, x]));
    const names = [...new Set(r.services.map(s => s.name).concat([...ping.keys()]))].sort();
    $('services').replaceChildren(E('tr', {}, ...['services', 'svc.role', 'state', 'svc.serves', 'version', 'started', 'ping'].map(k => E('th', { text: App.t(k) }))),
      ...names.map(n => {
        const s = r.services.find(x => x.name === n) || { name: n, online: null };
        const p = ping.get(n);
        const sv = serves.get(n), m = sv && sv.methods;
        /* a service that answers nothing but ping is running, not serving */
        const idle = s.online && m !== undefined && m.length === 0 && !sv.routes;
        return E('tr', { id: 'svc-' + n, dataset: { serves: m === undefined ? '' : m.length + (sv.routes || 0) } }, E('td', { text: 'amr-' + n }),
          E('td', { class: 'role', text: App.t('svc.role.' + n) !== 'svc.role.' + n ? App.t('svc.role.' + n) : '—' }),
          E('td', {}, s.online && s.problem ? [E('span', { class: 'badge bad', text: App.t('svc.problem') }), E('div', { class: 'problem', text: s.problem })] :
            E('span', { class: 'badge ' + (idle ? 'warn' : s.online ? 'ok' : s.online === false ? 'bad' : ''),
            text: idle ? App.t('svc.idle') : s.online ? App.t('online') : s.online === false ? App.t('offline') : App.t('unknown') })),
          E('td', { class: 'serves' }, m === undefined ? '—' : sv.routes ? App.t('svc.routes') + ' ' + sv.routes : m.length === 0 ? E('b', { text: App.t('svc.none') }) :
            E('span', { title: m.join(', '), text: App.t('svc.methods') + ' ' + m.length + ': ' + m.slice(0, 4).join(', ') + (m.length > 4 ? ', …' : '') })),
          E('td', { text: s.version || '—' }), E('td', { text: App.fmtTime(s.started) }),
          E('td', { text: p ? (p.ok ? p.ms + ' ' + App.unit('ms') : p.error) : '—' }));
      }));
  }

  function renderChannels(r) {
    const fact = (k, v, id) => E('div', {}, E('span', { text: App.t(k) }), E('b', { id, text: v }));
    $('owed').replaceChildren(fact('hc.queued', String(r.queued || 0), 'hc-queued'),
      ...(r.next_due ? [fact('hc.next_due', App.fmtTime(r.next_due))] : []),
      fact('hc.sms_in', r.sms_in || App.t('hc.off'), 'hc-sms-in'));
    const chs = r.channels || [];
    if (!chs.length) {
      $('channels').replaceChildren(E('tr', {}, E('td', { text: App.t('hc.none') })));
      return;
    }
    $('channels').replaceChildren(E('tr', {}, ...['hc.channel', 'hc.server', 'hc.sent', 'hc.retried', 'hc.failed', 'hc.last_ok', 'hc.last_error'].map(k => E('th', { text: App.t(k) }))),
      ...chs.map(c => E('tr', { id: 'hc-' + c.channel },
        E('td', { 'data-label': App.t('hc.channel'), text: App.t('ch.' + c.channel) }),
        E('td', { 'data-label': App.t('hc.server'), text: c.server || '—' }),
        E('td', { 'data-label': App.t('hc.sent'), class: 'num', text: String(c.sent) }),
        E('td', { 'data-label': App.t('hc.retried'), class: 'num', text: String(c.retried) }),
        E('td', { 'data-label': App.t('hc.failed'), class: 'num', text: String(c.failed) }),
        E('td', { 'data-label': App.t('hc.last_ok'), text: c.last_ok ? App.fmtTime(c.last_ok) : '—' }),
        E('td', { 'data-label': App.t('hc.last_error') }, c.last_error ?
          E('span', { class: 'badge ' + (c.last_ok > c.last_error.ts ? 'warn' : 'bad'), text: App.fmtTime(c.last_error.ts) + ': ' + c.last_error.why }) : '—'))));
  }

  async function load() {
    try { render(await App.api('GET', '/api/v1/services?ping=1')); } catch (e) { App.showError($('msg'), e); }
    try { renderChannels(await App.api('GET', '/api/v1/notify/channels')); } catch (e) {
      $('owed').replaceChildren(E('div', {}, E('span', { class: 'badge bad', text: App.t('hc.down') })));
      $('channels').replaceChildren();
    }
  }

  App.start(App.ROLES_STAFF, async () => {
    document.title = App.t('nav.health');
    $('refresh').addEventListener('click', load);
    App.stream(0, { service: up => {
      if (!last) return;
      const i = last.services.findIndex(s => s.name === up.service.name);
      if (i >= 0) last.services[i] = up.service; else last.services.push(up.service);
      render(last);
    } }, ok => { $('stream-state').textContent = ok ? '● ' + App.t('stream.on') : '○ ' + App.t('stream.off'); });
    await load();
  });
})();
