/* audit.js - "Audit trail" (admin): archive/audit.query records, newest
 * first, filtered by period, actor and target, a page at a time (the
 * answer's "next" cursor; "Newer" goes back through the cursors seen), and
 * the same records as CSV. Every block, unblock and zero (with its reason
 * and the gateway's answer), registry change, sign-in and user change is
 * here, with its action named and its details in words. Filters live in
 * the hash, so a link like /audit.html#target=1.5.2 shows one output's
 * history. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const secs = v => App.fromPicker(v);   /* the period on the site's clock */
  /* detail keys that hold Unix seconds */
  const TIMES = ['ts', 'expires', 'valid_from', 'first_seen', 'updated', 'since', 'until', 'created', 'finished'];
  /* detail keys shown in a column of their own, or of no use to people */
  const SKIP = ['reason', 'id', 'seq'];
  let cursors = [null];   /* cursors[i]: the "before" of page i + 1 */
  let current = 1;        /* the page shown */

  const known = (prefix, k) => App.t(prefix + k) !== prefix + k;
  const keyText = k => known('dk.', k) ? App.t('dk.' + k) : k.replace(/_/g, ' ');

  /* A pulse weight {num, den, valid_from} in words. */
  const weightText = w => w.num + '/' + w.den + (w.valid_from ? ' ' + App.t('dk.from') + ' ' + App.fmtMinute(w.valid_from) : '');

  /* The value v of detail key k in words. */
  function valueText(k, v) {
    if (v === null || v === undefined || v === '') return '—';
    if (typeof v === 'boolean') return App.t(v ? 'yes' : 'no');
    if (typeof v === 'number') return TIMES.includes(k) ? App.fmtTime(v) : App.num(String(v));
    if (k === 'state' && known('state.', v)) return App.t('state.' + v);
    if (k === 'role' && known('role.', v)) return App.t('role.' + v);
    if (k === 'resource' && known('res.', v)) return App.t('res.' + v);
    if (k === 'by' && known('by.', v)) return App.t('by.' + v);
    if (k === 'unit') return App.unit(v);
    if (k === 'initial_reading') return App.num(v);
    if (k === 'verification_due' && /^\d{4}-\d\d-\d\d$/.test(v)) return App.lang === 'ru' ? v.split('-').reverse().join('.') : v;
    if (k === 'weight' && typeof v === 'object') return weightText(v);
    if (k === 'weights' && Array.isArray(v)) return v.map(weightText).join(', ');
    if (Array.isArray(v)) return v.map(x => valueText(k, x)).join(', ');
    if (typeof v === 'object') return Object.entries(v).map(([kk, vv]) => keyText(kk) + ': ' + valueText(kk, vv)).join(', ');
    return String(v);
  }

  /* A registry change: each field changed, before → after. */
  function changesText(d) {
    const before = d.before || {};
    return Object.entries(d.changes).map(([k, v]) => {
      const was = k === 'weight' ? (before.weights || []).slice(-1)[0] : before[k];
      return keyText(k) + ': ' + valueText(k, was) + ' → ' + valueText(k, v);
    }).join('; ');
  }

  /* detail in a line: state, command and error first, then the rest */
  function detailText(d) {
    if (!d || typeof d !== 'object') return '';
    let text;
    if (d.changes && typeof d.changes === 'object') {
      text = changesText(d);
    } else {
      const first = ['state', 'line', 'error'].filter(k => d[k] !== undefined);
      const rest = Object.keys(d).filter(k => !first.includes(k) && !SKIP.includes(k) && k !== 'expires');
      text = first.concat(rest).map(k => keyText(k) + ': ' + valueText(k, d[k])).join('; ');
    }
    return text.charAt(0).toUpperCase() + text.slice(1);
  }

  const actionText = a => known('act.', a) ? App.t('act.' + a) : a;

  function render(r) {
    const head = E('tr', {}, ...['time', 'actor', 'action', 'target', 'reason', 'details'].map(k => E('th', { text: App.t(k) })));
    const rows = r.records.map((a, i) => E('tr', { id: 'audit-' + i, dataset: { action: a.action, target: a.target || '' } },
      E('td', { text: App.fmtTime(a.ts) }), E('td', { class: 'actor', text: a.actor }),
      E('td', { class: 'action', title: a.action, text: actionText(a.action) }),
      E('td', { class: 'target', text: Labels.target(a.action, a.target) }),
      E('td', { class: 'reason', text: (a.detail && a.detail.reason) || '' }),
      E('td', { class: 'detail', text: detailText(a.detail) })));
    $('audit').replaceChildren(head, ...(rows.length ? rows : [E('tr', {}, E('td', { colspan: 6, class: 'muted', text: App.t('no.records') }))]));
    if (r.next) cursors.push(r.next);
    $('newer').disabled = current <= 1;
    $('older').disabled = !r.next;
    $('page').textContent = App.tf('audit.page', { n: current });
  }

  /* The filters as query arguments (and in the address's hash). */
  function filters() {
    const q = new URLSearchParams({ order: 'desc' });
    if ($('from').value) q.set('from', secs($('from').value));
    if ($('to').value) q.set('to', secs($('to').value));
    if ($('actor').value.trim()) q.set('actor', $('actor').value.trim());
    if ($('target').value.trim()) q.set('target', $('target').value.trim());
    return q;
  }

  /* Page n (1: the newest) of the filtered trail. */
  async function show(n) {
    const q = filters();
    const h = new URLSearchParams();
    ['actor', 'target'].forEach(k => { if ($(k).value.trim()) h.set(k, $(k).value.trim()); });
    history.replaceState(null, '', h.toString() ? '#' + h.toString() : location.pathname);
    const csv = new URLSearchParams(q);
    csv.set('format', 'csv');
    $('csv').href = '/api/v1/audit?' + csv.toString();
    q.set('limit', $('limit').value);
    current = n;
    cursors.length = n;   /* the cursors up to page n stay */
    if (cursors[n - 1]) q.set('before', cursors[n - 1]);
    $('msg').hidden = true;
    try {
      const r = await App.api('GET', '/api/v1/audit?' + q.toString());
      await Labels.load(r.records.map(a => a.target || ''));   /* the flats and outputs the targets name */
      render(r);
    } catch (e) {
      $('audit').replaceChildren();
      $('older').disabled = $('newer').disabled = true;
      App.showError($('msg'), e);
    }
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.audit');
    const h = new URLSearchParams(location.hash.slice(1));
    $('from').value = App.toPicker(Date.now() / 1000 - 7 * 86400);
    $('tz').textContent = App.t('tz.shown') + ' ' + App.tzLabel();
    $('actor').value = h.get('actor') || '';
    $('target').value = h.get('target') || '';
    $('filters').addEventListener('submit', ev => { ev.preventDefault(); show(1); });
    $('older').addEventListener('click', () => show(current + 1));
    $('newer').addEventListener('click', () => show(current - 1));
    await show(1);
  });
})();
