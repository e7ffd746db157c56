/* apierror.js - an error answer of the API ({"error":{"code","message"}},
 * thrown by App.api as {status, code, message}) in words of the page's
 * language: the server's messages are English and name fields and Unix
 * seconds ("to: 1796119200 is not after from 1796122800"), which people
 * should not have to read. Known messages get a sentence of their own with
 * the times formatted (locale.js); any other gets one by its code, the field
 * it names, and the server's text with its times formatted. Loaded after
 * locale.js; App.showError uses App.errorText. */
'use strict';
(function () {
  const App = window.App;
  const TIME = /\b(1\d{9})\b/g;   /* Unix seconds of 2001..2286 */
  /* "2026-12-20" as the language writes a day */
  const ymd = s => (App.lang === 'en' ? s : s.split('-').reverse().join('.'));

  /* The server's message of a known kind: [pattern, key, vars from the match]. */
  const KNOWN = [
    [/^to: (\d+) is not after from (\d+)/, 'err.span', m => ({ to: App.fmtMinute(+m[1]), from: App.fmtMinute(+m[2]) })],
    [/^from, to: both are required/, 'err.span.required', () => ({})],
    [/^to: a raw series spans at most (\d+) days/, 'err.raw.span', m => ({ days: m[1] })],
    [/^to: more than (\d+) points/, 'err.points', m => ({ n: m[1] })],
    [/^channels: at most (\d+) at once/, 'err.channels.max', m => ({ n: m[1] })],
    [/^channels: missing/, 'err.channels.none', () => ({})],
    [/channel (\d+\.\d+\.\d+) was never seen/, 'err.channel.unseen', m => ({ ch: m[1] })],
    [/^object (\d+) is not among/, 'err.forbidden.object', m => ({ obj: m[1] })],
    [/^channel (\S+) is not among/, 'err.forbidden.channel', m => ({ ch: m[1] })],
    [/^(\w+) is not answering/, 'err.unavailable', m => ({ svc: App.t('svc.' + m[1]) !== 'svc.' + m[1] ? App.t('svc.' + m[1]) : m[1] })],
    [/try again in (\d+) s/, 'err.rate_limited', m => ({ wait: App.fmtDuration(+m[1]) })],
    [/^the old password is wrong/, 'err.old.password', () => ({})],
    [/^before: /, 'err.cursor', () => ({})],
    /* restrictions for debt (docs/restrictions.md) */
    [/^service: heating may never/, 'err.restr.heat', () => ({})],
    [/^account: account \S+ has neither an e-mail address nor a phone/, 'err.restr.noaddr', () => ({})],
    [/^service: cold water in an apartment building/, 'err.restr.cold', () => ({})],
    [/^service: no meter of \w+ in the account's premises has an output/, 'err.restr.output', () => ({})],
    [/^service: restriction (\d+) of \w+ for account \d+ is open already/, 'err.restr.open', m => ({ id: m[1] })],
    [/^account: the debt past due, ([\d.]+), does not exceed two months' charges at the norm, ([\d.]+)/,
      'err.restr.small', m => ({ debt: App.money(m[1]), threshold: App.money(m[2]) })],
    [/^actor: the two-person rule: (.+) proposed restriction/, 'err.restr.two', m => ({ who: m[1] })],
    [/^id: restriction \d+ may happen on (\S+) at the earliest: 20 days after the notice delivered on (\S+)/,
      'err.restr.early', m => ({ earliest: ymd(m[1]), delivered: ymd(m[2]) })]
  ];

  /* A message not known: the code's sentence, the field it names, its text. */
  function generic(e) {
    const key = 'err.' + (e.code || 'error');
    const head = App.t(key) !== key ? App.t(key) : App.t('error');
    const msg = String(e.message || '').replace(TIME, (m, t) => App.fmtTime(+t));
    const field = (msg.match(/^([a-z_]+(?:\[\d+\])?): /) || [])[1];
    const label = field && App.t('field.' + field.replace(/\[\d+\]$/, '')) !== 'field.' + field.replace(/\[\d+\]$/, '')
      ? App.t('field.' + field.replace(/\[\d+\]$/, '')) : field;
    return head + (label ? ' (' + App.tf('err.field', { field: label }) + ')' : '') + (msg ? ': ' + msg : '');
  }

  Object.assign(App, {
    /* What to show for e: an API error, an Error of our own (its message
     * already in words), or the browser's failed fetch. */
    errorText(e) {
      if (!e) return App.t('error');
      if (e instanceof TypeError) return App.t('err.network');   /* fetch: no answer at all */
      if (e.status === undefined) return String(e.message || e);
      if (e.status === 401) return App.t('err.unauthorized');
      if (e.code === 'csrf') return App.t('err.csrf');
      for (const [re, key, vars] of KNOWN) {
        const m = re.exec(String(e.message || ''));
        if (m) return App.tf(key, vars(m));
      }
      return generic(e);
    }
  });
})();
