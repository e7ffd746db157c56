/* online.js - "On-line view": live charts of the chosen channels. When a
 * channel is chosen its recent past (the window, one hour by default) is
 * filled from the archive's raw readings (/api/v1/series?step=raw); from
 * then on the stream (Server-Sent Events) adds each reading as it arrives;
 * no polling. Values are drawn as numbers; cards and tables show the
 * server's decimal strings. */
'use strict';
(function () {
  const COLORS = ['#1f6fb2', '#d64545', '#1f9d55', '#d98e04', '#7b4fb8', '#00838f', '#8d6e63', '#c2185b'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  let channels = new Map();             /* id -> latest channel JSON */
  let chosen = JSON.parse(localStorage.getItem('online.chosen') || '[]');
  let samples = new Map();              /* id -> [{t, reading, rate}] in time order */
  let chart = null;

  const windowS = () => parseInt($('window').value, 10);
  const what = () => $('what').value;
  const unitOf = c => what() === 'rate' ? (c.rate_unit || c.unit + '/h') : c.unit;
  const name = c => c.id + (c.label ? ' — ' + c.label : '');
  const num = s => (s === undefined || s === null) ? null : parseFloat(s);
  const nowS = () => Date.now() / 1000;

  function renderPicker() {
    $('chans').replaceChildren(...[...channels.values()].map(c => E('label', {},
      E('input', { type: 'checkbox', value: c.id, checked: chosen.includes(c.id), onchange: ev => toggle(c.id, ev.target) }), name(c))));
  }

  /* Checking a box changes only the chosen list: the picker is not drawn
   * again, so the boxes stay the ones the user (or a test) holds. */
  function toggle(id, box) {
    if (box.checked) {
      if (chosen.length >= COLORS.length) { box.checked = false; return; }
      if (!chosen.includes(id)) chosen.push(id);
    } else chosen = chosen.filter(x => x !== id);
    localStorage.setItem('online.chosen', JSON.stringify(chosen));
    if (box.checked) backfill([id]); else { samples.delete(id); rebuild(); }
  }

  /* A sample from a live channel JSON. */
  const liveSample = c => ({ t: c.ts, reading: num(c.reading), rate: num(c.rate) });

  /* Samples from raw archive points: the reading from the device total and
   * the channel's current weight (back from the current reading), the rate
   * from the UO-4's pulse period. */
  function rawSamples(c, pts) {
    const w = c.weight ? c.weight.num / c.weight.den : 1;
    const now = num(c.reading);
    return pts.filter(p => !p.quarantined && p.total !== undefined).map(p => ({
      t: p.t,
      reading: now !== null && c.total !== undefined ? now - (c.total - p.total) * w : null,
      rate: p.period_ms > 0 ? w * 3600000 / p.period_ms : null
    }));
  }

  async function backfill(ids) {
    ids = ids.filter(id => channels.has(id));
    if (!ids.length) { rebuild(); return; }
    const to = Math.floor(nowS()) + 60, from = to - 60 - windowS();
    try {
      const r = await App.api('GET', '/api/v1/series?channels=' + encodeURIComponent(ids.join(',')) + '&from=' + from + '&to=' + to + '&step=raw');
      r.series.forEach(s => {
        const c = channels.get(s.channel);
        if (!c || !chosen.includes(s.channel)) return;
        const old = rawSamples(c, s.points || []);
        const last = old.length ? old[old.length - 1].t : 0;
        /* live samples that came in meanwhile stay after the archive's */
        samples.set(s.channel, old.concat((samples.get(s.channel) || []).filter(x => x.t > last)));
      });
    } catch (e) { App.showError($('msg'), e); }
    rebuild();
  }

  function renderLive() {
    $('live').replaceChildren(...chosen.filter(id => channels.has(id)).map(id => {
      const c = channels.get(id), v = what() === 'rate' ? c.rate : c.reading;
      return E('div', { class: 'card', dataset: { ch: id } },
        E('div', { class: 'l', text: name(c) }),
        E('div', { class: 'v', id: 'v-' + id.replace(/\./g, '-'), text: App.qty(v, unitOf(c)) }),
        E('div', { class: 'l', text: App.t('reading') + ': ' + App.qty(c.reading, c.unit) + ' · ' + App.fmtTime(c.ts) }));
    }));
  }

  function points(id) {
    const key = what(), min = nowS() - windowS();
    return (samples.get(id) || []).filter(s => s.t >= min && s[key] !== null && !isNaN(s[key])).map(s => ({ x: s.t, y: s[key] }));
  }

  function moveAxis() {
    const now = nowS();
    chart.options.scales.x.min = now - windowS();
    chart.options.scales.x.max = now + Math.max(5, windowS() / 120);
  }

  function rebuild() {
    const ids = chosen.filter(id => channels.has(id));
    const units = [...new Set(ids.map(id => unitOf(channels.get(id))))];   /* one y axis per unit */
    Object.keys(chart.options.scales).filter(k => k !== 'x').forEach(k => delete chart.options.scales[k]);
    units.forEach((u, i) => { chart.options.scales['y' + i] = { position: i % 2 ? 'right' : 'left', title: { display: true, text: App.unit(u) },
      ticks: { format: { useGrouping: false } }, grid: { drawOnChartArea: i === 0 } }; });
    chart.data.datasets = ids.map((id, i) => ({
      yAxisID: 'y' + units.indexOf(unitOf(channels.get(id))),
      label: name(channels.get(id)) + ', ' + App.unit(unitOf(channels.get(id))),
      data: points(id), borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length],
      stepped: what() === 'reading', pointRadius: 2, borderWidth: 2, tension: 0
    }));
    moveAxis();
    chart.update('none');
    renderLive();
  }

  function onReading(up) {
    let added = false;
    (up.channels || []).forEach(c => {
      const known = channels.has(c.id);
      channels.set(c.id, c);
      if (!known) renderPicker();
      if (!chosen.includes(c.id) || !c.ts) return;
      const list = samples.get(c.id) || [];
      if (list.length && list[list.length - 1].t >= c.ts) return;   /* already have it */
      list.push(liveSample(c));
      while (list.length && list[0].t < nowS() - 6 * 3600) list.shift();
      samples.set(c.id, list);
      added = true;
    });
    if (added) rebuild(); else renderLive();
  }

  async function load() {
    try {
      const r = await App.api('GET', '/api/v1/channels');
      channels = new Map(r.channels.map(c => [c.id, c]));
      if (!chosen.length) chosen = [...channels.keys()].slice(0, 4);
      renderPicker();
      samples = new Map();
      await backfill(chosen);
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(App.ROLES_VIEW, async () => {
    document.title = App.t('nav.online');
    chart = new Chart($('chart'), {
      type: 'line', data: { datasets: [] },
      options: {
        animation: false, maintainAspectRatio: false, parsing: false, normalized: true, locale: App.numLocale(),
        /* times on the site's clock, values with the language's separator */
        scales: { x: { type: 'linear', ticks: { maxTicksLimit: 13, callback: v => App.fmtClock(v, windowS() <= 900) } } },
        plugins: { legend: { position: 'bottom' }, tooltip: { callbacks: {
          title: items => items.length ? App.fmtTime(items[0].parsed.x) : '',
          label: c => c.dataset.label + ': ' + App.fmtNumber(c.parsed.y) } } }
      }
    });
    moveAxis();
    $('what').addEventListener('change', rebuild);
    $('window').addEventListener('change', () => backfill(chosen));
    App.stream(0, { reading: onReading, channel: up => { (up.channels || []).forEach(c => channels.set(c.id, c)); renderPicker(); rebuild(); }, reload: load },
      ok => { $('stream-state').textContent = ok ? '● ' + App.t('stream.on') : '○ ' + App.t('stream.off'); });
    await load();
    /* the time axis moves on between readings */
    setInterval(() => { moveAxis(); chart.update('none'); }, 5000);
  });
})();
