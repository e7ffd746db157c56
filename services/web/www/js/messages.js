/* messages.js - "Delivery log" (admin, operator): what amr-notify sent or
 * owes, newest first (GET /api/v1/notify/messages): each message's
 * channel, addressee, subject and state (queued, sending, sent, failed
 * with the server's reason), tries and times; #alarm=N the messages of
 * one alarm. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  function row(m) {
    const bad = m.state === 'failed';
    return E('tr', { id: 'msg-' + m.id, dataset: { state: m.state, alarm: m.alarm || '' } },
      E('td', { class: 'name', text: App.fmtTime(m.created) }),
      E('td', { 'data-label': App.t('msg.alarm') }, m.alarm ? E('a', { href: '/alarms.html#id=' + m.alarm, text: String(m.alarm) }) : '—'),
      E('td', { 'data-label': App.t('msg.channel'), text: App.t('ch.' + m.channel) }),
      E('td', { 'data-label': App.t('msg.to'), text: (m.contact ? m.contact + ': ' : '') + (m.to || '') }),
      E('td', { class: 'subject', 'data-label': App.t('msg.subject'), text: m.subject || m.ref || '' }),
      E('td', { class: 'state', 'data-label': App.t('msg.state') }, E('span', { class: 'badge' + (bad ? ' bad' : m.state === 'sent' ? ' ok' : ' warn'), text: App.t('ms.' + m.state) })),
      E('td', { class: 'num', 'data-label': App.t('msg.attempts'), text: String(m.attempts || 0) }),
      E('td', { class: 'why', 'data-label': App.t('msg.why'), text: m.why || '' }));
  }

  async function load() {
    $('msg').hidden = true;
    const q = new URLSearchParams({ limit: $('limit').value });
    if ($('alarm').value) q.set('alarm', $('alarm').value);
    try {
      const r = await App.api('GET', '/api/v1/notify/messages?' + q);
      const head = E('tr', {}, ...['msg.created', 'msg.alarm', 'msg.channel', 'msg.to', 'msg.subject', 'msg.state', 'msg.attempts', 'msg.why'].map(k => E('th', { text: App.t(k) })));
      const ms = r.messages || [];
      $('messages').replaceChildren(head, ...(ms.length ? ms.map(row) : [E('tr', {}, E('td', { class: 'muted', colspan: 8, text: App.t('msg.none') }))]));
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(['admin', 'operator'], async () => {
    document.title = App.t('nav.messages');
    const h = new URLSearchParams(location.hash.slice(1));
    if (h.get('alarm')) $('alarm').value = h.get('alarm');
    $('filters').addEventListener('submit', ev => { ev.preventDefault(); load(); });
    await load();
  });
})();
