/* online.js - "On-line view": live charts of the chosen channels, fed by
 * the stream (Server-Sent Events) as readings arrive; no polling. */
'use strict';
(function () {
  const WINDOW_S = 600;                 /* seconds shown */
  const COLORS = ['#1f6fb2', '#d64545', '#1f9d55', '#d98e04', '#7b4fb8', '#00838f', '#8d6e63', '#c2185b'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  let channels = new Map();             /* id -> latest channel JSON */
  let chosen = JSON.parse(localStorage.getItem('online.chosen') || '[]');
  let series = new Map();               /* id -> [{x, y}] */
  let chart = null;

  const what = () => $('what').value;
  const valueOf = c => what() === 'rate' ? c.rate : c.reading;
  const unitOf = c => what() === 'rate' ? (c.rate_unit || c.unit + '/h') : c.unit;
  const name = c => c.id + (c.label ? ' — ' + c.label : '');

  function renderPicker() {
    $('chans').replaceChildren(...[...channels.values()].map(c => E('label', {},
      E('input', { type: 'checkbox', value: c.id, checked: chosen.includes(c.id), onchange: ev => {
        if (ev.target.checked) { if (!chosen.includes(c.id)) chosen.push(c.id); } else chosen = chosen.filter(x => x !== c.id);
        chosen = chosen.slice(0, COLORS.length);
        localStorage.setItem('online.chosen', JSON.stringify(chosen));
        renderPicker(); rebuild();
      } }), name(c))));
  }

  function renderLive() {
    $('live').replaceChildren(...chosen.filter(id => channels.has(id)).map((id, i) => {
      const c = channels.get(id), v = valueOf(c);
      return E('div', { class: 'card', dataset: { ch: id } },
        E('div', { class: 'l', text: name(c) }),
        E('div', { class: 'v', id: 'v-' + id.replace(/\./g, '-'), text: v !== undefined ? v + ' ' + unitOf(c) : '—' }),
        E('div', { class: 'l', text: App.t('reading') + ': ' + (c.reading !== undefined ? c.reading + ' ' + c.unit : '—') + ' · ' + App.fmtTime(c.ts) }));
    }));
  }

  function rebuild() {
    series = new Map(chosen.map(id => [id, series.get(id) || []]));
    /* one y axis per unit */
    const units = [...new Set(chosen.filter(id => channels.has(id)).map(id => unitOf(channels.get(id))))];
    Object.keys(chart.options.scales).filter(k => k !== 'x').forEach(k => delete chart.options.scales[k]);
    units.forEach((u, i) => { chart.options.scales['y' + i] = { position: i % 2 ? 'right' : 'left', title: { display: true, text: u }, grid: { drawOnChartArea: i === 0 } }; });
    chart.data.datasets = chosen.filter(id => channels.has(id)).map((id, i) => ({
      yAxisID: 'y' + units.indexOf(unitOf(channels.get(id))),
      label: name(channels.get(id)) + ', ' + unitOf(channels.get(id)),
      data: series.get(id), borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
      stepped: what() === 'reading', pointRadius: 2, borderWidth: 2, tension: 0
    }));
    chart.update('none');
    renderLive();
  }

  function onReading(up) {
    const now = Date.now() / 1000;
    (up.channels || []).forEach(c => {
      const known = channels.has(c.id);
      channels.set(c.id, c);
      if (!known) renderPicker();
      if (!chosen.includes(c.id)) return;
      const v = parseFloat(valueOf(c));   /* numbers only for drawing; text shows the string */
      if (!isNaN(v)) series.get(c.id).push({ x: c.ts || now, y: v });
    });
    series.forEach(pts => { while (pts.length && pts[0].x < now - WINDOW_S) pts.shift(); });
    chart.options.scales.x.min = now - WINDOW_S;
    chart.options.scales.x.max = now + 5;
    chart.update('none');
    renderLive();
  }

  async function load() {
    try {
      const r = await App.api('GET', '/api/v1/channels');
      channels = new Map(r.channels.map(c => [c.id, c]));
      if (!chosen.length) chosen = [...channels.keys()].slice(0, 4);
      renderPicker(); rebuild();
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(App.ROLES_STAFF, async () => {
    document.title = App.t('nav.online');
    const now = Date.now() / 1000;
    chart = new Chart($('chart'), {
      type: 'line', data: { datasets: [] },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true,
        scales: { x: { type: 'linear', min: now - WINDOW_S, max: now + 5, ticks: { callback: v => new Date(v * 1000).toLocaleTimeString(App.lang === 'ru' ? 'ru-RU' : 'en-GB') } },
        },
        plugins: { legend: { position: 'bottom' } }
      }
    });
    $('what').addEventListener('change', () => { series = new Map(); rebuild(); });
    App.stream(0, { reading: onReading, channel: up => { (up.channels || []).forEach(c => channels.set(c.id, c)); renderPicker(); rebuild(); }, reload: load },
      ok => { $('stream-state').textContent = ok ? '● ' + App.t('stream.on') : '○ ' + App.t('stream.off'); });
    await load();
  });
})();
