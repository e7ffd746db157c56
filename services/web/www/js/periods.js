/* periods.js - "Расчётные периоды" (admin, accountant): a building's billing
 * runs (billing/run.list), a month's draft made (run.draft, which may take
 * seconds while the archives answer), its summary and warnings, the
 * comparison with the month before (periods_compare.js) and the issue
 * (run.issue, confirmed first: an issued month is frozen and charged). */
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const E = (...a) => App.el(...a);
  const B = () => App.Bill;

  const api = (m, body) => App.api('POST', '/api/v1/billing/' + m, body);
  const building = () => +$('building').value;

  function fact(dl, key, value) {
    dl.append(E('dt', { text: App.t(key) }), E('dd', { text: value }));
  }

  /* The runs of the building: one row each, a click shows that month. */
  async function loadRuns() {
    if (!building()) {
      $('runs').replaceChildren();
      $('runs-empty').hidden = false;
      return [];
    }
    const r = await api('run.list', { building: building() });
    const runs = (r.runs || []).slice().reverse();   /* the latest month first */
    $('runs-empty').hidden = runs.length > 0;
    B().table($('runs'), ['bk.period', 'state', 'run.invoices.n#', 'run.total#', 'run.made', 'run.issued'],
      runs.map(run => E('tr', { 'data-period': run.period, 'data-state': run.state, class: 'pick',
        onclick: () => { $('period').value = run.period; show(run.period).catch(err); } },
      B().cell(B().period(run.period)), B().cell(App.t('run.state.' + run.state), 'state-' + run.state),
      B().cell(String(run.invoices), 'num'), B().cell(App.money(run.total), 'num'),
      B().cell(App.fmtTime(run.made) + ' · ' + (run.actor || '')),
      B().cell(run.issued ? App.fmtTime(run.issued) + ' · ' + (run.issued_by || '') : '—'))));
    return runs;
  }

  /* A run's summary: counts, totals by basis, warnings; the issue button
   * while it is a draft. */
  function summary(run) {
    $('run').hidden = false;
    $('run').dataset.state = run.state;
    $('run-title').textContent = App.tf('run.title', { period: B().period(run.period), state: App.t('run.state.' + run.state) });
    const dl = $('run-facts');
    dl.replaceChildren();
    fact(dl, 'run.invoices.n', String(run.invoices));
    fact(dl, 'run.total', App.money(run.total) + ' ₽');
    if (run.penalties !== undefined) fact(dl, 'run.penalties', App.money(run.penalties) + ' ₽');
    fact(dl, 'run.made', App.fmtTime(run.made) + ' · ' + (run.actor || ''));
    if (run.issued) fact(dl, 'run.issued', App.fmtTime(run.issued) + ' · ' + (run.issued_by || '') + (run.reason ? ' · ' + run.reason : ''));
    const bases = Object.keys(run.lines || {});
    B().table($('run-bases'), ['bk.basis', 'run.lines#', 'run.amount#'], bases.map(b => E('tr', { 'data-basis': b },
      B().cell(B().basis(b)), B().cell(String(run.lines[b]), 'num'), B().cell(App.money((run.amounts || {})[b]), 'num'))));
    const warn = run.warnings || [];
    $('run-warnings').replaceChildren(...(warn.length ? [
      E('h3', { text: App.tf('run.warnings', { n: run.warnings_total || warn.length }) }),
      E('ul', { class: 'warnings', id: 'warnings' }, ...warn.map(w => E('li', { text: typeof w === 'string' ? w : JSON.stringify(w) })))
    ] : [E('p', { class: 'status-line', id: 'no-warnings', text: App.t('run.no.warnings') })]));
    $('issue').hidden = run.state !== 'draft';
    $('to-invoices').href = '/invoices.html?building=' + run.building + '&period=' + run.period;
  }

  /* Show the month p of the building: its summary and its comparison. */
  async function show(p) {
    $('msg').hidden = true;
    let run;
    try {
      run = await api('run.get', { building: building(), period: p });
    } catch (e) {
      if (e.status !== 404) throw e;
      $('run').hidden = true;
      $('compare-panel').hidden = true;
      return;
    }
    summary(run);
    await App.Compare.show($('compare-panel'), building(), p);
  }

  function err(e) { App.showError($('msg'), e); }

  /* run.draft: the button stays disabled and the progress shows until
   * amr-billing answers (the archives are asked for every meter). */
  async function draft(ev) {
    ev.preventDefault();
    $('msg').hidden = true;
    B().clearErrors($('filters'));
    const p = $('period').value;
    $('draft').disabled = true;
    $('progress').hidden = $('working').hidden = false;
    try {
      await api('run.draft', { building: building(), period: p });
      await loadRuns();
      await show(p);
    } catch (e) {
      B().fieldError($('filters'), $('msg'), e);
    } finally {
      $('draft').disabled = false;
      $('progress').hidden = $('working').hidden = true;
    }
  }

  /* run.issue once the accountant confirms: the state then shows issued. */
  async function issue() {
    const p = $('period').value;
    $('issue-what').textContent = App.tf('run.issue.what', { period: B().period(p), address: $('building').selectedOptions[0].textContent });
    $('issue-reason').value = '';
    if (!await B().ask($('issue-dialog'))) return;
    $('issue').disabled = true;
    try {
      const body = { building: building(), period: p };
      if ($('issue-reason').value.trim()) body.reason = $('issue-reason').value.trim();
      await api('run.issue', body);
      await loadRuns();
      await show(p);
    } catch (e) { err(e); } finally { $('issue').disabled = false; }
  }

  async function changed() {
    $('run').hidden = $('compare-panel').hidden = true;
    const runs = await loadRuns();
    if (runs.length) {
      $('period').value = runs[0].period;
      await show(runs[0].period);
    }
  }

  App.start(['admin', 'accountant'], async () => {
    document.title = App.t('nav.periods');
    $('period').value = B().monthBefore(1);   /* the month just over is the one to bill */
    $('filters').addEventListener('submit', draft);
    $('issue').addEventListener('click', issue);
    try {
      const orgs = await B().pickers($('org'), $('building'), () => changed().catch(err));
      if (!orgs.length) { $('runs-empty').hidden = false; return; }
      await changed();
    } catch (e) { err(e); }
  });
})();
