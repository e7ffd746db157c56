/* picker.js - a search box over a channel picker (a box of checkboxes, one
 * label each, as on the archive and on-line pages: a building has 128 of
 * them). <input data-picker="chans"> filters the labels of #chans by every
 * word typed (id, label, resource); ticked boxes stay ticked when hidden.
 * The page may redraw the picker: the filter is applied again. */
'use strict';
(function () {
  function attach(input) {
    const box = document.getElementById(input.dataset.picker);
    const count = input.dataset.count ? document.getElementById(input.dataset.count) : null;
    if (!box) return;
    function apply() {
      const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      const labels = [...box.querySelectorAll('label')];
      let shown = 0;
      labels.forEach(l => {
        const hit = words.every(w => l.textContent.toLowerCase().includes(w));
        l.hidden = !hit;
        shown += hit;
      });
      if (count) count.textContent = words.length ? App.t('picker.shown') + ' ' + shown + ' / ' + labels.length : '';
    }
    input.addEventListener('input', apply);
    new MutationObserver(apply).observe(box, { childList: true });
  }
  document.addEventListener('DOMContentLoaded', () => document.querySelectorAll('input[data-picker]').forEach(attach));
})();
