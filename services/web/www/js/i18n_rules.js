/* i18n_rules.js - the words of the alarm rules page (rules.html): the
 * parameters of amr-notify's rules with their units, the scopes, Russian
 * first; joins window.I18N (i18n.js). */
'use strict';
(function () {
  Object.assign(window.I18N.ru, {
    'ru.intro': 'Для канала каждый параметр берётся из самой узкой области, где он задан: канал, объект, ресурс, по умолчанию, встроенное значение.',
    'ru.scope': 'Область', 'ru.scope.ph': 'default, cold_water, 2, 1.5.1', 'ru.params': 'Параметры (пусто: как в более общей области)',
    'ru.params.short': 'Параметры', 'ru.by': 'Кто, когда и почему', 'ru.none': 'Правил не задано: действуют встроенные значения',
    'ru.set': 'Задать правила области', 'ru.reason': 'Причина (обязательно)', 'ru.save': 'Сохранить',
    'ru.delete': 'Удалить правила области', 'ru.new': 'Очистить форму', 'ru.objonly': '(по умолчанию или объекта)',
    'ru.saved': 'Правила области «{scope}» сохранены', 'ru.deleted': 'Правила области «{scope}» удалены',
    'ru.effective': 'Что действует', 'ru.eff.id': 'Объект или канал', 'ru.param': 'Параметр', 'ru.value': 'Значение',
    'ru.from': 'Откуда', 'ru.unit': 'единица', 'ru.weight': 'вес импульса',
    'ru.sc.default': 'по умолчанию', 'ru.sc.builtin': 'встроенное', 'ru.sc.object': 'объект', 'ru.sc.channel': 'канал',
    'rp.leak_hours': 'Утечка: расход без нуля дольше', 'rp.leak_zero_min': 'Утечка кончается после нуля в течение',
    'rp.night_from_h': 'Ночь с', 'rp.night_to_h': 'Ночь до', 'rp.night_max_per_h': 'Ночной расход выше',
    'rp.burst_per_h': 'Прорыв: расход выше', 'rp.burst_min': 'Прорыв: дольше', 'rp.stuck_days': 'Счётчик стоит: без импульсов',
    'rp.stuck_min_pulses': 'Счётчик считал раньше: импульсов не меньше', 'rp.max_gap_min': 'Разрыв между показаниями больше',
    'rp.verification_days': 'Поверка: предупредить за', 'rp.gateway_offline_min': 'Шлюз не на связи дольше',
    'rp.spool_pct': 'Буфер шлюза заполнен на', 'rp.debt_threshold': 'Задолженность выше',
    'u.h': 'ч', 'u.hour': 'ч (местное время)', 'u.per_h.short': 'м³/ч (ед. канала/ч)',
    'u.m3': 'м³', 'u.l': 'л', 'u.kwh': 'кВт·ч', 'u.gcal': 'Гкал', 'u.min': 'мин', 'u.days': 'дн.', 'u.pulses': 'имп.', 'u.pct': '%',
    'u.per_h': 'м³/ч или единица канала в час', 'u.rub': '₽', 'u.pulses_h': 'имп./ч'
  });
  Object.assign(window.I18N.en, {
    'ru.intro': 'For a channel each parameter comes from the narrowest scope that sets it: channel, object, resource, default, built in.',
    'ru.scope': 'Scope', 'ru.scope.ph': 'default, cold_water, 2, 1.5.1', 'ru.params': 'Parameters (empty: as in a wider scope)',
    'ru.params.short': 'Parameters', 'ru.by': 'Who, when and why', 'ru.none': 'No rules set: the built-in values apply',
    'ru.set': 'Set a scope\'s rules', 'ru.reason': 'Reason (required)', 'ru.save': 'Save',
    'ru.delete': 'Remove the scope\'s rules', 'ru.new': 'Clear the form', 'ru.objonly': '(default or an object)',
    'ru.saved': 'Rules of "{scope}" saved', 'ru.deleted': 'Rules of "{scope}" removed',
    'ru.effective': 'What applies', 'ru.eff.id': 'Object or channel', 'ru.param': 'Parameter', 'ru.value': 'Value',
    'ru.from': 'From', 'ru.unit': 'unit', 'ru.weight': 'pulse weight',
    'ru.sc.default': 'default', 'ru.sc.builtin': 'built in', 'ru.sc.object': 'object', 'ru.sc.channel': 'channel',
    'rp.leak_hours': 'Leak: flow never at zero for', 'rp.leak_zero_min': 'Leak ends after zero flow for',
    'rp.night_from_h': 'Night from', 'rp.night_to_h': 'Night to', 'rp.night_max_per_h': 'Night flow above',
    'rp.burst_per_h': 'Burst: flow above', 'rp.burst_min': 'Burst: for longer than', 'rp.stuck_days': 'Stuck: no pulse for',
    'rp.stuck_min_pulses': 'Counted before: at least pulses', 'rp.max_gap_min': 'A gap between readings above',
    'rp.verification_days': 'Verification: warn ahead by', 'rp.gateway_offline_min': 'Gateway offline for longer than',
    'rp.spool_pct': 'Gateway spool full at', 'rp.debt_threshold': 'Debt above',
    'u.h': 'h', 'u.hour': 'h (local time)', 'u.per_h.short': 'm³/h (channel unit/h)',
    'u.m3': 'm³', 'u.l': 'l', 'u.kwh': 'kWh', 'u.gcal': 'Gcal', 'u.min': 'min', 'u.days': 'days', 'u.pulses': 'pulses', 'u.pct': '%',
    'u.per_h': 'm³/h or the channel\'s unit per hour', 'u.rub': '₽', 'u.pulses_h': 'pulses/h'
  });
})();
