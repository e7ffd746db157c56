/* status.js - "Object status": the object list with connection state and
 * alarm badges, and for the chosen object its gateway, UO-4 devices (and the
 * state of their outputs, named by what they drive), channels grouped by
 * device (the flat) with a search box and a resource filter, alarms and
 * events, kept current by the live stream. While the gateway is offline
 * everything below it is shown as last known, with its age, and commands
 * say they will wait. Remote blocking through commands.js; a channel's
 * details (and, for admins, zeroing its counter) in its menu. */
'use strict';
(function () {
  let current = 0;            /* chosen object */
  let objects = new Map();    /* obj -> summary */
  let detail = null;          /* /api/v1/objects/{obj} answer */
  let es = null;
  const filter = { q: '', res: '' };   /* the search box and the resource filter */
  const DEV_COLS = ['addr', 'label', 'state', 'power', 'battery', 'outputs', 'updated'];
  const CH_COLS = ['channel', 'label', 'resource', 'reading', 'rate', 'updated', 'state', ''];

  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  function objState(o) {
    if (o.online === false) return ['off', App.t('offline')];
    if (!o.fresh) return ['stale', o.online ? App.t('stale') : App.t('unknown')];
    return ['on', App.t('online')];
  }

  /* "5 мин назад" while the gateway of obj says it is offline (what is
   * shown of it is last known), else null */
  function offlineAge(obj) {
    const o = objects.get(+obj);
    return o && o.last_known ? App.fmtAge(o.age_s) : null;
  }

  function renderObjects() {
    const ul = $('objects');
    ul.replaceChildren(...[...objects.values()].map(o => {
      const [cls, text] = objState(o);
      const li = E('li', { class: o.obj === current ? 'sel' : '', dataset: { obj: o.obj }, onclick: () => choose(o.obj) },
        E('span', { class: 'dot ' + cls, title: text }),
        E('b', { text: App.t('object') + ' ' + o.obj + (o.label ? ' — ' + o.label : '') }),
        o.alarms && o.alarms.length ? E('span', { class: 'badge bad', text: o.alarms.length }) : E('span'),
        E('span', { class: 'sub', text: text + ' · ' + App.fmtAge(o.age_s) }));
      return li;
    }));
  }

  function renderGateway(o) {
    const [cls, text] = objState(o);
    const last = !!o.last_known;
    const facts = E('div', { class: 'facts' },
      E('div', {}, E('span', { text: App.t('state') }), E('span', { class: 'badge ' + (cls === 'on' ? 'ok' : cls === 'off' ? 'bad' : 'warn'), id: 'gw-state', text: text })),
      E('div', {}, E('span', { text: App.t('updated') }), E('b', { id: 'gw-age', text: App.fmtAge(o.age_s) })),
      /* a user who sees the object in part gets no building-wide facts */
      o.devices ? E('div', {}, E('span', { text: App.t('devices') }), E('b', { id: 'gw-devices', text: o.devices.responding + ' / ' + o.devices.polled + ' ' + App.t(last ? 'responded' : 'responding') }),
        last ? E('span', { class: 'muted', text: ' (' + App.t('last.report') + ')' }) : null) : null,
      o.fw !== undefined ? E('div', {}, E('span', { text: App.t('firmware') }), E('b', { text: o.fw || '—' })) : null,
      o.ip !== undefined ? E('div', {}, E('span', { text: App.t('ip') }), E('b', { text: o.ip || '—' })) : null,
      o.spool ? E('div', {}, E('span', { text: App.t('spool') }), E('b', { text: o.spool.pending })) : null);
    const lcd = o.lcd ? E('div', { class: 'lcd' + (last ? ' stale' : ''), id: 'gw-lcd', text: o.lcd.join('\n') }) : null;
    $('gw').replaceChildren(...[E('h1', { text: App.t('object') + ' ' + o.obj + (o.label ? ' — ' + o.label : '') }),
      E('h2', { text: App.t('gateway') }), facts, lcd, lcd && last ? E('div', { class: 'muted small', text: App.t('lcd.last') }) : null].filter(Boolean));
    const note = $('offline-note');
    note.hidden = !last;
    note.textContent = last ? App.t('offline.since') + ' ' + App.fmtTime(o.since) + '. ' + App.t('last.data.shown') + ' ' +
      App.fmtAge(o.age_s) + '. ' + App.t('offline.cmds') + '.' : '';
    const al = $('alarms');
    /* notify's open alarms, newest first; the alarms page acknowledges them */
    const list = (o.alarms || []).slice().sort((a, b) => b.id - a.id);
    Alarm.know(list);
    al.replaceChildren(...(list.length ? list.map(a => E('li', { class: 'alarm sev-' + a.severity, dataset: { id: a.id, state: a.state } },
      E('a', { href: '/alarms.html#id=' + a.id, text: Alarm.text(a) }),
      ' (' + App.fmtTime(a.raised) + (a.state === 'acknowledged' ? ', ' + App.t('al.acked') : '') + ')')) :
      [E('li', { class: 'muted', text: App.t('no.alarms') })]));
  }

  /* What the search box looks in for a device: its label (the flat), its
   * address and what its outputs drive. */
  function devHay(addr, d) {
    return [d && d.label, App.t('addr') + ' ' + addr, String(addr), ...((d && d.outputs) || []).map(o => o.label || '')].join(' ');
  }
  /* the search is one phrase: "Кв. 2" finds flat 2 (and 21..29), not every "2" */
  const found = hay => hay.toLowerCase().includes(filter.q.toLowerCase().replace(/\s+/g, ' '));
  const devOf = addr => detail.devices.find(d => d.addr === addr);

  function chanShown(c) {
    if (filter.res && c.resource !== filter.res) return false;
    return found([c.id, c.label, App.t('res.' + c.resource), devHay(c.addr, devOf(c.addr))].join(' '));
  }

  function devShown(d) {
    const chans = detail.channels.filter(c => c.addr === d.addr);
    if (filter.res && !chans.some(c => c.resource === filter.res) && !(d.outputs || []).some(o => o.resource === filter.res)) return false;
    return found([devHay(d.addr, d), ...chans.map(c => c.id + ' ' + (c.label || ''))].join(' '));
  }

  function devRow(d) {
    const last = !!d.last_known;
    return E('tr', { id: 'dev-' + d.addr, hidden: !devShown(d) },
      E('td', { class: 'num', text: d.addr }), E('td', { text: d.label || '' }),
      E('td', { class: 'dstate' }, E('span', { class: 'badge ' + (last ? '' : d.ok ? 'ok' : 'bad'), text: last ? App.t(d.ok ? 'dev.was.ok' : 'dev.was.silent') : d.ok ? App.t('dev.ok') : App.t('dev.silent') }),
        last ? E('div', { class: 'muted small last', text: App.t('last.data') + ' ' + offlineAge(current) }) : null),
      E('td', {}, E('span', { class: 'badge ' + (d.power === 'mains' ? 'ok' : d.power === 'battery' ? 'warn' : ''), text: App.t('power.' + d.power) })),
      E('td', { class: 'num', text: d.batt_mv !== undefined ? App.qty((d.batt_mv / 1000).toFixed(2), 'V') : '—' },
        d.battery_low ? E('span', { class: 'badge bad', text: App.t('battery.low') }) : null),
      Commands.outputsCell(current, d),
      E('td', { text: App.fmtTime(d.ts) }));
  }

  function chanRow(c) {
    return E('tr', { id: 'ch-' + c.id.replace(/\./g, '-'), class: c.fresh ? '' : 'muted', hidden: !chanShown(c) },
      E('td', { text: c.id }), E('td', { class: 'label', text: c.label || '—' }),
      E('td', { text: App.t('res.' + c.resource) }),
      E('td', { class: 'num reading', text: App.qty(c.reading, c.unit) }),
      E('td', { class: 'num rate', text: App.qty(c.rate, c.rate_unit) }),
      E('td', { text: App.fmtTime(c.ts) }),
      E('td', {}, c.quarantined ? E('span', { class: 'badge bad', text: App.t('al.counter_quarantined') }) :
        c.last_known ? E('span', { class: 'badge warn', text: App.t('last.data') + ' ' + offlineAge(current) }) :
          E('span', { class: 'badge ' + (c.fresh ? 'ok' : 'warn'), text: c.fresh ? App.t('fresh') : App.t('stale') })),
      E('td', { class: 'menu' }, E('button', { type: 'button', class: 'small', id: 'chmenu-' + c.addr + '-' + c.ch,
        title: App.t('ch.menu'), 'aria-label': App.t('ch.menu') + ' ' + c.id, text: '⋯', onclick: () => chanMenu(c.id) })));
  }

  /* The heading of a device's channels: the flat, its address and state. */
  function groupRow(addr, chans) {
    const d = devOf(addr);
    const state = !d ? null : d.last_known ? App.t(d.ok ? 'dev.was.ok' : 'dev.was.silent') : App.t(d.ok ? 'dev.ok' : 'dev.silent');
    return E('tr', { class: 'group', id: 'grp-' + addr, hidden: !chans.some(chanShown) },
      E('th', { colspan: CH_COLS.length }, E('span', { class: 'gname', text: Labels.devName(current, addr, d) }),
        state ? E('span', { class: 'badge ' + (d.last_known ? '' : d.ok ? 'ok' : 'bad'), text: state }) : null));
  }

  /* A channel's details and what may be done with it: its archive, its
   * audit trail and (admin) zeroing its counter, confirmed in the command
   * dialog. Kept off the rows, where a stray tap would zero a meter. */
  function chanMenu(id) {
    const c = detail.channels.find(x => x.id === id);
    if (!c) return;
    const fact = (k, v) => [E('dt', { text: App.t(k) }), E('dd', { text: v === undefined || v === null || v === '' ? '—' : String(v) })];
    $('ch-title').textContent = c.id + (c.label ? ' — ' + c.label : '');
    $('ch-facts').replaceChildren(...fact('device', Labels.devName(current, c.addr)), ...fact('resource', App.t('res.' + c.resource)),
      ...fact('reading', c.reading != null ? c.reading + ' ' + c.unit : null), ...fact('counter', c.total),
      ...fact('weight', c.weight ? c.weight.num + '/' + c.weight.den + ' ' + c.unit : null),
      ...fact('serial', c.serial), ...fact('verification', c.verification_due), ...fact('updated', App.fmtTime(c.ts)));
    $('ch-actions').replaceChildren(...[
      E('a', { class: 'badge', href: '/archive.html#channels=' + c.id, text: App.t('nav.archive') }),
      App.me.role === 'admin' ? E('a', { class: 'badge', href: '/audit.html#target=' + c.id, text: App.t('nav.audit') }) : null,
      Commands.zeroButton(current, c, () => $('ch-dialog').close())].filter(Boolean));
    $('ch-dialog').showModal();
  }

  function evItem(e) {
    return E('li', { text: App.fmtTime(e.ts) + ' — ' + App.t('ev.' + e.type) + (e.addr ? ', ' + Labels.devName(current, e.addr) : '') +
      (e.ch ? ', ' + Labels.chanName(current, e.addr, e.ch) : '') +
      (e.type === 'output_changed' && e.detail && e.detail.out ? ', ' + Labels.outName(current, e.addr, e.detail.out) + ': ' + App.t(e.detail.blocked ? 'out.blocked' : 'out.released') : '') });
  }

  /* The resources of the object's channels and outputs, for the filter. */
  function renderResources() {
    const have = new Set(detail.channels.map(c => c.resource).concat(...detail.devices.map(d => (d.outputs || []).map(o => o.resource).filter(Boolean))));
    if (filter.res && !have.has(filter.res)) filter.res = '';
    $('res').replaceChildren(E('option', { value: '', text: App.t('res.all') }),
      ...[...have].sort().map(r => E('option', { value: r, selected: r === filter.res, text: App.t('res.' + r) })));
  }

  function renderChannels() {
    const byAddr = new Map();
    detail.channels.forEach(c => { if (!byAddr.has(c.addr)) byAddr.set(c.addr, []); byAddr.get(c.addr).push(c); });
    const rows = [];
    [...byAddr.keys()].sort((a, b) => a - b).forEach(a => {
      const list = byAddr.get(a).sort((x, y) => x.ch - y.ch);
      rows.push(groupRow(a, list), ...list.map(chanRow));
    });
    $('channels').replaceChildren(E('tr', {}, ...CH_COLS.map(k => E('th', { text: k ? App.t(k) : '' }))), ...rows);
  }

  /* Show only the devices and channels the search and the filter let through. */
  function applyFilter() {
    if (!detail) return;
    detail.devices.forEach(d => { const r = $('dev-' + d.addr); if (r) r.hidden = !devShown(d); });
    detail.channels.forEach(c => { const r = $('ch-' + c.id.replace(/\./g, '-')); if (r) r.hidden = !chanShown(c); });
    const addrs = [...new Set(detail.channels.map(c => c.addr))];
    addrs.forEach(a => { const g = $('grp-' + a); if (g) g.hidden = !detail.channels.some(c => c.addr === a && chanShown(c)); });
    const nd = detail.devices.filter(devShown).length, nc = detail.channels.filter(chanShown).length;
    $('shown').textContent = App.t('shown.devices') + ' ' + nd + ' / ' + detail.devices.length + ', ' +
      App.t('shown.channels') + ' ' + nc + ' / ' + detail.channels.length;
  }

  function renderDetail() {
    if (!detail) return;
    Labels.put(current, detail);
    renderGateway(detail.object);
    renderResources();
    $('devices').replaceChildren(E('tr', {}, ...DEV_COLS.map(k => E('th', { text: App.t(k) }))),
      ...detail.devices.map(devRow));
    renderChannels();
    $('events').replaceChildren(...(detail.events.length ? detail.events.map(evItem) : [E('li', { class: 'muted', text: App.t('no.events') })]));
    applyFilter();
  }

  function upsert(list, item, key) {
    const i = list.findIndex(x => x[key] === item[key]);
    if (i >= 0) list[i] = item; else { list.push(item); list.sort((a, b) => a[key] < b[key] ? -1 : 1); }
  }

  function onObject(o) {
    const was = objects.get(o.obj);
    objects.set(o.obj, o);
    renderObjects();
    if (detail && o.obj === current) {
      detail.object = o;
      renderGateway(o);
      /* offline or back: every device and channel turns last known or live */
      if (was && !!was.last_known !== !!o.last_known) refresh(o.obj);
    }
  }

  function onUpdate(up) {
    if (up.object) onObject(up.object);
    if (!detail || up.obj !== current) return;
    (up.devices || []).forEach(d => {
      upsert(detail.devices, d, 'addr');
      Labels.put(current, detail);
      const row = document.getElementById('dev-' + d.addr);
      if (row) row.replaceWith(devRow(d)); else renderDetail();
      const g = $('grp-' + d.addr);
      if (g) g.replaceWith(groupRow(d.addr, detail.channels.filter(c => c.addr === d.addr)));
    });
    (up.channels || []).forEach(c => {
      upsert(detail.channels, c, 'id');
      const row = document.getElementById('ch-' + c.id.replace(/\./g, '-'));
      if (row) row.replaceWith(chanRow(c)); else renderDetail();
    });
  }

  async function choose(obj) {
    current = obj;
    location.hash = 'obj=' + obj;
    renderObjects();
    try {
      detail = await App.api('GET', '/api/v1/objects/' + obj);
      renderDetail();
    } catch (e) { App.showError($('msg'), e); }
    Commands.history(obj);
  }

  /* After a command: the object again (the stream usually was faster). */
  async function refresh(obj) {
    if (obj !== current) return;
    try {
      detail = await App.api('GET', '/api/v1/objects/' + obj);
      if (detail.object) objects.set(obj, detail.object);
      renderDetail();
    } catch (e) { App.showError($('msg'), e); }
  }

  async function load() {
    try {
      const r = await App.api('GET', '/api/v1/objects');
      objects = new Map(r.objects.map(o => [o.obj, o]));
      objects.forEach(o => Alarm.know(o.alarms));
      const want = parseInt((location.hash.match(/obj=(\d+)/) || [])[1], 10);
      renderObjects();
      if (objects.size) await choose(objects.has(want) ? want : (objects.has(current) ? current : objects.keys().next().value));
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(App.ROLES_VIEW, async me => {
    document.title = App.t('nav.status');
    Commands.init(me, refresh, offlineAge);
    Alarm.button($('notices-box'));
    $('q').addEventListener('input', () => { filter.q = $('q').value.trim(); applyFilter(); });
    $('res').addEventListener('change', () => { filter.res = $('res').value; applyFilter(); });
    $('ch-close').addEventListener('click', () => $('ch-dialog').close());
    /* a link to #obj=N on this page chooses that object */
    window.addEventListener('hashchange', () => {
      const want = parseInt((location.hash.match(/obj=(\d+)/) || [])[1], 10);
      if (want && want !== current && objects.has(want)) choose(want);
    });
    es = App.stream(0, {
      object: up => onObject(up.object),
      reading: onUpdate,
      channel: onUpdate,
      device: onUpdate,
      event: up => {
        if (up.object) onObject(up.object);
        if (up.devices) onUpdate({ obj: up.obj, devices: up.devices });
        if (detail && up.event.obj === current) {
          detail.events.unshift(up.event);
          detail.events.length = Math.min(detail.events.length, 50);
          $('events').replaceChildren(...detail.events.map(evItem));
        }
      },
      alarm: up => {
        (up.alarms || []).forEach(Alarm.arrived);
        if (up.object) onObject(up.object);
      },
      reload: load
    }, ok => { $('stream-state').textContent = ok ? '● ' + App.t('stream.on') : '○ ' + App.t('stream.off'); });
    await load();
    /* ages move on without data: refresh the list's text every 10 s, and
     * the last known ages of an offline object's rows */
    setInterval(() => {
      objects.forEach(o => { if (o.last_rx) o.age_s = Math.floor(Date.now() / 1000) - o.last_rx; });
      renderObjects();
      if (detail && offlineAge(current) !== null) { detail.object = objects.get(current); renderDetail(); }
    }, 10000);
  });
})();
