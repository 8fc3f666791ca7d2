// The store manager's page: today's funnel, pushed by the box as it changes (Server-Sent Events
// on /api/v1/stream), in Chinese or English. Everything comes from the box itself (no CDN, no
// account). Health is polled every 30 s; so is today, in case the stream is down.
'use strict';

const TEXT = {
  zh: {
    funnel: '今日转化漏斗', visitors: '进店', engaged: '深度逛店', buyers: '成交', conversion: '转化率',
    net_sales: '净销售额', atv: '客单价', upt: '连带率', alerts: '提醒', no_alerts: '暂无提醒',
    by_hour: '分时段', hour: '时段', tap_hour: '点按时段查看原始数据', associates: '店员', products: '热销商品',
    local_only: '数据只在店内设备上计算', as_of: '更新于', waiting: '正在计算今日数据…',
    unauthorized: '请扫描店内二维码打开看板', offline: '看板暂时无法连接设备', high_sales_low_close: '高销量低成交',
    close_rate: '成交率', camera_offline: '摄像头离线', till_silent: '收银机无数据', sync_lag: '总部同步延迟',
    low_coverage: '客流数据覆盖不足，转化率暂不计算', no_door_camera: '未配置门口摄像头：只有成交数据',
    events_of: '原始数据', none: '无', other: 'EN',
  },
  en: {
    funnel: "Today's funnel", visitors: 'Visitors', engaged: 'Engaged', buyers: 'Buyers', conversion: 'Conversion',
    net_sales: 'Net sales', atv: 'Avg. basket', upt: 'Units/txn', alerts: 'Alerts', no_alerts: 'No alerts',
    by_hour: 'By hour', hour: 'Hour', tap_hour: 'Tap an hour to see its raw events', associates: 'Associates',
    products: 'Top products', local_only: 'computed on the store box only', as_of: 'as of',
    waiting: "Working out today's figures…", unauthorized: "Scan the store's QR code to open the dashboard",
    offline: 'Cannot reach the store box right now', high_sales_low_close: 'high sales, low close rate',
    close_rate: 'close rate', camera_offline: 'camera offline', till_silent: 'till silent', sync_lag: 'HQ sync behind',
    low_coverage: 'Too little of today was seen by the cameras: conversion is not shown',
    no_door_camera: 'No door camera configured: sales only', events_of: 'Raw events',
    none: 'none', other: '中文',
  },
};

let lang = localStorage.getItem('kelu.lang') ||
  ((navigator.languages || [navigator.language || 'zh']).some((l) => l.toLowerCase().startsWith('zh')) ? 'zh' : 'en');
let last = null;
let health = null;

const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] || key;
const locale = () => (lang === 'zh' ? 'zh-CN' : 'en');

