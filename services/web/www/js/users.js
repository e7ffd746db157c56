/* users.js - "Users" (admin): create with a role and a list of objects (a
 * random password is shown once), change role or objects, a tenant's
 * billing accounts (the only ones it may see), disable, reset a
 * password. Every change is audited by the server, which also judges the
 * list (objects 1..65000, devices obj.addr, channels obj.addr.ch; at most
 * 64). */
'use strict';
(function () {
  const ROLES = ['admin', 'operator', 'accountant', 'tenant'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  async function act(fn) {
    $('msg').hidden = true;
    try { await fn(); await load(); } catch (e) { App.showError($('msg'), e); }
  }

  /* "1, 5.17, 5.16.3" -> [1, "5.17", "5.16.3"] (whole objects as numbers,
     devices and channels as ids); "" -> null (everything; nothing for a
     tenant). Any other word goes as it is, for the server to refuse. */
  function objectsOf(text) {
    const words = text.split(/[\s,;]+/).filter(w => w);
    return words.length ? words.map(w => /^\d+$/.test(w) ? +w : w) : null;
  }

  /* "17, 18" -> [17, 18] (billing account ids); "" -> null (none). Any
     other word goes as it is, for the server to refuse naming it. */
  function accountsOf(text) {
    const words = text.split(/[\s,;]+/).filter(w => w);
    return words.length ? words.map(w => /^\d+$/.test(w) ? +w : w) : null;
  }

  function row(u) {
    const role = E('select', {}, ...ROLES.map(r => E('option', { value: r, selected: r === u.role, text: App.t('role.' + r) })));
    role.addEventListener('change', () => act(() => App.api('PATCH', '/api/v1/users/' + u.name, { role: role.value })));
    /* an admin always sees every object: no list to give */
    const objs = E('input', { class: 'objects', value: (u.objects || []).join(', '), placeholder: App.t('objects.all'), disabled: u.role === 'admin' });
    objs.addEventListener('change', () => act(() => App.api('PATCH', '/api/v1/users/' + u.name, { objects: objectsOf(objs.value) })));
    /* only a tenant is limited to billing accounts */
    const accs = E('input', { class: 'accounts', value: (u.accounts || []).join(', '), placeholder: App.t('none'), disabled: u.role !== 'tenant' });
    accs.addEventListener('change', () => act(() => App.api('PATCH', '/api/v1/users/' + u.name, { accounts: accountsOf(accs.value) })));
    return E('tr', { 'data-user': u.name }, E('td', { text: u.name }), E('td', {}, role), E('td', {}, objs), E('td', {}, accs),
      E('td', { text: u.disabled ? App.t('disabled') : '' }), E('td', { text: App.fmtTime(u.updated) }),
      E('td', {}, E('div', { class: 'row' },
        E('button', { type: 'button', text: u.disabled ? App.t('enable') : App.t('disable'), onclick: () => act(() => App.api('PATCH', '/api/v1/users/' + u.name, { disabled: !u.disabled })) }),
        E('button', { type: 'button', text: App.t('reset.password'), onclick: () => act(async () => {
          const r = await App.api('POST', '/api/v1/users/' + u.name + '/password', {});
          setTimeout(() => App.showOk($('msg'), App.t('password.generated') + ': ' + u.name + ' / ' + r.password), 0);
        }) }))));
  }

  async function load() {
    const r = await App.api('GET', '/api/v1/users');
    $('users').replaceChildren(E('tr', {}, ...['user', 'role', 'objects', 'user.accounts', 'state', 'updated', ''].map(k => E('th', { text: k ? App.t(k) : '' }))), ...r.users.map(row));
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.users');
    $('create').addEventListener('submit', ev => {
      ev.preventDefault();
      act(async () => {
        const body = { user: $('new-user').value.trim(), role: $('new-role').value };
        const objects = objectsOf($('new-objects').value);
        if (objects) body.objects = objects;
        const accounts = accountsOf($('new-accounts').value);
        if (accounts) body.accounts = accounts;
        const r = await App.api('POST', '/api/v1/users', body);
        setTimeout(() => App.showOk($('msg'), App.t('password.generated') + ': ' + r.user + ' / ' + r.password), 0);
        $('new-user').value = '';
        $('new-objects').value = '';
        $('new-accounts').value = '';
      });
    });
    try { await load(); } catch (e) { App.showError($('msg'), e); }
  });
})();
