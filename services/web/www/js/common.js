/* common.js - what every page shares: the API client (session cookie +
 * X-CSRF-Token), the header with the menu for the user's role, the language
 * switch, formatting, and the live stream (EventSource). No build step. */
'use strict';
(function () {
  const ROLES_STAFF = ['admin', 'operator', 'accountant'];
  /* Every role; the server limits a tenant to its own objects. */
  const ROLES_VIEW = ROLES_STAFF.concat(['tenant']);
  /* Who keeps billing's records (services/web/api_billing.c, ROLES_MONEY). */
  const ROLES_MONEY = ['admin', 'accountant'];
  /* The menu; billing pages join here with their roles. */
  const PAGES = [
    { href: '/my.html', key: 'nav.my', roles: ['tenant'] },
    { href: '/summary.html', key: 'nav.summary', roles: ROLES_STAFF },
    { href: '/index.html', key: 'nav.status', roles: ROLES_VIEW },
    { href: '/online.html', key: 'nav.online', roles: ROLES_VIEW },
    /* amr-notify's alarms, who is told of them, what was sent */
    { href: '/alarms.html', key: 'nav.alarms', roles: ROLES_VIEW },
    { href: '/contacts.html', key: 'nav.contacts', roles: ROLES_STAFF },
    { href: '/messages.html', key: 'nav.messages', roles: ['admin', 'operator'] },
    { href: '/rules.html', key: 'nav.rules', roles: ['admin', 'operator'] },
    { href: '/archive.html', key: 'nav.archive', roles: ROLES_VIEW },
    { href: '/registry.html', key: 'nav.registry', roles: ['admin'] },
    { href: '/console.html', key: 'nav.console', roles: ['admin'] },
    { href: '/audit.html', key: 'nav.audit', roles: ['admin'] },
    { href: '/debtors.html', key: 'nav.debtors', roles: ROLES_STAFF },
    /* the accountant's records and reports (records pages) */
    { href: '/org.html', key: 'nav.org', roles: ROLES_MONEY },
    { href: '/accounts.html', key: 'nav.accounts', roles: ROLES_MONEY },
    { href: '/tariffs.html', key: 'nav.tariffs', roles: ROLES_MONEY },
    { href: '/reports.html', key: 'nav.reports', roles: ROLES_MONEY },
    { href: '/periods.html', key: 'nav.periods', roles: ['admin', 'accountant'] },
    { href: '/invoices.html', key: 'nav.invoices', roles: ['admin', 'accountant'] },
    { href: '/payments.html', key: 'nav.payments', roles: ['admin', 'accountant'] },
    { href: '/statement.html', key: 'nav.statement', roles: ['admin', 'accountant'] },
    { href: '/health.html', key: 'nav.health', roles: ROLES_STAFF },
    { href: '/users.html', key: 'nav.users', roles: ['admin'] },
    { href: '/password.html', key: 'nav.password', roles: ROLES_VIEW }
  ];

  const App = {
    me: null,
    lang: localStorage.getItem('lang') || 'ru',

    t(key) {
      const d = window.I18N[App.lang] || window.I18N.ru;
      return d[key] !== undefined ? d[key] : (window.I18N.ru[key] !== undefined ? window.I18N.ru[key] : key);
    },

    applyI18n(root) {
      (root || document).querySelectorAll('[data-i18n]').forEach(el => { el.textContent = App.t(el.dataset.i18n); });
      (root || document).querySelectorAll('[data-i18n-ph]').forEach(el => { el.placeholder = App.t(el.dataset.i18nPh); });
      document.documentElement.lang = App.lang;
    },

    /* fetch JSON; throws {status, code, message} on an error answer */
    async api(method, path, body) {
      const opts = { method, credentials: 'same-origin', headers: {} };
      if (method !== 'GET') opts.headers['X-CSRF-Token'] = sessionStorage.getItem('csrf') || '';
      if (body !== undefined) {
        opts.headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(body);
      }
      const r = await fetch(path, opts);
      let data = null;
      const text = await r.text();
      try { data = text ? JSON.parse(text) : null; } catch (e) { data = { raw: text }; }
      if (r.status === 401 && !path.endsWith('/login')) {
        App.toLogin();
        throw { status: 401, code: 'unauthorized', message: 'sign in first' };
      }
      if (!r.ok) {
        const e = (data && data.error) || {};
        throw { status: r.status, code: e.code || 'error', message: e.message || r.statusText };
      }
      return data;
    },

    /* POST body to a file route (/api/v1/billing/file/...) and save what
     * comes as the file it names (Content-Disposition); throws as api(). */
    async download(path, body) {
      const r = await fetch(path, { method: 'POST', credentials: 'same-origin', body: JSON.stringify(body),
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': sessionStorage.getItem('csrf') || '' } });
      if (!r.ok) {
        let e = {};
        try { e = (await r.json()).error || {}; } catch (x) { /* not JSON */ }
        if (r.status === 401) App.toLogin();
        throw { status: r.status, code: e.code || 'error', message: e.message || r.statusText };
      }
      const cd = r.headers.get('Content-Disposition') || '';
      const m = /filename\*=UTF-8''([^;]+)/.exec(cd) || /filename="([^"]+)"/.exec(cd);
      const a = App.el('a', { href: URL.createObjectURL(await r.blob()), download: m ? decodeURIComponent(m[1]) : 'file' });
      document.body.append(a);
      a.click();
      setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
    },

    toLogin() {
      const next = encodeURIComponent(location.pathname + location.hash);
      location.href = '/login.html?next=' + next;
    },

    el(tag, attrs, ...children) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') e.className = v;
        else if (k === 'text') e.textContent = v;
        else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
        else if (k === 'dataset') Object.assign(e.dataset, v);
        else e.setAttribute(k, v === true ? '' : v);
      }
      for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
      return e;
    },

    /* fmtTime and the other formats: locale.js */

    fmtAge(sec) {
      if (sec === undefined || sec === null || sec < 0) return App.t('no.data');
      if (sec < 60) return sec + (App.lang === 'ru' ? ' с ' : ' s ') + App.t('ago');
      if (sec < 3600) return Math.floor(sec / 60) + (App.lang === 'ru' ? ' мин ' : ' min ') + App.t('ago');
      if (sec < 86400) return Math.floor(sec / 3600) + (App.lang === 'ru' ? ' ч ' : ' h ') + App.t('ago');
      return Math.floor(sec / 86400) + (App.lang === 'ru' ? ' дн ' : ' d ') + App.t('ago');
    },

    /* e in words (apierror.js) */
    showError(box, e) {
      box.textContent = App.errorText(e);
      box.hidden = false;
      box.className = 'msg error';
    },

    showOk(box, text) {
      box.textContent = text;
      box.hidden = false;
      box.className = 'msg ok';
    },

    /* Live stream: handlers by event name; returns the EventSource. */
    stream(obj, handlers, onState) {
      const es = new EventSource('/api/v1/stream' + (obj ? '?obj=' + obj : ''));
      for (const [name, fn] of Object.entries(handlers))
        es.addEventListener(name, ev => { try { fn(JSON.parse(ev.data)); } catch (e) { console.error(e); } });
      es.onopen = () => onState && onState(true);
      es.onerror = () => onState && onState(false);
      return es;
    },

    header() {
      const top = document.getElementById('top');
      if (!top) return;
      const nav = App.el('nav', { class: 'menu' });
      for (const p of PAGES) {
        if (!App.me || !p.roles.includes(App.me.role)) continue;
        const a = App.el('a', { href: p.href, text: App.t(p.key) });
        if (location.pathname === p.href || (p.href === '/index.html' && location.pathname === '/')) a.className = 'active';
        nav.append(a);
      }
      const lang = App.el('button', { class: 'link', id: 'lang', text: App.t('lang'), onclick: () => {
        App.lang = App.lang === 'ru' ? 'en' : 'ru';
        localStorage.setItem('lang', App.lang);
        location.reload();
      } });
      const who = App.me ? App.el('span', { class: 'who', id: 'who', text: App.me.user + ' (' + App.t('role.' + App.me.role) + ')' }) : null;
      const out = App.me ? App.el('button', { class: 'link', id: 'logout', text: App.t('nav.logout'), onclick: async () => {
        try { await App.api('POST', '/api/v1/logout'); } catch (e) { /* signed out anyway */ }
        sessionStorage.removeItem('csrf');
        location.href = '/login.html';
      } }) : null;
      /* on a phone the menu folds behind this button (css: max-width 760px) */
      const fold = App.el('button', { type: 'button', class: 'menu-toggle', id: 'menu-toggle', 'aria-expanded': 'false',
        'aria-controls': 'menu', text: '☰ ' + App.t('menu'), onclick: () => {
          const open = top.classList.toggle('menu-open');
          fold.setAttribute('aria-expanded', String(open));
        } });
      nav.id = 'menu';
      top.replaceChildren(App.el('div', { class: 'brand', text: App.t('brand') }), fold, nav,
        App.el('div', { class: 'right' }, who, lang, out));
    },

    /* Start a page: who is signed in (or go to the login page), header,
     * strings, then init(me) unless the role may not see the page. */
    async start(roles, init) {
      App.applyI18n();
      try {
        App.me = await App.api('GET', '/api/v1/me');
        sessionStorage.setItem('csrf', App.me.csrf);
      } catch (e) {
        return;
      }
      App.header();
      if (roles && !roles.includes(App.me.role)) {
        const main = document.querySelector('main');
        main.replaceChildren(App.el('p', { class: 'msg', text: App.t('forbidden') }));
        return;
      }
      await init(App.me);
    },

    ROLES_STAFF, ROLES_VIEW
  };
  window.App = App;
})();
