/* alarmkit.js - amr-notify's alarms in words (what and where, by the
 * registry's labels: "УО-4 не отвечает — Кв. 5 (адрес 5)") and the
 * desktop notices: a button asks the browser's permission (never on
 * load), then each alarm newly raised on the live stream raises a
 * Notification. Needs common.js and labels.js. */
'use strict';
(function () {
  const seen = new Set();        /* ids known to this page: no notice for them */

  /* Where: the channel's label (or the flat's and the input), the flat's
   * label with its address, or the object. */
  function where(a) {
    const d = a.detail || {};
    if (a.ch) return (d.label || ((d.device_label ? d.device_label + ', ' : '') +
      App.t('channel').toLowerCase() + ' ' + a.ch)) + ' (' + a.target + ')';
    if (a.addr) return Labels.devName(a.obj, a.addr, d.label ? { label: d.label } : undefined);
    return App.t('object') + ' ' + a.obj;
  }

  function text(a) { return App.t('al.' + a.kind) + ' — ' + where(a); }

  const supported = () => typeof window.Notification === 'function';
  const allowed = () => supported() && Notification.permission === 'granted';

  /* The button that asks for permission, in box; hidden once granted. */
  function button(box) {
    if (!box) return;
    const b = App.el('button', { type: 'button', id: 'notices', class: 'link', text: App.t('al.notices.ask') });
    const show = () => {
      b.hidden = !supported() || allowed();
      b.title = supported() && Notification.permission === 'denied' ? App.t('al.notices.denied') : '';
    };
    b.addEventListener('click', async () => {
      try { await Notification.requestPermission(); } catch (e) { /* refused */ }
      show();
    });
    show();
    box.append(b);
  }

  /* Alarms already shown: never a notice for them. */
  function know(list) { (list || []).forEach(a => seen.add(a.id)); }

  /* An alarm from the stream: a notice when it is newly raised. */
  function arrived(a) {
    const fresh = a.state === 'raised' && !seen.has(a.id);
    seen.add(a.id);
    if (!fresh || !allowed()) return;
    try {
      new Notification(App.t('al.notice') + ' ' + a.id, { body: text(a), tag: 'amr-alarm-' + a.id });
    } catch (e) { console.error(e); }
  }

  window.Alarm = { where, text, button, know, arrived };
})();
