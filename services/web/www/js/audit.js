/* audit.js - "Audit trail" (admin): archive/audit.query records, newest
 * first, filtered by period, actor and target. Every block, unblock and
 * zero (with its reason and the gateway's answer), registry change,
 * sign-in and user change is here. Filters live in the hash, so a link
 * like /audit.html#target=1.5.2 shows one output's history. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const secs = v => App.fromPicker(v);   /* the period on the site's clock */

  /* detail in a line: reason first, then state, answer and the rest */
  function detailText(d) {
    if (!d || typeof d !== 'object') return '';
    const parts = [];
    if (d.state) parts.push(App.t('state') + ': ' + App.t('state.' + d.state));
    if (d.line) parts.push(App.t('command') + ': ' + d.line);
    if (d.error) parts.push(App.t('error') + ': ' + d.error);
    for (const [k, v] of Object.entries(d))
      if (!['reason', 'state', 'line', 'error', 'id', 'expires'].includes(k))
        parts.push(k + ': ' + (typeof v === 'object' ? JSON.stringify(v) : v));
    return parts.join('; ');
  }

  function render(r) {
    const head = E('tr', {}, ...['time', 'actor', 'action', 'target', 'reason', 'details'].map(k => E('th', { text: App.t(k) })));
    const rows = r.records.map((a, i) => E('tr', { id: 'audit-' + i, dataset: { action: a.action, target: a.target || '' } },
      E('td', { text: App.fmtTime(a.ts) }), E('td', { class: 'actor', text: a.actor }),
      E('td', { class: 'action', text: App.t('cmd.' + a.action) !== 'cmd.' + a.action ? App.t('cmd.' + a.action) + ' (' + a.action + ')' : a.action }),
      E('td', { class: 'target', text: a.target || '' }),
      E('td', { class: 'reason', text: (a.detail && a.detail.reason) || '' }),
      E('td', { class: 'detail', text: detailText(a.detail) })));
    $('audit').replaceChildren(head, ...(rows.length ? rows : [E('tr', {}, E('td', { colspan: 6, class: 'muted', text: App.t('no.records') }))]));
    $('more').hidden = !r.more;
    $('more').textContent = App.t('more.records');
  }

  async function show() {
    const q = new URLSearchParams({ order: 'desc', limit: $('limit').value });
    if ($('from').value) q.set('from', secs($('from').value));
    if ($('to').value) q.set('to', secs($('to').value));
    if ($('actor').value.trim()) q.set('actor', $('actor').value.trim());
    if ($('target').value.trim()) q.set('target', $('target').value.trim());
    const h = new URLSearchParams();
    ['actor', 'target'].forEach(k => { if ($(k).value.trim()) h.set(k, $(k).value.trim()); });
    history.replaceState(null, '', h.toString() ? '#' + h.toString() : location.pathname);
    $('msg').hidden = true;
    try {
      render(await App.api('GET', '/api/v1/audit?' + q.toString()));
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.audit');
    const h = new URLSearchParams(location.hash.slice(1));
    $('from').value = App.toPicker(Date.now() / 1000 - 7 * 86400);
    $('tz').textContent = App.t('tz.shown') + ' ' + App.tzLabel();
    $('actor').value = h.get('actor') || '';
    $('target').value = h.get('target') || '';
    $('filters').addEventListener('submit', ev => { ev.preventDefault(); show(); });
    await show();
  });
})();
