/* summary.js - "Сводка по домам" (admin, accountant, operator): one card
 * per building that a manager reads in ten seconds: the consumption of its
 * house meters this month so far against the same days of last month, the
 * debt past due of its accounts, its gateways on line and their alarms.
 * Everything comes from the routes the other pages use (billing's
 * building.list and debtors, /api/v1/consumption, /api/v1/objects); the
 * comparison is made on whole pulses (BigInt), never on fractions. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const call = (m, b) => App.api('POST', '/api/v1/billing/' + m, b);

  /* The site zone's offset from UTC in ms at instant t ("GMT+03:00"). */
  function offset(tz, t) {
    const name = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })
      .formatToParts(new Date(t)).find(p => p.type === 'timeZoneName').value;
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(name);
    return m ? (m[1] === '-' ? -1 : 1) * (+m[2] * 60 + +m[3]) * 60000 : 0;
  }

  /* Unix seconds of local midnight of the 1st of the month `back` months
   * before the current one in zone tz, and now's day of the month. */
  function monthStart(tz, now, back) {
    const local = new Date(now + offset(tz, now));
    const utc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth() - back, 1);
    return Math.floor((utc - offset(tz, utc)) / 1000);
  }

  /* The house meters' quantities over [from, to): channel -> item. */
  async function used(channels, from, to) {
    if (!channels.length) return {};
    const r = await App.api('GET', '/api/v1/consumption?channels=' + channels.join(',') + '&from=' + from + '&to=' + to);
    return Object.fromEntries((r.items || []).map(i => [i.channel, i]));
  }

  /* "+12 %" from whole pulses, rounded half away from zero. */
  function change(now, before) {
    const a = BigInt(now), b = BigInt(before);
    if (b === 0n) return '';
    const d = (a - b) * 200n / b;
    const pct = (d < 0n ? d - 1n : d + 1n) / 2n;
    return (pct > 0n ? '+' : '') + pct + '\u00a0%';
  }

  async function card(b, objects, tz) {
    const now = Date.now(), nowS = Math.floor(now / 1000);
    const thisFrom = monthStart(tz, now, 0), lastFrom = monthStart(tz, now, 1);
    const span = nowS - thisFrom;                       /* the same days of last month */
    const meters = (b.house_meters || []).filter(h => !h.to);
    const chans = meters.map(h => h.channel);
    const [cur, prev, debt] = await Promise.all([used(chans, thisFrom, nowS),
      used(chans, lastFrom, Math.min(lastFrom + span, thisFrom)),
      call('debtors', { org: b.org, building: b.id, limit: 1 })]);
    const rows = meters.map(h => {
      const c = cur[h.channel], p = prev[h.channel];
      return E('tr', { dataset: { resource: h.resource } },
        E('td', { text: App.t('res.' + h.resource) !== 'res.' + h.resource ? App.t('res.' + h.resource) : h.resource }),
        /* data-label: a phone shows each value under its column's name */
        E('td', { class: 'num', 'data-label': App.t('sum.this'), text: c ? App.qty(c.quantity, c.unit) : '—' }),
        E('td', { class: 'num', 'data-label': App.t('sum.last'), text: p ? App.qty(p.quantity, p.unit) : '—' }),
        E('td', { class: 'num', 'data-label': App.t('sum.change'), text: c && p ? change(c.pulses, p.pulses) : '' }));
    });
    const mine = objects.filter(o => (b.objects || []).includes(o.obj));
    const online = mine.filter(o => o.online).length;
    const alarms = mine.reduce((n, o) => n + (o.alarms || []).length, 0);
    return E('section', { class: 'panel card', dataset: { building: b.id } },
      E('h2', { text: b.address }),
      E('p', { class: 'facts' },
        E('span', { class: 'debt', text: App.tf('sum.debt', { total: App.money(debt.total), count: debt.count }) }),
        E('span', { class: 'gw' + (online < mine.length ? ' bad' : ''),
          text: mine.length ? App.tf('sum.online', { n: online, of: mine.length }) : App.t('sum.no.objects') }),
        E('span', { class: 'alarms' + (alarms ? ' bad' : ''), text: App.tf('sum.alarms', { n: alarms }) })),
      rows.length
        ? E('table', {}, E('tr', {}, ...['sum.resource', 'sum.this', 'sum.last', 'sum.change']
          .map(k => E('th', { text: App.t(k) }))), ...rows)
        : E('p', { class: 'muted', text: App.t('sum.no.meters') }));
  }

  App.start(['admin', 'accountant', 'operator'], async me => {
    document.title = App.t('nav.summary');
    try {
      const [bl, ol] = await Promise.all([call('building.list', { limit: 2000 }), App.api('GET', '/api/v1/objects')]);
      const tz = me.tz || 'Europe/Moscow';
      const cards = [];
      for (const b of bl.records || []) cards.push(await card(b, ol.objects || [], tz));
      $('cards').replaceChildren(...cards);
      $('asof').textContent = cards.length ? App.tf('sum.asof', { t: App.fmtTime(Math.floor(Date.now() / 1000)) }) : App.t('sum.none');
    } catch (e) { App.showError($('msg'), e); }
  });
})();
