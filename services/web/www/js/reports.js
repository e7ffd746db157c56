/* reports.js - "Отчёты" (admin, accountant): every report of
 * billing/report (docs/reports.md) with a form of the chosen report's
 * arguments, its table (money with App.money, quantities as the exact
 * decimal strings they are), its chart drawn by Chart.js from the table's
 * cells as the answer's "chart" says (kind, x, y), and the same report as
 * a CSV, XLSX or PDF file (POST /api/v1/billing/file/report). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const R = () => App.rec;
  /* each report's arguments: those it needs, and those it may take */
  const REPORTS = {
    turnover: { need: ['org', 'from', 'to'], may: ['building'] },
    charges: { need: ['building', 'period'], may: [] },
    payments: { need: ['org', 'from', 'to'], may: ['building'] },
    debtors: { need: ['org'], may: ['date', 'building', 'min_debt'] },
    balance: { need: ['building', 'period'], may: ['resource'] },
    readings: { need: ['building', 'period'], may: ['service'] },
    consumption: { need: ['account', 'service', 'from', 'to'], may: ['step'] },
    distribution: { need: ['building', 'service', 'from', 'to'], may: [] }
  };
  const ARGS = ['org', 'building', 'account', 'service', 'resource', 'period', 'from', 'to', 'date', 'min_debt', 'step'];
  const IDS = ['org', 'building', 'account', 'service'];   /* sent as numbers */
  const RESOURCES = ['cold_water', 'hot_water', 'electricity', 'heat', 'gas'];
  const COLORS = ['#1f6fb2', '#e07b24', '#2e9d5b', '#b53b3b', '#7a52b3', '#8c6d31', '#d45fa0', '#5b6b7a'];
  const NUMERIC = ['money', 'decimal', 'percent', 'int'];
  let buildings = [], services = [], accounts = null, chart = null;

  const kind = () => REPORTS[$('report').value];
  const uses = name => kind().need.includes(name) || kind().may.includes(name);

  /* A cell as the language writes its type; exact strings stay exact. */
  function text(type, v) {
    if (v === undefined || v === null || v === '') return '';
    if (type === 'money') return App.money(v);
    if (type === 'decimal' || type === 'percent') return App.num(v);
    if (type === 'date') return R().day(v);
    return String(v);
  }

  function options(select, list, blank) {
    const keep = select.value;
    select.replaceChildren(...(blank ? [E('option', { value: '', text: App.t(blank) })] : []),
      ...list.map(o => E('option', { value: o[0], text: o[1] })));
    if ([...select.options].some(o => o.value === keep)) select.value = keep;
  }

  /* Show the chosen report's fields; an optional pick gets "every ..." first. */
  function arrange() {
    for (const name of ARGS) document.querySelector('[data-field="' + name + '"]').hidden = !uses(name) && name !== 'org';
    const opt = name => kind().may.includes(name);
    options($('building'), buildings.map(b => [b.id, b.address]), opt('building') ? 'rec.all.buildings' : null);
    options($('service'), services.map(s => [s.id, s.name]), opt('service') ? 'rec.all.services' : null);
    options($('resource'), RESOURCES.map(r => [r, App.t('rec.code.' + r)]), 'rec.all.resources');
    R().unmark($('ask'));
    if (uses('account') && !accounts) loadAccounts();
  }

  async function loadAccounts() {
    accounts = await R().all('account.list', { org: +$('org').value });
    options($('account'), accounts.map(a => [a.id, a.number + ' — ' + ((a.holder || {}).name || '')]));
  }

  async function loadOrg() {
    const org = +$('org').value;
    [buildings, services] = await Promise.all([R().all('building.list', { org }), R().all('service.list', { org })]);
    accounts = null;
    arrange();
  }

  /* The arguments of the chosen report as typed. */
  function args() {
    const out = { report: $('report').value };
    for (const name of ARGS) {
      if (!uses(name)) continue;
      let v = $(name).value.trim();
      if (v === '') continue;
      if (name === 'min_debt') v = v.replace(',', '.');
      out[name] = IDS.includes(name) ? R().int(v) : v;
    }
    return out;
  }

  function draw(r) {
    const cols = r.columns || [];
    const num = c => (NUMERIC.includes(c.type) || c.type === 'date' ? 'num' : null);
    const head = E('tr', {}, ...cols.map(c => E('th', { class: num(c), text: c.title })));
    const rows = (r.rows || []).map(row => E('tr', {}, ...cols.map(c => E('td', { class: num(c), text: text(c.type, row[c.key]) }))));
    const foot = r.totals ? [E('tr', { class: 'totals' }, ...cols.map((c, i) => E('th', { class: num(c),
      text: i === 0 && typeof r.totals[c.key] === 'string' && c.type !== 'text' ? r.totals[c.key] : text(c.type, r.totals[c.key]) })))] : [];
    $('title').textContent = r.title || '';
    $('subtitle').textContent = (r.subtitle || '') + ' · ' + App.tf('rec.rows', { n: (r.rows || []).length });
    $('table').replaceChildren(head, ...rows, ...foot);
    $('out').hidden = false;
    drawChart(r);
  }

  /* The chart the answer names, from the table's own cells: Chart.js needs
   * numbers to draw, the tooltips show the exact strings. */
  function drawChart(r) {
    if (chart) chart.destroy();
    chart = null;
    const c = r.chart, cols = r.columns || [], rows = r.rows || [];
    $('chart-panel').hidden = !c || !window.Chart || !rows.length;
    if ($('chart-panel').hidden) return;
    const col = k => cols.find(x => x.key === k) || { key: k, title: k, type: 'text' };
    const xcol = col(c.x);
    const labels = rows.map(row => text(xcol.type, row[c.x]));
    const pie = c.kind === 'pie';
    const datasets = c.y.map((k, i) => ({
      label: col(k).title,
      data: rows.map(row => (row[k] === undefined || row[k] === null || row[k] === '' ? null : parseFloat(row[k]))),
      backgroundColor: pie ? rows.map((x, j) => COLORS[j % COLORS.length]) : COLORS[i % COLORS.length],
      borderColor: pie ? '#fff' : COLORS[i % COLORS.length], pointRadius: rows.length > 60 ? 0 : 2, maxBarThickness: 48
    }));
    const tooltip = { callbacks: { label: t => (pie ? labels[t.dataIndex] : t.dataset.label) + ': ' +
      text(col(c.y[t.datasetIndex]).type, rows[t.dataIndex][c.y[t.datasetIndex]]) } };
    chart = new Chart($('chart'), { type: c.kind, data: { labels, datasets },
      options: { animation: false, maintainAspectRatio: false, locale: App.numLocale(),
        scales: pie ? {} : { y: { ticks: { format: { useGrouping: false } } } },
        plugins: { title: { display: true, text: c.title || r.title }, legend: { position: 'bottom' }, tooltip } } });
  }

  async function show(ev) {
    if (ev) ev.preventDefault();
    $('msg').hidden = true;
    R().unmark($('ask'));
    try {
      draw(await R().call('report', args()));
    } catch (e) {
      fail(e);
    }
  }

  /* A refusal: beside the field it names, no table or chart of an earlier report. */
  function fail(e) {
    if (chart) chart.destroy();
    chart = null;
    $('out').hidden = true;
    $('chart-panel').hidden = true;
    App.showError($('msg'), e);
    R().beside($('ask'), e);
  }

  async function file(format) {
    $('msg').hidden = true;
    R().unmark($('ask'));
    try {
      await App.download('/api/v1/billing/file/report', Object.assign(args(), { format, lang: App.lang }));
    } catch (e) { App.showError($('msg'), e); R().beside($('ask'), e); }
  }

  /* Last month's first and last days and the month, on the site's clock. */
  function defaults() {
    const today = App.toPicker(Date.now() / 1000).slice(0, 10);
    const [y, m] = today.split('-').map(Number);
    const py = m === 1 ? y - 1 : y, pm = m === 1 ? 12 : m - 1;
    const last = new Date(Date.UTC(py, pm, 0)).getUTCDate();
    const ym = py + '-' + String(pm).padStart(2, '0');
    $('period').value = ym;
    $('from').value = ym + '-01';
    $('to').value = ym + '-' + String(last).padStart(2, '0');
  }

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.reports');
    options($('report'), Object.keys(REPORTS).map(k => [k, App.t('rec.report.' + k)]));
    options($('step'), ['day', 'hour', 'month'].map(s => [s, App.t('step.' + s)]));
    defaults();
    $('report').addEventListener('change', arrange);
    $('org').addEventListener('change', async () => { try { await loadOrg(); } catch (e) { fail(e); } });
    $('ask').addEventListener('submit', show);
    for (const f of ['csv', 'xlsx', 'pdf']) $(f).addEventListener('click', () => file(f));
    try {
      const orgs = await R().orgs($('org'));
      if (orgs.length) await loadOrg();
      else App.showError($('msg'), new Error(App.t('bill.no.orgs')));
    } catch (e) { fail(e); }
  });
})();
