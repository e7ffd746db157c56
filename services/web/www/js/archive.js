/* archive.js - "Archive": one or several channels over a period at a
 * resolution (raw, hour, day, month), as a chart and a table in units
 * (the archive's decimal strings), with CSV download. The period and the
 * labels of days and months are on the site's clock (locale.js), as the
 * archive builds them. */
'use strict';
(function () {
  const COLORS = ['#1f6fb2', '#d64545', '#1f9d55', '#d98e04', '#7b4fb8', '#00838f', '#8d6e63', '#c2185b'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  let channels = [];
  let chosen = JSON.parse(localStorage.getItem('archive.chosen') || '[]');
  let chart = null;

  const secs = id => App.fromPicker($(id).value);

  function choose(ids) {
    chosen = ids;
    localStorage.setItem('archive.chosen', JSON.stringify(chosen));
    renderPicker(); updateCsv();
  }

  /* One button per object: every channel of it at once. */
  function renderObjects() {
    const objs = [...new Set(channels.map(c => c.id.split('.')[0]))];
    $('objs').replaceChildren(...objs.map(o => E('button', { type: 'button', class: 'badge', 'data-obj': o,
      onclick: () => choose(channels.filter(c => c.id.split('.')[0] === o).map(c => c.id)) },
      App.t('whole.object') + ' ' + o)));
  }

  function renderPicker() {
    $('chans').replaceChildren(...channels.map(c => E('label', {},
      E('input', { type: 'checkbox', value: c.id, checked: chosen.includes(c.id), onchange: ev => {
        if (ev.target.checked) chosen.push(c.id); else chosen = chosen.filter(x => x !== c.id);
        localStorage.setItem('archive.chosen', JSON.stringify(chosen));
        updateCsv();
      } }), c.id + (c.label ? ' — ' + c.label : ''))));
  }

  function query(format) {
    return '/api/v1/series?channels=' + encodeURIComponent(chosen.join(',')) + '&from=' + secs('from') + '&to=' + secs('to') +
      '&step=' + $('step').value + (format ? '&format=' + format : '');
  }

  function updateCsv() { $('csv').href = chosen.length ? query('csv') : '#'; }

  function render(res, step) {
    const series = res.series;
    /* table: one row per time, one column per channel */
    const times = [...new Set(series.flatMap(s => s.points.map(p => p.t)))].sort((a, b) => a - b);
    const byT = series.map(s => new Map(s.points.map(p => [p.t, p.quantity])));
    const name = s => s.channel + (s.label ? ' — ' + s.label : '') + ', ' + App.unit(s.unit);
    const head = E('tr', {}, E('th', { text: App.t('time') }), ...series.map(s => E('th', { class: 'num', text: name(s) })));
    const rows = times.map(t => E('tr', {}, E('td', { text: App.fmtBucket(t, step) }),
      ...byT.map(m => E('td', { class: 'num', text: m.has(t) ? App.num(m.get(t)) : '' }))));
    const total = E('tr', {}, E('th', { text: App.t('total') }), ...series.map(s => E('th', { class: 'num', text: App.qty(s.quantity, s.unit) })));
    $('table').replaceChildren(head, ...rows, total);
    /* chart: bars of consumption per bucket (raw: a line of increments) */
    if (chart) chart.destroy();
    /* one y axis per unit, so m3 and kWh do not share a scale */
    const units = [...new Set(series.map(s => s.unit))];
    const scales = {};
    units.forEach((u, i) => { scales['y' + i] = { position: i % 2 ? 'right' : 'left', title: { display: true, text: App.unit(u) },
      ticks: { format: { useGrouping: false } }, grid: { drawOnChartArea: i === 0 } }; });
    /* tooltips show the archive's exact strings, as the table does */
    const tooltip = { callbacks: { label: c => c.dataset.label + ': ' + App.num(byT[c.datasetIndex].get(times[c.dataIndex])) } };
    chart = new Chart($('chart'), { type: step === 'raw' ? 'line' : 'bar', data: { labels: [], datasets: [] },
      options: { animation: false, maintainAspectRatio: false, locale: App.numLocale(), scales,
        plugins: { legend: { position: 'bottom' }, tooltip } } });
    chart.data.labels = times.map(t => App.fmtBucket(t, step));
    chart.data.datasets = series.map((s, i) => ({
      label: name(s),
      data: times.map(t => { const q = byT[i].get(t); return q === undefined ? null : parseFloat(q); }),
      backgroundColor: COLORS[i % COLORS.length], borderColor: COLORS[i % COLORS.length], pointRadius: 1,
      yAxisID: 'y' + units.indexOf(s.unit)
    }));
    chart.update();
  }

  /* An error: no chart or table of an earlier query beside it. */
  function fail(e) {
    if (chart) chart.destroy();
    chart = null;
    $('table').replaceChildren();
    App.showError($('msg'), e);
  }

  async function show(ev) {
    if (ev) ev.preventDefault();
    $('msg').hidden = true;
    if (!chosen.length) { fail({ message: App.t('choose.channels') }); return; }
    if (isNaN(secs('from')) || isNaN(secs('to'))) { fail({ message: App.t('err.span.required') }); return; }
    updateCsv();
    const step = $('step').value;
    try { render(await App.api('GET', query()), step); } catch (e) { fail(e); }
  }

  App.start(App.ROLES_VIEW, async () => {
    document.title = App.t('nav.archive');
    const now = Date.now() / 1000;
    /* to the end of this minute: nothing of the future, no empty last row */
    $('to').value = App.toPicker(now + 60);
    $('from').value = App.toPicker(now - 24 * 3600);
    $('tz').textContent = App.t('tz.shown') + ' ' + App.tzLabel();
    ['from', 'to', 'step'].forEach(id => $(id).addEventListener('change', updateCsv));
    $('query').addEventListener('submit', show);
    try {
      channels = (await App.api('GET', '/api/v1/channels')).channels;
      if (!chosen.length && channels.length) chosen = [channels[0].id];
      renderObjects(); renderPicker(); updateCsv();
      const want = (location.hash.match(/channels=([\d.,]+)/) || [])[1];
      if (want) { chosen = want.split(','); renderPicker(); }
      if (chosen.length) await show();
    } catch (e) { App.showError($('msg'), e); }
  });
})();