function money(minor, currency) {
  if (minor === null || minor === undefined || !currency) return '–';
  const fmt = new Intl.NumberFormat(locale(), { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits;
  return fmt.format(minor / 10 ** digits);
}
const pct = (x) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`);
const num = (x, d = 0) => (x === null || x === undefined ? '–' : Number(x).toFixed(d));
const hhmm = (localStart) => localStart.substring(11, 16);

function item(text, cls) {
  const li = document.createElement('li');
  li.textContent = text;
  if (cls) li.className = cls;
  return li;
}

function renderStatic() {
  document.documentElement.lang = lang === 'zh' ? 'zh' : 'en';
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  $('lang').textContent = t('other');
}

function renderBanner(today) {
  const lines = [];
  const flags = (today && today.report && today.report.totals.flags) || [];
  if (flags.includes('low_coverage')) lines.push(t('low_coverage'));
  if (flags.includes('no_door_camera')) lines.push(t('no_door_camera'));
  if (health) {
    for (const c of health.cameras || []) if (c.state !== 'online') lines.push(`${t('camera_offline')}: ${c.camera}`);
    if (!health.mqtt_connected || health.outbox_oldest_age_s > 600) lines.push(t('sync_lag'));
  }
  for (const a of (today && today.alerts) || []) {
    if (a.metric === 'till_silent_min') lines.push(`${t('till_silent')}: ${a.subject || ''}`);
  }
  const banner = $('banner');
  banner.replaceChildren(...lines.map((l) => { const p = document.createElement('p'); p.textContent = l; return p; }));
  banner.hidden = lines.length === 0;
}

function render(today) {
  renderStatic();
  const s = today.store;
  $('store').textContent = s.name || s.id;
  if (!today.ready) {
    $('as-of').textContent = t('waiting');
    renderBanner(null);
    return;
  }
  const r = today.report;
  const tot = r.totals;
  $('as-of').textContent = `${r.day} · ${t('as_of')} ${new Date(today.as_of).toLocaleTimeString(locale(), { timeZone: s.time_zone, hour: '2-digit', minute: '2-digit' })}`;
  const counted = !tot.flags.includes('no_door_camera');  // without a door camera 0 visitors is unknown, not none
  $('visitors').textContent = counted ? num(tot.visitors) : '–';
  $('engaged').textContent = counted ? num(tot.engaged) : '–';
  $('buyers').textContent = num(tot.transactions);
  $('conversion').textContent = pct(tot.conversion);
  $('net').textContent = money(tot.net_sales_minor, r.currency);
  $('atv').textContent = money(tot.atv_minor, r.currency);
  $('upt').textContent = num(tot.upt, 2);

  const alerts = today.alerts || [];
  $('alerts').replaceChildren(...(alerts.length ? alerts.map((a) => item(lang === 'zh' ? a.message_zh : a.message_en, 'flag'))
    : [item(t('no_alerts'))]));

  const rows = r.hours.filter((h) => h.open_ms > 0 || h.visitors > 0 || h.transactions > 0).map((h) => {
    const tr = document.createElement('tr');
    tr.dataset.hour = hhmm(h.local_start);
    for (const v of [hhmm(h.local_start), counted ? num(h.visitors) : '–', num(h.transactions),
      money(h.net_sales_minor, r.currency)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.appendChild(td);
    }
    tr.addEventListener('click', () => showEvents(r.day, tr.dataset.hour, tr));
    return tr;
  });
  $('hours').replaceChildren(...rows);

  $('associates').replaceChildren(...r.associates.map((a) => item(
    `${a.name || a.operator_id}: ${money(a.net_sales_minor, r.currency)} · ${t('close_rate')} ${pct(a.close_rate)}` +
    (a.high_sales_low_close ? ` · ${t('high_sales_low_close')}` : ''), a.high_sales_low_close ? 'flag' : '')));
  $('products').replaceChildren(...r.products.by_revenue.slice(0, 5).map((p) =>
    item(`${p.description || p.item_id}: ${money(p.revenue_minor, r.currency)}`)));
  renderBanner(today);
}

async function showEvents(day, hour, row) {
  document.querySelectorAll('#hours tr.selected').forEach((tr) => tr.classList.remove('selected'));
  row.classList.add('selected');
  const res = await fetch(`/api/v1/events?day=${encodeURIComponent(day)}&hour=${encodeURIComponent(hour)}`,
    { credentials: 'same-origin' });
  const body = await res.json();
  $('events-title').textContent = `${t('events_of')} ${day} ${hour}`;
  const list = res.ok ? body.events.map((e) => item(`#${e.seq} ${e.source} ${e.type} ${e.observed_at.substring(11, 19)}`))
    : [item(body.error)];
  $('events-list').replaceChildren(...(list.length ? list : [item(t('none'))]));
  $('events').hidden = false;
}

async function refresh() {
  try {
    const [res, h] = await Promise.all([fetch('/api/v1/today', { credentials: 'same-origin' }),
      fetch('/api/v1/health', { credentials: 'same-origin' })]);
    if (res.status === 401) {
      $('as-of').textContent = t('unauthorized');
      return;
    }
    if (h.ok) health = await h.json();
    last = await res.json();
    render(last);
  } catch (e) {
    $('as-of').textContent = t('offline');
  }
}

function listen() {
  // EventSource reconnects by itself after a dropped connection (a phone waking up).
  const es = new EventSource('/api/v1/stream');
  es.addEventListener('today', (e) => {
    last = JSON.parse(e.data);
    document.body.dataset.updates = String(Number(document.body.dataset.updates || 0) + 1);
    render(last);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  renderStatic();
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('kelu.lang', lang);
    if (last) render(last); else renderStatic();
  });
  refresh();
  listen();
  setInterval(refresh, 30000);
});
