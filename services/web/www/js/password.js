/* password.js - change the own password; every session of the user ends. */
'use strict';
App.start(null, async () => {
  document.title = App.t('change.password');
  document.getElementById('form').addEventListener('submit', async ev => {
    ev.preventDefault();
    const msg = document.getElementById('msg');
    try {
      await App.api('POST', '/api/v1/me/password', { old: document.getElementById('old').value, new: document.getElementById('new').value });
      App.showOk(msg, App.t('password.changed'));
      setTimeout(() => { location.href = '/login.html'; }, 1500);
    } catch (e) { App.showError(msg, e); }
  });
});
