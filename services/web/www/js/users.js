/* users.js - "Users" (admin): create with a role (a random password is
 * shown once), change role, disable, reset a password. Every change is
 * audited by the server. */
'use strict';
(function () {
  const ROLES = ['admin', 'operator', 'accountant', 'tenant'];
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);

  async function act(fn) {
    $('msg').hidden = true;
    try { await fn(); await load(); } catch (e) { App.showError($('msg'), e); }
  }

  function row(u) {
    const role = E('select', {}, ...ROLES.map(r => E('option', { value: r, selected: r === u.role, text: App.t('role.' + r) })));
    role.addEventListener('change', () => act(() => App.api('PATCH', '/api/v1/users/' + u.name, { role: role.value })));
    return E('tr', {}, E('td', { text: u.name }), E('td', {}, role),
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
    $('users').replaceChildren(E('tr', {}, ...['user', 'role', 'state', 'updated', ''].map(k => E('th', { text: k ? App.t(k) : '' }))), ...r.users.map(row));
  }

  App.start(['admin'], async () => {
    document.title = App.t('nav.users');
    $('create').addEventListener('submit', ev => {
      ev.preventDefault();
      act(async () => {
        const r = await App.api('POST', '/api/v1/users', { user: $('new-user').value.trim(), role: $('new-role').value });
        setTimeout(() => App.showOk($('msg'), App.t('password.generated') + ': ' + r.user + ' / ' + r.password), 0);
        $('new-user').value = '';
      });
    });
    try { await load(); } catch (e) { App.showError($('msg'), e); }
  });
})();
