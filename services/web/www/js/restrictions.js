/* restrictions.js - "Ограничения за долг" on the debtors page: the
 * restriction cases of the organisation (billing/restriction.list), and
 * the steps a person takes on one (docs/restrictions.md): an accountant
 * proposes one from a debtor's row, sends the notice to the tenant's e-mail
 * and phone (restriction.send_notice; each message's state is shown),
 * records the notice with the day it was delivered, or cancels; an operator approves, lifts or retries. The server
 * checks every rule and role (the 20 days, the two-person rule, heating and
 * cold water never); the page shows what it answers, and while a command
 * is on its way it asks again every 2 s. Loaded after debtors.js, which
 * calls Restrictions.load() after each list it shows. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const MONEY = ['admin', 'accountant'];
  const OPS = ['admin', 'operator'];
  const MOVING = ['requesting', 'queued', 'sent'];
  let timer = 0;

  const day = s => (App.lang === 'en' ? s : s.split('-').reverse().join('.'));
  const may = roles => !!App.me && roles.includes(App.me.role);
  const call = (method, body) => App.api('POST', '/api/v1/billing/' + method, body);
  const svc = code => (App.t('svc.code.' + code) !== 'svc.code.' + code ? App.t('svc.code.' + code) : code);

  /* Today in the site's zone as YYYY-MM-DD (the default delivery day). */
  function today() {
    const d = new Date();
    const p = n => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate());
  }

  function commands(c) {
    const all = [...(c.block || []).map(e => ['block', e]), ...(c.unblock || []).map(e => ['unblock', e])];
    return all.map(([k, e]) => E('div', {
      class: 'cmd cmd-' + e.state, dataset: { cmd: k, output: e.output, state: e.state }, title: e.error || null,
      text: App.t('restr.cmd.' + k) + ' ' + e.output + ': ' + App.t('restr.st.' + e.state) +
        (e.attempt > 1 ? ' (' + e.attempt + ')' : '')
    }));
  }

  function notice(c) {
    if (!c.notice) return '—';
    return App.tf('restr.notice.text', {
      delivered: day(c.notice.delivered), how: App.t('restr.how.' + c.notice.how), earliest: day(c.notice.earliest)
    });
  }

  /* The notice's e-mails and SMS sent through amr-notify, the last per channel. */
  function messages(c) {
    const last = {};
    (c.messages || []).forEach(m => { last[m.channel] = m; });
    return Object.values(last).map(m => E('div', {
      class: 'msg-state state-' + m.state, dataset: { channel: m.channel, state: m.state }, title: m.reason || null,
      text: App.t('restr.how.' + m.channel) + ' ' + m.to + ': ' + App.t('restr.msg.' + m.state)
    }));
  }

  /* Run one step with the row's reason; the list again, or the error. */
  async function step(method, args) {
    $('rmsg').hidden = true;
    try {
      await call(method, args);
    } catch (e) {
      App.showError($('rmsg'), e);
    }
    await load();
  }

  function actions(c) {
    const reason = E('input', { class: 'reason', maxlength: 500, placeholder: App.t('restr.reason'), 'aria-label': App.t('restr.reason') });
    const why = () => reason.value.trim() || undefined;
    const btn = (act, fn) => E('button', { type: 'button', dataset: { act }, text: App.t('restr.act.' + act), onclick: fn });
    const out = [];
    const open = c.state === 'proposed' || c.state === 'noticed';
    const moving = c.state === 'blocking' || c.state === 'restricted';
    const stuck = [...(c.block || []), ...(c.unblock || [])].some(e => e.state === 'failed' || e.state === 'unknown');

    if (open && may(MONEY)) {
      const when = E('input', { type: 'date', class: 'delivered', value: today(), 'aria-label': App.t('restr.delivered') });
      const how = E('select', { class: 'how', 'aria-label': App.t('restr.col.notice') },
        ...['receipt', 'hand', 'post', 'email', 'sms'].map(h => E('option', { value: h, text: App.t('restr.how.' + h) })));
      out.push(when, how, btn('notice', () => step('restriction.notice',
        { id: c.id, delivered: when.value, how: how.value, reason: why() })));
      out.push(btn('send', () => step('restriction.send_notice', { id: c.id, reason: why() })));
    }
    if (c.state === 'noticed' && may(OPS)) out.push(btn('approve', () => step('restriction.approve', { id: c.id, reason: why() })));
    if (moving && may(OPS)) out.push(btn('lift', () => step('restriction.lift', { id: c.id, reason: why() || App.t('restr.act.lift') })));
    if (stuck && (c.state === 'blocking' || c.state === 'lifting') && may(OPS)) {
      out.push(btn('retry', () => step('restriction.retry', { id: c.id, reason: why() })));
    }
    if (open && may(MONEY)) out.push(btn('cancel', () => step('restriction.cancel', { id: c.id, reason: why() })));
    return out.length ? [reason, ...out] : [];
  }

  function row(c) {
    const lifted = c.lift && c.lift.automatic ? E('div', { class: 'muted', text: App.t('restr.auto') }) : null;
    return E('tr', { dataset: { restriction: c.id, account: c.number, state: c.state } },
      E('td', { text: String(c.id) }), E('td', { text: c.number + ' ' + (c.holder || '') }),
      E('td', { text: svc(c.service) }),
      E('td', {}, E('span', { class: 'badge state-' + c.state, text: App.t('restr.st.' + c.state) }), lifted),
      E('td', { class: 'num', text: App.money(c.debt) + ' / ' + App.money(c.threshold) }),
      E('td', {}, E('div', { text: notice(c) }), ...messages(c)), E('td', {}, ...commands(c)),
      E('td', { class: 'actions' }, ...actions(c)));
  }

  async function load() {
    clearTimeout(timer);
    const org = +$('org').value;
    if (!org) return;
    let r;
    try {
      r = await call('restriction.list', { org, limit: 1000 });
    } catch (e) {
      App.showError($('rmsg'), e);
      return;
    }
    const list = (r.restrictions || []).slice().reverse();   /* the newest first */
    const head = ['id', 'number', 'service', 'state', 'debt', 'notice', 'cmds', 'actions']
      .map(k => E('th', { text: App.t(k === 'number' ? 'bill.number' : 'restr.col.' + k) }));
    $('restrictions').replaceChildren(E('tr', {}, ...head), ...list.map(row));
    $('rnone').hidden = list.length > 0;
    /* a command on its way: its state comes by itself in a moment */
    const busy = list.some(c => [...(c.block || []), ...(c.unblock || [])].some(e => MOVING.includes(e.state)) ||
      (c.messages || []).some(m => m.state === 'requesting' || m.state === 'queued'));
    if (busy) timer = setTimeout(load, 2000);
  }

  /* A debtor row's button: propose restricting that service. */
  async function propose(number, service) {
    await step('restriction.propose', { org: +$('org').value, number, service });
  }

  window.Restrictions = { load, propose, may: () => may(MONEY) };
})();
