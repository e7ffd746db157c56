/* payments_import.js - a bank's registry file on the payments page: read
 * in the browser, sent as base64 to billing/payment.import first as a
 * preview (apply:false: amr-billing works out every line's fate and keeps
 * nothing), shown grouped as taken, skipped (imported before), suspense
 * and refused with the reasons and sums; "apply" then sends the same file
 * with apply:true and the preview's sha256, so that the file applied is
 * the file previewed. */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const B = App.Bill;
  const GROUPS = ['taken', 'skipped', 'suspense', 'refused'];
  let pending = null;   /* the body previewed, to apply */

  /* The file's bytes as base64 (in pieces: a registry may be megabytes). */
  async function base64(file) {
    const bytes = new Uint8Array(await file.arrayBuffer());
    let bin = '';
    for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(bin);
  }

  function row(r, group) {
    return E('tr', { class: 'imp-' + group, 'data-result': group, 'data-line': r.line },
      B.cell(String(r.line)), B.cell(App.t('imp.' + group)), B.cell(r.date ? B.day(r.date) : ''),
      B.cell(r.reference || ''), B.cell(r.number || ''), B.cell(r.amount ? App.money(r.amount) : '', 'num'),
      B.cell(r.reason || (group === 'skipped' && r.import ? App.tf('imp.before', { n: r.import }) : '')));
  }

  function show(r) {
    $('imp-result').hidden = false;
    const by = { taken: [], skipped: [], suspense: [], refused: (r.refused || []).map(x => Object.assign({}, x)) };
    for (const e of r.entries || []) (by[e.result] || (by[e.result] = [])).push(e);
    const rows = [];
    for (const g of GROUPS) {
      if (!by[g].length) continue;
      rows.push(E('tr', { class: 'group', 'data-group': g }, E('th', { colspan: 7, text: App.tf('imp.group', { what: App.t('imp.' + g), n: by[g].length }) })));
      rows.push(...by[g].map(x => row(x, g)));
    }
    B.table($('imp-lines'), ['imp.line', 'imp.result', 'stm.date', 'imp.reference', 'bill.number', 'stm.amount#', 'imp.reason'], rows);
    $('imp-summary').textContent = App.tf(r.applied ? 'imp.applied' : 'imp.previewed', {
      lines: r.lines, taken: r.taken || 0, skipped: r.skipped || 0, suspense: r.suspense || 0,
      refused: (r.refused || []).length + (r.refused_left_off || 0),
      sum_taken: App.money(r.sum_taken || '0.00'), sum_suspense: App.money(r.sum_suspense || '0.00') });
    $('imp-summary').dataset.state = r.applied ? 'applied' : 'preview';
  }

  App.Import = {
    /* Wire the form; onApplied() after an apply (to reload the lists). */
    init(org, onApplied) {
      const form = $('imp-form');
      form.addEventListener('submit', async ev => {
        ev.preventDefault();
        $('msg').hidden = true;
        B.clearErrors(form);
        $('imp-apply').hidden = true;
        const file = $('imp-file').files[0];
        try {
          pending = { org: org(), bank: $('imp-bank').value.trim(), name: file.name, text: await base64(file) };
          const r = await App.api('POST', '/api/v1/billing/payment.import', Object.assign({ apply: false }, pending));
          pending.sha256 = r.sha256;
          show(r);
          $('imp-apply').hidden = !((r.taken || 0) + (r.suspense || 0));   /* nothing new: nothing to apply */
        } catch (e) { B.fieldError(form, $('msg'), e); }
      });
      $('imp-apply').addEventListener('click', async () => {
        $('msg').hidden = true;
        $('imp-apply').disabled = true;
        try {
          show(await App.api('POST', '/api/v1/billing/payment.import', Object.assign({ apply: true }, pending)));
          $('imp-apply').hidden = true;
          await onApplied();
        } catch (e) { App.showError($('msg'), e); } finally { $('imp-apply').disabled = false; }
      });
    }
  };
})();
