/* contacts.js - "Contacts": who amr-notify tells of what (GET/PUT/DELETE
 * /api/v1/notify/contacts): addresses (e-mail, phone, webhook), the
 * channels used, the least severity, objects, kinds of alarm and
 * resources, quiet hours, escalation and the hourly limit. An admin sees
 * and sets every contact; another user its own (its "user" is itself).
 * Each save is audited by amr-notify; a wrong field is named in the
 * error and nothing is stored. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const CHANNELS = ['email', 'sms', 'webhook'];
  const KINDS = ['gateway_offline', 'device_offline', 'mains_lost', 'battery_low', 'counter', 'spool', 'leak', 'burst', 'stuck'];
  const RESOURCES = ['cold_water', 'hot_water', 'electricity', 'heat', 'gas'];
  let me = null;
  let contacts = [];

  function boxes(fs, names, prefix) {
    fs.append(...names.map(n => E('label', { class: 'check' }, E('input', { type: 'checkbox', value: n, id: fs.id + '-' + n }),
      E('span', { text: App.t(prefix + n) }))));
  }
  const checked = fs => [...fs.querySelectorAll('input:checked')].map(i => i.value);
  const setChecked = (fs, list) => fs.querySelectorAll('input').forEach(i => { i.checked = !!list && list.includes(i.value); });

  function summary(c) {
    const parts = [];
    parts.push(App.t('ct.min_severity') + ' ' + App.t('sev.' + (c.min_severity || 'major')));
    if (c.objects) parts.push(App.t('al.obj') + ': ' + c.objects.join(', '));
    if (c.kinds) parts.push(c.kinds.map(k => App.t('al.' + k)).join(', '));
    if (c.resources) parts.push(c.resources.map(r => App.t('res.' + r)).join(', '));
    if (c.quiet) parts.push(App.t('ct.quiet') + ' ' + c.quiet.from + '–' + c.quiet.to);
    if (c.escalate) parts.push(App.t('ct.escalate') + ': ' + c.escalate.after_min + ' → ' + c.escalate.to);
    if (c.hourly_limit) parts.push(App.t('ct.hourly_limit') + ': ' + c.hourly_limit);
    return parts.join('; ');
  }

  function render() {
    const head = E('tr', {}, ...['ct.name', 'ct.user', 'ct.email', 'ct.phone', 'ct.channels', '', ''].map(k => E('th', { text: k ? App.t(k) : '' })));
    $('contacts').replaceChildren(head, ...(contacts.length ? contacts.map(c => E('tr', { id: 'ct-' + c.name, dataset: { name: c.name } },
      E('td', { class: 'name', text: c.name }),
      E('td', { 'data-label': App.t('ct.user'), text: c.user || '' }),
      E('td', { 'data-label': App.t('ct.email'), text: c.email || '' }),
      E('td', { 'data-label': App.t('ct.phone'), text: c.phone || '' }),
      E('td', { 'data-label': App.t('ct.channels'), text: (c.channels || CHANNELS.filter(ch => c[ch === 'sms' ? 'phone' : ch])).map(ch => App.t('ch.' + ch)).join(', ') }),
      E('td', { class: 'muted', text: summary(c) }),
      E('td', { class: 'acts' }, E('button', { type: 'button', class: 'small', text: App.t('ct.edit'), onclick: () => edit(c) }), ' ',
        E('button', { type: 'button', class: 'small', id: 'del-' + c.name, text: App.t('ct.delete'), onclick: () => remove(c) }))))
      : [E('tr', {}, E('td', { class: 'muted', colspan: 7, text: App.t('ct.none') }))]));
  }

  function edit(c) {
    c = c || {};
    $('form-title').textContent = c.name ? App.t('ct.edit') + ': ' + c.name : App.t('ct.new');
    $('c-name').value = c.name || (me.role === 'admin' ? '' : me.user);
    $('c-name').readOnly = !!c.name;
    $('c-user').value = c.user || (me.role === 'admin' ? '' : me.user);
    $('c-user').readOnly = me.role !== 'admin';
    $('c-email').value = c.email || '';
    $('c-phone').value = c.phone || '';
    $('c-webhook').value = c.webhook || '';
    $('c-sev').value = c.min_severity || 'major';
    $('c-objects').value = (c.objects || []).join(', ');
    $('c-limit').value = c.hourly_limit || '';
    setChecked($('c-channels'), c.channels);
    setChecked($('c-kinds'), c.kinds);
    setChecked($('c-resources'), c.resources);
    $('c-qfrom').value = c.quiet ? c.quiet.from : '';
    $('c-qto').value = c.quiet ? c.quiet.to : '';
    $('c-qover').value = c.quiet && c.quiet.override ? c.quiet.override : 'critical';
    $('c-eafter').value = c.escalate ? c.escalate.after_min : '';
    $('c-eto').value = c.escalate ? c.escalate.to : '';
  }

  /* The form as a contact's fields; only what is filled in. */
  function body() {
    const b = {}, v = id => $(id).value.trim();
    if (v('c-user')) b.user = v('c-user');
    ['email', 'phone', 'webhook'].forEach(k => { if (v('c-' + k)) b[k] = v('c-' + k); });
    b.min_severity = $('c-sev').value;
    if (v('c-objects')) b.objects = v('c-objects').split(/[\s,]+/).filter(Boolean).map(Number);
    if (v('c-limit')) b.hourly_limit = Number(v('c-limit'));
    [['channels', 'c-channels'], ['kinds', 'c-kinds'], ['resources', 'c-resources']].forEach(([k, id]) => {
      const l = checked($(id));
      if (l.length) b[k] = l;
    });
    if (v('c-qfrom') || v('c-qto')) b.quiet = { from: v('c-qfrom'), to: v('c-qto'), override: $('c-qover').value };
    if (v('c-eafter') || v('c-eto')) b.escalate = { after_min: Number(v('c-eafter')), to: v('c-eto') };
    return b;
  }

  async function load() {
    try {
      contacts = (await App.api('GET', '/api/v1/notify/contacts')).contacts || [];
      render();
    } catch (e) { App.showError($('msg'), e); }
  }

  async function save(ev) {
    ev.preventDefault();
    $('msg').hidden = $('ok').hidden = true;
    const name = $('c-name').value.trim();
    try {
      await App.api('PUT', '/api/v1/notify/contacts/' + encodeURIComponent(name), body());
      App.showOk($('ok'), App.t('ct.saved').replace('{name}', name));
      await load();
      edit(contacts.find(c => c.name === name));
    } catch (e) { App.showError($('msg'), e); }
  }

  async function remove(c) {
    $('msg').hidden = $('ok').hidden = true;
    try {
      await App.api('DELETE', '/api/v1/notify/contacts/' + encodeURIComponent(c.name));
      App.showOk($('ok'), App.t('ct.deleted').replace('{name}', c.name));
      await load();
      edit(null);
    } catch (e) { App.showError($('msg'), e); }
  }

  App.start(App.ROLES_VIEW, async who => {
    me = who;
    document.title = App.t('nav.contacts');
    boxes($('c-channels'), CHANNELS, 'ch.');
    boxes($('c-kinds'), KINDS, 'al.');
    boxes($('c-resources'), RESOURCES, 'res.');
    $('contact').addEventListener('submit', save);
    $('c-new').addEventListener('click', () => edit(null));
    edit(null);
    await load();
  });
})();
