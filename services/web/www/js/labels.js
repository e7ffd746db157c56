/* labels.js - devices and outputs by their meaning: the device's registry
 * label (the flat, "Кв. 5") and what each output drives ("Кран ХВС"), for
 * dialogs, alarms, events and audit lines, so no one has to read "object 1,
 * address 5, output 1". Labels.load(objs) fetches what the audit page
 * needs; the status page hands its object over with Labels.put(). */
'use strict';
(function () {
  const known = new Map();     /* obj -> { devs: Map addr -> device, chans: Map id -> channel } */

  function put(obj, detail) {
    known.set(+obj, { devs: new Map((detail.devices || []).map(d => [d.addr, d])),
      chans: new Map((detail.channels || []).map(c => [c.id, c])) });
  }

  /* The objects of ids ("1", "1.5", "1.5.2") not known yet; errors leave
   * them unnamed (the id is still shown). */
  async function load(ids) {
    const objs = [...new Set(ids.map(id => parseInt(String(id).split('.')[0], 10)).filter(o => o > 0 && !known.has(o)))];
    await Promise.all(objs.slice(0, 32).map(async o => {
      try { put(o, await App.api('GET', '/api/v1/objects/' + o)); } catch (e) { known.set(o, { devs: new Map(), chans: new Map() }); }
    }));
  }

  const dev = (obj, addr) => { const k = known.get(+obj); return k ? k.devs.get(+addr) : undefined; };

  /* "Кв. 5 (адрес 5)", or "адрес 5" for a device without a label */
  function devName(obj, addr, d) {
    d = d || dev(obj, addr);
    const a = App.t('addr').toLowerCase() + ' ' + addr;
    return d && d.label ? d.label + ' (' + a + ')' : a;
  }

  /* "выход 1 «Кран ХВС»", or "выход 1" */
  function outName(obj, addr, out, d) {
    d = d || dev(obj, addr);
    const o = d && (d.outputs || []).find(x => x.out === +out);
    return App.t('out').toLowerCase() + ' ' + out + (o && o.label ? ' «' + o.label + '»' : '');
  }

  /* "канал 1 «Кв. 5, холодная вода»", or "канал 1" */
  function chanName(obj, addr, ch) {
    const k = known.get(+obj), c = k && k.chans.get(obj + '.' + addr + '.' + ch);
    return App.t('channel').toLowerCase() + ' ' + ch + (c && c.label ? ' «' + c.label + '»' : '');
  }

  /* An audit target with its meaning: "1.5.2 — Кв. 5 (адрес 5), выход 2
   * «Кран ГВС»" for a block or unblock, the channel for anything else. */
  function target(action, id) {
    const p = String(id || '').split('.');
    if (!id || !/^\d+(\.\d+){0,2}$/.test(id) || !known.has(+p[0])) return id || '';
    if (p.length === 1) return id;
    let text = devName(p[0], p[1]);
    if (p.length === 3) text += ', ' + (['block', 'unblock'].includes(action) ? outName(p[0], p[1], p[2]) : chanName(p[0], p[1], p[2]));
    return id + ' — ' + text;
  }

  window.Labels = { put, load, devName, outName, chanName, target };
})();
