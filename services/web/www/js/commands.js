/* commands.js - remote blocking on the "Object status" page: the block
 * state of each UO-4 output, Block / Unblock per output (admin, operator),
 * Zero of a channel (admin, from the channel's menu, confirmed), a dialog
 * that names the flat and what the output drives and asks for the reason
 * (required, recorded by ingest in the audit trail) and, with the gateway
 * offline, says the command will wait for it; the command's state
 * (queued / sent / done / failed / expired) with the gateway's answer, and
 * the object's recent commands. The server checks roles and CSRF again. */
'use strict';
(function () {
  const OPS = ['admin', 'operator'];
  const FINAL = ['done', 'failed', 'expired'];
  const POLL_MS = 2000, POLL_MAX = 90;     /* a queued command is watched for 3 min */
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  let me = null, onDone = null, pending = null;
  let offline = () => null;   /* obj -> "5 мин назад" while its gateway is offline, else null */

  const mayCommand = () => me && OPS.includes(me.role);
  const mayZero = () => me && me.role === 'admin';

  /* "Блокировка: объект 1, Кв. 5 (адрес 5), выход 1 «Кран ХВС»" */
  function what(obj, c) {
    return App.t('cmd.' + c.cmd) + ': ' + App.t('object').toLowerCase() + ' ' + obj + ', ' + Labels.devName(obj, c.addr) + ', ' +
      (c.cmd === 'zero' ? Labels.chanName(obj, c.addr, c.ch) : Labels.outName(obj, c.addr, c.out));
  }

  /* A command that cannot reach the gateway now: it waits in ingest's
   * queue (until its expiry) and runs when the gateway is back. */
  function waitNote(obj, r) {
    const age = offline(obj);
    if (age === null || (r && FINAL.includes(r.state))) return null;
    return E('div', { class: 'note', id: 'cmd-wait' }, App.t('cmd.wait') + ' (' + App.t('last.data') + ' ' + age + ')' +
      (r && r.expires ? '; ' + App.t('cmd.expires') + ' ' + App.fmtTime(r.expires) : '') + '.');
  }

  function answerText(r) {
    const res = r.result || {};
    const text = res.ok === false ? (res.error || '') : (res.output || '');
    return text.trim();
  }

  function showState(obj, c, r) {
    const box = $('cmd-result');
    const st = E('span', { id: 'cmd-state', class: 'badge ' + (r.state === 'done' ? 'ok' : r.state === 'failed' || r.state === 'expired' ? 'bad' : 'warn'),
      dataset: { state: r.state, id: r.id || '' }, text: App.t('state.' + r.state) });
    const ans = answerText(r);
    box.replaceChildren(...[E('b', { text: what(obj, c) }), ' — ', st,
      ...(ans ? [E('div', { id: 'cmd-answer' }, App.t('answer') + ': ', E('code', { text: ans }))] : []), waitNote(obj, r)].filter(Boolean));
    box.className = 'msg ' + (r.state === 'done' ? 'ok' : r.state === 'failed' || r.state === 'expired' ? 'error' : '');
    box.hidden = false;
  }

  /* A queued or sent command: ask ingest's list until it is final. */
  async function watch(obj, c, r) {
    for (let i = 0; i < POLL_MAX && !FINAL.includes(r.state); i++) {
      await new Promise(res => setTimeout(res, POLL_MS));
      try {
        const l = await App.api('GET', '/api/v1/objects/' + obj + '/commands?limit=50');
        const rec = l.commands.find(x => x.id === r.id);
        if (rec) { r = rec; showState(obj, c, r); renderHistory(obj, l.commands); }
      } catch (e) { /* the next round asks again */ }
    }
    if (onDone) onDone(obj);
  }

  async function send(obj, c, reason) {
    const box = $('cmd-result');
    box.hidden = false;
    box.className = 'msg';
    box.textContent = what(obj, c) + ' — ' + App.t('state.sending');
    try {
      const r = await App.api('POST', '/api/v1/objects/' + obj + '/commands', Object.assign({}, c, { reason }));
      showState(obj, c, r);
      history(obj);
      if (onDone) onDone(obj);
      if (!FINAL.includes(r.state)) watch(obj, c, r);
    } catch (e) { App.showError(box, e); }
  }

  /* Open the dialog for command c ({cmd, addr, out|ch}) on object obj. */
  function ask(obj, c) {
    pending = { obj, c };
    $('cmd-title').textContent = App.t('cmd.' + c.cmd);
    $('cmd-what').textContent = what(obj, c);
    const note = waitNote(obj, null);
    $('cmd-note').replaceChildren(...(note ? [note.textContent] : []));
    $('cmd-note').hidden = !note;
    /* zeroing changes what is billed: it must be confirmed */
    $('cmd-confirm-row').hidden = c.cmd !== 'zero';
    $('cmd-confirm').required = c.cmd === 'zero';
    $('cmd-confirm').checked = false;
    $('cmd-reason').value = '';
    $('cmd-dialog').showModal();
    $('cmd-reason').focus();
  }

  /* The outputs cell of a device row: state per output and, for admin and
   * operator, the button that changes it (both when the state is unknown). */
  function outputsCell(obj, d) {
    const outs = d.outputs || [1, 2, 3, 4].map(out => ({ out, state: 'unknown' }));
    return E('td', { class: 'outs' }, ...outs.map(o => {
      const cls = o.state === 'blocked' ? 'bad' : o.state === 'released' ? 'ok' : '';
      const btns = [];
      const later = offline(obj) !== null ? App.t('cmd.wait') : null;
      if (mayCommand() && o.state !== 'blocked')
        btns.push(E('button', { type: 'button', class: 'small', id: 'blk-' + d.addr + '-' + o.out, text: App.t('block'), title: later,
          onclick: () => ask(obj, { cmd: 'block', addr: d.addr, out: o.out }) }));
      if (mayCommand() && o.state !== 'released')
        btns.push(E('button', { type: 'button', class: 'small', id: 'unblk-' + d.addr + '-' + o.out, text: App.t('unblock'), title: later,
          onclick: () => ask(obj, { cmd: 'unblock', addr: d.addr, out: o.out }) }));
      return E('div', { class: 'out' }, E('span', { class: 'n', text: o.out }),
        o.label ? E('span', { class: 'olabel', id: 'olabel-' + d.addr + '-' + o.out, title: o.resource ? App.t('res.' + o.resource) : null, text: o.label }) : null,
        E('span', { class: 'badge ' + cls, id: 'out-' + d.addr + '-' + o.out, dataset: { state: o.state },
          title: o.ts ? App.fmtTime(o.ts) : '', text: App.t('out.' + o.state) }), ...btns);
    }));
  }

  /* The zero button of a channel's menu (admin); before(): close the menu. */
  function zeroButton(obj, ch, before) {
    if (!mayZero()) return null;
    return E('button', { type: 'button', class: 'danger', id: 'zero-' + ch.addr + '-' + ch.ch, text: App.t('zero.ask'),
      onclick: () => { if (before) before(); ask(obj, { cmd: 'zero', addr: ch.addr, ch: ch.ch }); } });
  }

  function renderHistory(obj, cmds) {
    $('commands').replaceChildren(E('tr', {}, ...['time', 'user', 'command', 'reason', 'state', 'answer'].map(k => E('th', { text: App.t(k) }))),
      ...(cmds.length ? cmds.map(c => E('tr', {},
        E('td', { text: App.fmtTime(c.created) }), E('td', { text: c.actor }),
        E('td', { text: c.cmd === 'console' ? c.line : what(obj, c) }), E('td', { text: c.reason || '' }),
        E('td', {}, E('span', { class: 'badge ' + (c.state === 'done' ? 'ok' : c.state === 'failed' || c.state === 'expired' ? 'bad' : 'warn'),
          text: App.t('state.' + c.state) })),
        E('td', {}, E('code', { text: answerText(c) }))))
        : [E('tr', {}, E('td', { colspan: 6, class: 'muted', text: App.t('none') }))]));
  }

  /* The object's recent commands (admin, operator). */
  async function history(obj) {
    if (!mayCommand()) return;
    $('cmd-panel').hidden = false;
    try {
      const l = await App.api('GET', '/api/v1/objects/' + obj + '/commands?limit=20');
      renderHistory(obj, l.commands);
    } catch (e) {
      $('commands').replaceChildren(E('tr', {}, E('td', { class: 'muted', text: App.errorText(e) })));
    }
  }

  function init(who, done, offlineAge) {
    me = who;
    onDone = done;
    if (offlineAge) offline = offlineAge;
    $('cmd-form').addEventListener('submit', ev => {
      const reason = $('cmd-reason').value.trim();
      if (!reason) { ev.preventDefault(); $('cmd-reason').focus(); return; }
      if (pending && pending.c.cmd === 'zero' && !$('cmd-confirm').checked) { ev.preventDefault(); $('cmd-confirm').focus(); return; }
      if (pending) send(pending.obj, pending.c, reason);
      pending = null;
    });
    $('cmd-cancel').addEventListener('click', () => { pending = null; $('cmd-dialog').close(); });
  }

  window.Commands = { init, outputsCell, zeroButton, history, mayCommand };
})();
