/* locale.js - how the portal writes times, numbers and units, whatever the
 * browser's own zone and locale:
 *  - every time in the site's zone (App.me.tz from /api/v1/me, the
 *    archive's --tz, where its days and months start), also in the period
 *    pickers, and the zone shown beside them (App.tzLabel);
 *  - dates in the portal's own format: 01.12.2026 14:05:00 in Russian,
 *    2026-12-01 14:05:00 in English;
 *  - one decimal separator per language (a comma in Russian, a point in
 *    English) in tables, cards, chart axes and tooltips;
 *  - units in the language's letters: м³, кВт·ч, кВт, м³/ч, В in Russian,
 *    m³, kWh, kW, m³/h, V in English (the API keeps its codes m3, kWh).
 * Loaded after common.js; adds its functions to App. */
'use strict';
(function () {
  const App = window.App;
  const UNITS = {
    ru: { m3: 'м³', kWh: 'кВт·ч', MWh: 'МВт·ч', Gcal: 'Гкал', GJ: 'ГДж', l: 'л', pulse: 'имп.', kW: 'кВт', MW: 'МВт',
      V: 'В', mV: 'мВ', s: 'с', ms: 'мс', h: 'ч' },
    en: { m3: 'm³', kWh: 'kWh', MWh: 'MWh', Gcal: 'Gcal', GJ: 'GJ', l: 'l', pulse: 'pulses', kW: 'kW', MW: 'MW',
      V: 'V', mV: 'mV', s: 's', ms: 'ms', h: 'h' }
  };
  const pad = n => String(n).padStart(2, '0');
  const ru = () => App.lang === 'ru';
  const formats = new Map();   /* zone -> Intl.DateTimeFormat giving its wall clock */

  /* The site's zone; the browser's own while no one is signed in. */
  function zone() {
    return (App.me && App.me.tz) || undefined;
  }

  function wallFormat(tz) {
    const key = tz || '';
    if (!formats.has(key)) {
      let f;
      try {
        f = new Intl.DateTimeFormat('en-GB', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: '2-digit',
          day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
      } catch (e) {   /* a zone this browser does not know: its own */
        f = new Intl.DateTimeFormat('en-GB', { hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
          hour: '2-digit', minute: '2-digit', second: '2-digit' });
      }
      formats.set(key, f);
    }
    return formats.get(key);
  }

  /* The wall clock of the site at t (UTC seconds): {y, mo, d, h, mi, s}. */
  function wall(t) {
    const p = {};
    for (const x of wallFormat(zone()).formatToParts(new Date(t * 1000))) p[x.type] = parseInt(x.value, 10);
    return { y: p.year, mo: p.month, d: p.day, h: p.hour % 24, mi: p.minute, s: p.second };
  }

  /* Seconds the site's clock is ahead of UTC at t. */
  function offsetAt(t) {
    const w = wall(t);
    return Date.UTC(w.y, w.mo - 1, w.d, w.h, w.mi, w.s) / 1000 - Math.floor(t);
  }

  function dateText(w) {
    return ru() ? pad(w.d) + '.' + pad(w.mo) + '.' + w.y : w.y + '-' + pad(w.mo) + '-' + pad(w.d);
  }

  const valid = ts => ts !== undefined && ts !== null && ts !== 0 && !isNaN(ts);

  Object.assign(App, {
    /* "01.12.2026 14:05:07" / "2026-12-01 14:05:07" in the site's zone. */
    fmtTime(ts) {
      if (!valid(ts)) return '—';
      const w = wall(ts);
      return dateText(w) + ' ' + pad(w.h) + ':' + pad(w.mi) + ':' + pad(w.s);
    },

    /* "01.12.2026 14:05" */
    fmtMinute(ts) {
      if (!valid(ts)) return '—';
      const w = wall(ts);
      return dateText(w) + ' ' + pad(w.h) + ':' + pad(w.mi);
    },

    /* "01.12.2026" */
    fmtDate(ts) {
      return valid(ts) ? dateText(wall(ts)) : '—';
    },

    /* "декабрь 2026" / "December 2026" */
    fmtMonth(ts) {
      if (!valid(ts)) return '—';
      const w = wall(ts);
      const name = new Intl.DateTimeFormat(ru() ? 'ru-RU' : 'en-GB', { month: 'long', timeZone: 'UTC' })
        .format(new Date(Date.UTC(2000, w.mo - 1, 15)));
      return name + ' ' + w.y;
    },

    /* Time of day, "14:05" or "14:05:07", for chart axes. */
    fmtClock(ts, seconds) {
      const w = wall(ts);
      return pad(w.h) + ':' + pad(w.mi) + (seconds ? ':' + pad(w.s) : '');
    },

    /* The label of an archive bucket starting at ts. */
    fmtBucket(ts, step) {
      if (step === 'month') return App.fmtMonth(ts);
      if (step === 'day') return App.fmtDate(ts);
      if (step === 'hour') return App.fmtMinute(ts);
      return App.fmtTime(ts);
    },

    /* "1 мин 6 с" / "1 min 6 s" */
    fmtDuration(sec) {
      const u = ru() ? ['дн', 'ч', 'мин', 'с'] : ['d', 'h', 'min', 's'];
      const parts = [[Math.floor(sec / 86400), u[0]], [Math.floor(sec % 86400 / 3600), u[1]],
        [Math.floor(sec % 3600 / 60), u[2]], [Math.floor(sec % 60), u[3]]].filter(p => p[0] > 0);
      return (parts.length ? parts.slice(0, 2) : [[0, u[3]]]).map(p => p[0] + ' ' + p[1]).join(' ');
    },

    /* The zone as the pages show it: "Europe/Moscow (UTC+03:00)". */
    tzLabel() {
      const off = offsetAt(Date.now() / 1000), a = Math.abs(off);
      const utc = 'UTC' + (off < 0 ? '−' : '+') + pad(Math.floor(a / 3600)) + ':' + pad(Math.floor(a % 3600 / 60));
      return (zone() || Intl.DateTimeFormat().resolvedOptions().timeZone) + ' (' + utc + ')';
    },

    /* The value of a datetime-local picker showing ts on the site's clock. */
    toPicker(ts) {
      const w = wall(ts);
      return w.y + '-' + pad(w.mo) + '-' + pad(w.d) + 'T' + pad(w.h) + ':' + pad(w.mi);
    },

    /* UTC seconds of a picker's value read on the site's clock; NaN when empty. */
    fromPicker(v) {
      const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?/.exec(v || '');
      if (!m) return NaN;
      const asUtc = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0)) / 1000;
      const first = asUtc - offsetAt(asUtc);
      return asUtc - offsetAt(first);   /* the offset at that time, across a clock change */
    },

    /* The locale of numbers on charts. */
    numLocale() {
      return ru() ? 'ru-RU' : 'en-GB';
    },

    /* A decimal string of the server ("0.732") with the language's separator. */
    num(s) {
      if (s === undefined || s === null || s === '') return '—';
      return ru() ? String(s).replace('.', ',') : String(s);
    },

    /* A number drawn on a chart, as its tooltip or axis shows it. */
    fmtNumber(x, maxDigits) {
      return new Intl.NumberFormat(App.numLocale(), { maximumFractionDigits: maxDigits === undefined ? 3 : maxDigits,
        useGrouping: false }).format(x);
    },

    /* A unit code of the API (m3, kWh, m3/h, V) in the language's letters. */
    unit(u) {
      if (!u) return '';
      const d = UNITS[App.lang] || UNITS.ru;
      return String(u).split('/').map(p => d[p] || p).join('/');
    },

    /* Roubles of the server ("-1234.56") as the language writes money:
     * "−1 234,56" / "-1,234.56"; "—" without a value. Digits stay digits:
     * money is never a binary float here either. */
    money(s) {
      if (s === undefined || s === null || s === '') return '—';
      const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(s));
      if (!m) return String(s);
      const whole = m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ru() ? '\u00a0' : ',');
      return m[1] + whole + (ru() ? ',' : '.') + (m[3] || '00');
    },

    /* "0,732 м³"; "—" without a value. */
    qty(s, u) {
      if (s === undefined || s === null || s === '') return '—';
      return App.num(s) + '\u00a0' + App.unit(u);
    },

    /* App.t(key) with {name} replaced from vars. */
    tf(key, vars) {
      return App.t(key).replace(/\{(\w+)\}/g, (m, k) => (vars && vars[k] !== undefined ? vars[k] : m));
    }
  });
})();
