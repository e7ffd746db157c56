/* my_usage.js - the tenant's consumption on my.html (issue 16): for each
 * metered service of its account, by month (the 12 months up to the one
 * chosen) or by day (the month chosen), its own quantity beside the same
 * months or days a year before and, per m², beside the building's
 * average. amr-billing's "usage" report works it out (docs/reports.md)
 * from the archive over the days the account held its premises only, so
 * a new tenant is never shown the previous occupant's consumption; the
 * server lets a tenant ask only for its own account. Numbers are the
 * report's decimal strings: the table shows them as they are, only the
 * chart draws them as numbers. my.js tells which account is shown
 * ("my-account"). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  /* the metered services a flat may have (docs/billing.md, "service") */
  const CODES = ['cold_water', 'hot_water', 'electricity', 'gas', 'heat'];
  const COLORS = { quantity: '#1f6fb2', last_year: '#a9c7e3', per_m2: '#d9822b', building_per_m2: '#5b8c3a' };
  let account = null, services = [], chart = null, asked = 0;

  const pad = n => String(n).padStart(2, '0');
  /* "2026-11" and k months on (k may be negative) */
  function addMonths(ym, k) {
    const [y, m] = ym.split('-').map(Number), i = y * 12 + m - 1 + k;
    return Math.floor(i / 12) + '-' + pad(i % 12 + 1);
  }
  const lastDay = ym => { const [y, m] = ym.split('-').map(Number); return ym + '-' + pad(new Date(Date.UTC(y, m, 0)).getUTCDate()); };
  /* "2026-11-05" / "2026-11" as the language writes it */
  const label = s => (App.lang === 'en' ? s : s.split('-').reverse().join('.'));

  function usage(code, by, month) {
    const from = by === 'day' ? month + '-01' : addMonths(month, -11) + '-01';
    return App.api('POST', '/api/v1/billing/report', { report: 'usage', account: account.id, service: code,
      from, to: lastDay(month), step: by, lang: App.lang });
  }

  /* A service the account has: the organisation keeps it and a meter of
   * the building measured it over the last year. */
  async function find(month) {
    const found = [];
    for (const code of CODES) {
      try {
        const t = await usage(code, 'month', month);
        const tot = t.totals || {};
        if (tot.quantity !== undefined || tot.building_per_m2 !== undefined || tot.last_year !== undefined) found.push({ code, unit: t.unit });
      } catch (e) {
        if (e.status !== 404) throw e;   /* the organisation has no such service */
      }
    }
    return found;
  }

  function table(t, unit) {
    const u = App.unit(unit), m2 = u + '/' + App.t('my.m2');
    const heads = [['time', App.t('my.period')], ['quantity', App.t('my.series.quantity') + ', ' + u], ['last_year', App.t('my.last_year') + ', ' + u],
      ['per_m2', App.t('my.per_m2') + ', ' + m2], ['building_per_m2', App.t('my.building_per_m2') + ', ' + m2]];
    const row = (r, total) => E('tr', total ? { class: 'total' } : { 'data-time': r.time },
      ...heads.map(([k], i) => E(total ? 'th' : 'td', i ? { class: 'num', 'data-key': k, text: r[k] === undefined ? '—' : App.num(r[k]) }
        : { text: total ? App.t('total') : label(r.time) })));
    $('usage-table').replaceChildren(E('tr', {}, ...heads.map(([, h], i) => E('th', i ? { class: 'num', text: h } : { text: h }))),
      ...t.rows.map(r => row(r, false)), row(t.totals || {}, true));
  }

  function draw(t, unit) {
    if (chart) chart.destroy();
    const num = (r, k) => (r[k] === undefined ? null : parseFloat(r[k]));
    const set = (k, type, axis) => ({ type, label: App.t('my.series.' + k), yAxisID: axis, data: t.rows.map(r => num(r, k)),
      backgroundColor: COLORS[k], borderColor: COLORS[k], pointRadius: 1, order: type === 'line' ? 0 : 1 });
    chart = new Chart($('usage-chart'), { data: { labels: t.rows.map(r => label(r.time)),
      datasets: [set('quantity', 'bar', 'y'), set('last_year', 'bar', 'y'), set('per_m2', 'line', 'y1'), set('building_per_m2', 'line', 'y1')] },
    options: { animation: false, maintainAspectRatio: false, locale: App.numLocale(), plugins: { legend: { position: 'bottom' } },
      scales: { y: { position: 'left', beginAtZero: true, title: { display: true, text: App.unit(unit) } },
        y1: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: App.unit(unit) + '/' + App.t('my.m2') } } } } });
  }

  async function show() {
    const mine = ++asked;   /* a later choice wins over an answer still on its way */
    $('usage-msg').hidden = true;
    const s = services.find(x => x.code === $('usage-service').value);
    if (!s) return;
    try {
      const t = await usage(s.code, $('usage-by').value, $('usage-month').value);
      if (mine !== asked) return;
      table(t, s.unit);
      draw(t, s.unit);
      $('usage').dataset.shown = s.code + '/' + $('usage-by').value + '/' + $('usage-month').value;
    } catch (e) { App.showError($('usage-msg'), e); }
  }

  async function load(acc) {
    account = acc;
    delete $('usage').dataset.shown;
    $('usage-month').value = $('usage-month').value || App.toPicker(Date.now() / 1000).slice(0, 7);
    services = await find($('usage-month').value);
    $('usage-service').replaceChildren(...services.map(s => E('option', { value: s.code, text: App.t('res.' + s.code) })));
    $('usage-none').hidden = services.length > 0;
    $('usage-form').hidden = $('usage-box').hidden = !services.length;
    if (services.length) await show();
  }

  document.addEventListener('my-account', ev => {
    load(ev.detail.account).catch(e => App.showError($('usage-msg'), e));
  });
  document.addEventListener('DOMContentLoaded', () => {
    for (const id of ['usage-service', 'usage-by', 'usage-month']) $(id).addEventListener('change', show);
  });
})();
