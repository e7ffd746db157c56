/* alarms.js - "Alarms": amr-notify's alarms (GET /api/v1/alarms), newest
 * first, filtered by state (open by default; "history" the cleared
 * ones), object and severity, a page at a time; each names the flat and
 * the meter by their labels. The live stream's "alarm" events update the
 * list as they come (and raise desktop notices once allowed).
 * Admins and operators acknowledge one with a comment or clear it with
 * a reason (the server records who). Filters live in the hash
 * (#state=cleared&obj=1, #id=7 shows one alarm). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const SEV = ['info', 'minor', 'major', 'critical'];
  let list = [];          /* shown, newest first */
  let next = null;        /* the "before" of the next page */
  let canAct = false;     /* admin or operator */
  let only = 0;           /* #id=N: that alarm alone */

  function filters() {
    return { state: $('state').value, obj: $('obj').value.trim(), severity: $('severity').value };
  }

  function query(f, before) {
    const q = new URLSearchParams();
    if (f.state) q.set('state', f.state);
    if (f.obj) q.set('obj', f.obj);
    if (f.severity) q.set('severity', f.severity);
    if (before) q.set('before', before);
    q.set('limit', '50');
    return '/api/v1/alarms?' + q;
  }

  /* Does alarm a belong to the list the filters show? */
  function matches(a, f) {
    if (only) return a.id === only;
    const st = f.state === 'open' ? ['raised', 'acknowledged'] : f.state ? [f.state] : null;
    return (!st || st.includes(a.state)) && (!f.obj || a.obj === +f.obj) &&
      (!f.severity || SEV.indexOf(a.severity) >= SEV.indexOf(f.severity));
  }

  function who(a) {
    const parts = [];
    if (a.ack) parts.push(App.t('st.acknowledged') + ': ' + a.ack.by + ', ' + App.fmtTime(a.ack.ts) + (a.ack.comment ? ' — «' + a.ack.comment + '»' : ''));
    if (a.cleared) parts.push(App.t('st.cleared') + ': ' + (a.cleared.by === 'condition' ? App.t('al.by.condition') : a.cleared.by) + ', ' +
      App.fmtTime(a.cleared.ts) + (a.cleared.reason ? ' — «' + a.cleared.reason + '»' : ''));
    (a.escalated || []).forEach(x => parts.push('→ ' + x.to + ' (' + App.fmtTime(x.ts) + ')'));
    return parts.join('; ');
  }

  function row(a) {
    const acts = E('td', { class: 'acts' });
    if (canAct && a.state === 'raised')
      acts.append(E('button', { type: 'button', class: 'small', id: 'ack-' + a.id, text: App.t('al.ack'), onclick: () => step(a, 'ack') }));
    if (canAct && a.state !== 'cleared')
      acts.append(' ', E('button', { type: 'button', class: 'small', id: 'clear-' + a.id, text: App.t('al.clear'), onclick: () => step(a, 'clear') }));
    return E('tr', { id: 'al-' + a.id, class: 'sev-' + a.severity, dataset: { id: a.id, state: a.state, kind: a.kind } },
      E('td', { class: 'name', text: App.t('al.id') + ' ' + a.id }),
      E('td', { class: 'what', 'data-label': App.t('al.what'), text: App.t('al.' + a.kind) }),
      E('td', { class: 'where', 'data-label': App.t('al.where'), text: Alarm.where(a) }),
      E('td', { class: 'sev', 'data-label': App.t('al.sev') }, E('span', { class: 'badge' + (a.severity === 'critical' || a.severity === 'major' ? ' bad' : ' warn'), text: App.t('sev.' + a.severity) })),
      E('td', { class: 'state', 'data-label': App.t('al.state'), text: App.t('st.' + a.state) }),
      E('td', { 'data-label': App.t('al.raised'), text: App.fmtTime(a.raised) }),
      E('td', { 'data-label': App.t('al.last'), text: App.fmtTime(a.last) }),
      E('td', { class: 'num', 'data-label': App.t('al.count'), text: String(a.count || 1) }),
      E('td', { class: 'who', 'data-label': App.t('al.who'), text: who(a) }),
      acts);
  }

  function render() {
    const head = E('tr', {}, ...['al.id', 'al.what', 'al.where', 'al.sev', 'al.state', 'al.raised', 'al.last', 'al.count', 'al.who', ''].map(k => E('th', { text: k ? App.t(k) : '' })));
    $('alarms').replaceChildren(head, ...(list.length ? list.map(row) : [E('tr', {}, E('td', { class: 'muted', colspan: 10, text: App.t('al.none') }))]));
    $('more').hidden = !next;
  }

  async function load(more) {
    $('msg').hidden = true;
    try {
      const f = filters();
      let r;
      if (only) r = { alarms: [await App.api('GET', '/api/v1/alarms/' + only)] };
      else r = await App.api('GET', query(f, more ? next : null));
      await Labels.load(r.alarms.filter(a => a.addr && !(a.detail || {}).label).map(a => a.obj + '.' + a.addr));
      list = more ? list.concat(r.alarms) : r.alarms;
      next = r.next || null;
      Alarm.know(list);
      render();
    } catch (e) { App.showError($('msg'), e); }
  }

  /* An alarm from the stream: into the list, out of it, or changed. */
  function arrived(a) {
    Alarm.arrived(a);
    /* named by the flat's label even before notify read the registry */
    if (a.addr && !(a.detail || {}).label) Labels.load([a.obj + '.' + a.addr]).then(render);
    const i = list.findIndex(x => x.id === a.id);
    if (a.state === 'cleared' && !a.cleared) {
      /* the stream's removal: fetch the record with who cleared it */
      App.api('GET', '/api/v1/alarms/' + a.id).then(r => { if (r.cleared) arrived(r); }).catch(() => {});
    }
    if (!matches(a, filters())) {
      if (i >= 0) { list.splice(i, 1); render(); }
      return;
    }
    if (i >= 0) list[i] = Object.assign({}, list[i], a);
    else { list.unshift(a); list.sort((x, y) => y.id - x.id); }
    render();
  }

  /* Acknowledge (comment optional) or clear (reason required) alarm a. */
  function step(a, what) {
    const dlg = $('step-dialog');
    $('step-title').textContent = App.t(what === 'ack' ? 'al.ack' : 'al.clear') + ' — ' + App.t('al.id') + ' ' + a.id;
    $('step-what').textContent = Alarm.text(a);
    $('step-label').textContent = App.t(what === 'ack' ? 'al.comment' : 'al.reason');
    $('step-text').value = '';
    $('step-text').required = what === 'clear';
    $('step-msg').hidden = true;
    dlg.dataset.id = a.id;
    dlg.dataset.step = what;
    dlg.showModal();
  }

  async function submitStep(ev) {
    ev.preventDefault();
    const dlg = $('step-dialog'), what = dlg.dataset.step, id = +dlg.dataset.id;
    const text = $('step-text').value.trim();
    if (what === 'clear' && !text) { $('step-text').focus(); return; }
    try {
      const rec = await App.api('POST', '/api/v1/alarms/' + id + '/' + what,
        what === 'ack' ? (text ? { comment: text } : {}) : { reason: text });
      dlg.close();
      App.showOk($('ok'), App.t(what === 'ack' ? 'al.done.ack' : 'al.done.clear').replace('{id}', id));
      arrived(rec);
    } catch (e) { App.showError($('step-msg'), e); }
  }

  function fromHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    only = parseInt(h.get('id'), 10) || 0;
    if (h.has('state')) $('state').value = h.get('state');
    if (h.has('obj')) $('obj').value = h.get('obj');
    if (h.has('severity')) $('severity').value = h.get('severity');
  }

  App.start(App.ROLES_VIEW, async me => {
    document.title = App.t('nav.alarms');
    canAct = me.role === 'admin' || me.role === 'operator';
    fromHash();
    Alarm.button($('notices-box'));
    $('filters').addEventListener('submit', ev => {
      ev.preventDefault();
      only = 0;
      const f = filters(), h = new URLSearchParams();
      Object.entries(f).forEach(([k, v]) => { if (v) h.set(k, v); });
      history.replaceState(null, '', '#' + h);
      load(false);
    });
    $('more').addEventListener('click', () => load(true));
    $('step-form').addEventListener('submit', submitStep);
    $('step-cancel').addEventListener('click', () => $('step-dialog').close());
    App.stream(0, { alarm: up => (up.alarms || []).forEach(arrived), reload: () => load(false) },
      ok => { $('stream-state').textContent = ok ? '● ' + App.t('stream.on') : '○ ' + App.t('stream.off'); });
    await load(false);
  });
})();
