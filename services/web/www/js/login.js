'use strict';
document.addEventListener('DOMContentLoaded', () => {
  App.applyI18n();
  document.title = App.t('login.title');
  document.getElementById('lang').addEventListener('click', () => {
    App.lang = App.lang === 'ru' ? 'en' : 'ru';
    localStorage.setItem('lang', App.lang);
    App.applyI18n();
  });
  document.getElementById('login').addEventListener('submit', async ev => {
    ev.preventDefault();
    const msg = document.getElementById('msg');
    msg.hidden = true;
    try {
      const me = await App.api('POST', '/api/v1/login', {
        user: document.getElementById('user').value.trim(),
        password: document.getElementById('password').value
      });
      sessionStorage.setItem('csrf', me.csrf);
      const next = new URLSearchParams(location.search).get('next');
      /* only a path on this site; a tenant starts on its own account's page */
      location.href = next && next.startsWith('/') && !next.startsWith('//') ? next
        : me.role === 'tenant' ? '/my.html' : '/summary.html'; /* staff: the ten-second look */
    } catch (e) {
      msg.textContent = e.status === 429 ? App.t('login.limited') : e.status === 401 ? App.t('login.failed') : App.errorText(e);
      msg.hidden = false;
    }
  });
});
