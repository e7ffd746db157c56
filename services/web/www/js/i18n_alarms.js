/* i18n_alarms.js - the words of notify's alarms, the alarms, contacts and
 * delivery log pages and the desktop notices, Russian first; joins
 * window.I18N (i18n.js) on the pages that show alarms. */
'use strict';
(function () {
  Object.assign(window.I18N.ru, {
    'al.gateway_offline': 'Шлюз не на связи', 'al.device_offline': 'УО-4 не отвечает',
    'al.mains_lost': 'Нет сетевого питания (счёт от батареи)', 'al.battery_low': 'Батарея разряжена',
    'al.counter': 'Счётчик уменьшился или в карантине', 'al.spool': 'Буфер шлюза почти полон',
    'al.leak': 'Утечка', 'al.burst': 'Прорыв', 'al.stuck': 'Счётчик стоит',
    'sev.critical': 'критическая', 'sev.major': 'серьёзная', 'sev.minor': 'незначительная',
    'st.raised': 'новая', 'st.acknowledged': 'подтверждена', 'st.cleared': 'снята', 'st.open': 'открытые',
    'al.acked': 'подтверждена', 'al.notice': 'Тревога', 'al.notices.ask': 'Уведомлять на рабочем столе',
    'al.notices.denied': 'Браузер запретил уведомления: разрешите их в настройках сайта',
    'al.id': '№', 'al.what': 'Что', 'al.where': 'Где', 'al.sev': 'Важность', 'al.state': 'Состояние',
    'al.raised': 'Возникла', 'al.last': 'Последний раз', 'al.count': 'Раз', 'al.who': 'Кто и почему',
    'al.ack': 'Подтвердить', 'al.clear': 'Снять', 'al.comment': 'Комментарий (необязательно)',
    'al.reason': 'Причина (обязательно)', 'al.history': 'История (снятые)', 'al.all': 'все',
    'al.obj': 'Объект', 'al.none': 'Тревог нет', 'al.done.ack': 'Тревога {id} подтверждена',
    'al.done.clear': 'Тревога {id} снята', 'al.by.condition': 'условие прошло', 'al.more': 'Ещё',
    'ct.name': 'Имя', 'ct.user': 'Пользователь портала', 'ct.email': 'E-mail', 'ct.phone': 'Телефон',
    'ct.webhook': 'Webhook (URL)', 'ct.min_severity': 'Важность от', 'ct.objects': 'Объекты (через запятую)',
    'ct.kinds': 'Виды тревог', 'ct.resources': 'Ресурсы', 'ct.channels': 'Каналы рассылки',
    'ct.quiet': 'Тихие часы', 'ct.quiet.from': 'с', 'ct.quiet.to': 'до', 'ct.quiet.override': 'кроме важности от',
    'ct.escalate': 'Эскалация', 'ct.escalate.after': 'через, мин', 'ct.escalate.to': 'кому (контакт)',
    'ct.hourly_limit': 'Не больше сообщений в час', 'ct.save': 'Сохранить', 'ct.delete': 'Удалить',
    'ct.new': 'Новый контакт', 'ct.saved': 'Контакт {name} сохранён', 'ct.deleted': 'Контакт {name} удалён',
    'ct.none': 'Контактов нет', 'ct.edit': 'Изменить', 'ct.all': 'все',
    'ch.email': 'e-mail', 'ch.sms': 'SMS', 'ch.webhook': 'webhook',
    'msg.created': 'Создано', 'msg.channel': 'Канал', 'msg.to': 'Кому', 'msg.subject': 'Тема',
    'msg.state': 'Состояние', 'msg.attempts': 'Попыток', 'msg.why': 'Причина', 'msg.none': 'Сообщений нет',
    'msg.alarm': 'Тревога', 'ms.queued': 'в очереди', 'ms.sending': 'отправляется', 'ms.sent': 'отправлено',
    'ms.failed': 'не доставлено'
  });
  Object.assign(window.I18N.en, {
    'al.gateway_offline': 'Gateway offline', 'al.device_offline': 'UO-4 not responding',
    'al.mains_lost': 'Mains lost (counting on battery)', 'al.battery_low': 'Battery low',
    'al.counter': 'Counter went down or quarantined', 'al.spool': 'Gateway spool nearly full',
    'al.leak': 'Leak', 'al.burst': 'Burst', 'al.stuck': 'Meter stuck',
    'sev.critical': 'critical', 'sev.major': 'major', 'sev.minor': 'minor',
    'st.raised': 'raised', 'st.acknowledged': 'acknowledged', 'st.cleared': 'cleared', 'st.open': 'open',
    'al.acked': 'acknowledged', 'al.notice': 'Alarm', 'al.notices.ask': 'Desktop notifications',
    'al.notices.denied': 'The browser blocks notifications: allow them in the site settings',
    'al.id': 'No.', 'al.what': 'What', 'al.where': 'Where', 'al.sev': 'Severity', 'al.state': 'State',
    'al.raised': 'Raised', 'al.last': 'Last', 'al.count': 'Count', 'al.who': 'Who and why',
    'al.ack': 'Acknowledge', 'al.clear': 'Clear', 'al.comment': 'Comment (optional)',
    'al.reason': 'Reason (required)', 'al.history': 'History (cleared)', 'al.all': 'all',
    'al.obj': 'Object', 'al.none': 'No alarms', 'al.done.ack': 'Alarm {id} acknowledged',
    'al.done.clear': 'Alarm {id} cleared', 'al.by.condition': 'the condition ended', 'al.more': 'More',
    'ct.name': 'Name', 'ct.user': 'Portal user', 'ct.email': 'E-mail', 'ct.phone': 'Phone',
    'ct.webhook': 'Webhook (URL)', 'ct.min_severity': 'Severity from', 'ct.objects': 'Objects (comma-separated)',
    'ct.kinds': 'Alarm kinds', 'ct.resources': 'Resources', 'ct.channels': 'Channels',
    'ct.quiet': 'Quiet hours', 'ct.quiet.from': 'from', 'ct.quiet.to': 'to', 'ct.quiet.override': 'except severity from',
    'ct.escalate': 'Escalation', 'ct.escalate.after': 'after, min', 'ct.escalate.to': 'to (contact)',
    'ct.hourly_limit': 'At most messages an hour', 'ct.save': 'Save', 'ct.delete': 'Delete',
    'ct.new': 'New contact', 'ct.saved': 'Contact {name} saved', 'ct.deleted': 'Contact {name} deleted',
    'ct.none': 'No contacts', 'ct.edit': 'Edit', 'ct.all': 'all',
    'ch.email': 'e-mail', 'ch.sms': 'SMS', 'ch.webhook': 'webhook',
    'msg.created': 'Created', 'msg.channel': 'Channel', 'msg.to': 'To', 'msg.subject': 'Subject',
    'msg.state': 'State', 'msg.attempts': 'Tries', 'msg.why': 'Reason', 'msg.none': 'No messages',
    'msg.alarm': 'Alarm', 'ms.queued': 'queued', 'ms.sending': 'sending', 'ms.sent': 'sent',
    'ms.failed': 'failed'
  });
})();
