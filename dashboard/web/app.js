// SPDX-License-Identifier: Apache-2.0
// The store manager's page: today's funnel, pushed by the box as it changes (Server-Sent Events
// on /api/v1/stream), in Chinese or English. Everything comes from the box itself (no CDN, no
// account); the chart library (uPlot, from npm) is embedded in the binary like this file.
// Health is polled every 30 s; so is today, in case the stream is down; the heat map every minute.
'use strict';

const TEXT = {
  zh: {
    funnel: '今日转化漏斗', visitors: '进店', engaged: '深度逛店', buyers: '成交', conversion: '转化率',
    net_sales: '净销售额', atv: '客单价', upt: '连带率', alerts: '提醒', no_alerts: '暂无提醒',
    by_hour: '分时段', hour: '时段', tap_hour: '点按时段查看原始数据', associates: '店员', products: '热销商品与导购',
    local_only: '数据只在店内设备上计算', as_of: '更新于', waiting: '正在计算今日数据…',
    unauthorized: '请扫描店内二维码打开看板', offline: '看板暂时无法连接设备', high_sales_low_close: '高销量低成交',
    close_rate: '成交率', camera_offline: '摄像头离线', till_silent: '收银机无数据', sync_lag: '总部同步延迟',
    low_coverage: '今天营业时段门口摄像头看到的时间不足，转化率暂不计算', no_door_camera: '未配置门口摄像头：只有成交数据',
    reason_low_coverage: '摄像头覆盖不足', reason_closed: '非营业时间', reason_no_visitors: '尚无进店客流',
    reason_no_door_camera: '无门口摄像头', reason_few_opportunities: '机会数不足',
    basis: (b) => `${b.buyers} 成交 / ${b.visitors} 进店，${b.open_periods} 个营业小时中的 ${b.covered_periods} 个`,
    buyers_exceed: (n) => `有 ${n} 个小时成交数多于进店人数：请检查门口计数线`,
    outside_hours: (n) => `${n} 笔交易在营业时间之外（已计入销售额）`,
    close_basis: (c) => `${c.transactions} 成交 / ${c.opportunities} 个机会，${c.hours} 小时`,
    per_hour: '每小时', closed_hour: '非营业',
    staff_removed: (s) => `已从进店人数中去除店员 ${s.zone + s.line + s.sign_on} 人次（员工区 ${s.zone}，员工通道 ${s.line}，上岗打卡 ${s.sign_on}）`,
    credit_salesperson: '成交归属：小票上的导购，没有导购时归收银员',
    credit_cashier: '成交归属：收银员（收银机未记录导购）',
    flag_words: (a, team) => `成交率 ${pct(a.close_rate)}，团队 ${pct(team)}；在岗 ${num(a.on_shift_ms / 3.6e6, 1)} 小时`,
    events_of: '原始数据', none: '无', other: 'EN', traffic_chart: '客流、成交与在岗人数', staff: '在岗店员',
    forecast: '预测客流', heatmap: '热力图', heat_note: '今日顾客停留的位置：颜色越深，停留越久（只有统计，没有画面）',
    heat_until: '截至',
    review_this: (w) => `本周提醒复盘（${w}）`, review_last: (w) => `上周提醒复盘（${w}）`, no_review: '本周暂无提醒',
    reason_no_judged_alerts: '尚无可判断的提醒',
    audited: (d) => `门口计数经人工审核准确率 ${pct(d.accuracy)}（${d.audited_on}${d.audited < d.lines ? `，${d.lines} 条计数线中的 ${d.audited} 条` : ''}）`,
    not_audited: '门口计数尚未经过人工审核',
    review_rule: (r) => `${r.rule}：触发 ${r.fired} 次，窗口内恢复 ${r.recovered} 次${r.median_recovery_min === null ? '' : `（中位 ${num(r.median_recovery_min, 1)} 分钟）`}，未恢复 ${r.persisted} 次` +
      `${r.unjudged ? `，无法判断 ${r.unjudged} 次` : ''}${r.pending ? `，观察中 ${r.pending} 次` : ''}；命中率 ${rate(r.hit_rate, r.hit_rate_reason)}` +
      `${r.staffing.short_handed ? `；人手不足 ${r.staffing.short_handed} 次，其中 ${r.staffing.staff_came} 次有店员补上` : ''}`,
    outcome_recovered: (a) => `${num(a.recovery_min, 1)} 分钟后恢复`, outcome_persisted: () => '窗口内未恢复',
    outcome_unjudged: () => '无法判断（已打烊或摄像头覆盖不足）', outcome_not_applicable: () => '仅提示',
    outcome_pending: () => '观察中', staffing_followed: '已补人手', staffing_not_followed: '未补人手',
  },
  en: {
    funnel: "Today's funnel", visitors: 'Visitors', engaged: 'Engaged', buyers: 'Buyers', conversion: 'Conversion',
    net_sales: 'Net sales', atv: 'Avg. basket', upt: 'Units/txn', alerts: 'Alerts', no_alerts: 'No alerts',
    by_hour: 'By hour', hour: 'Hour', tap_hour: 'Tap an hour to see its raw events', associates: 'Associates',
    products: 'Top products and who sold them', local_only: 'computed on the store box only', as_of: 'as of',
    waiting: "Working out today's figures…", unauthorized: "Scan the store's QR code to open the dashboard",
    offline: 'Cannot reach the store box right now', high_sales_low_close: 'high sales, low close rate',
    close_rate: 'close rate', camera_offline: 'camera offline', till_silent: 'till silent', sync_lag: 'HQ sync behind',
    low_coverage: 'The door cameras saw too little of every open hour today: conversion is not shown',
    reason_low_coverage: 'cameras saw too little', reason_closed: 'closed', reason_no_visitors: 'no visitors yet',
    reason_no_door_camera: 'no door camera', reason_few_opportunities: 'too few opportunities',
    basis: (b) => `${b.buyers} buyers / ${b.visitors} visitors over ${b.covered_periods} of ${b.open_periods} open hours`,
    buyers_exceed: (n) => `In ${n} hour(s) the tills had more buyers than the door counted: check the door line`,
    outside_hours: (n) => `${n} sale(s) outside opening hours (counted in sales)`,
    close_basis: (c) => `${c.transactions} of ${c.opportunities} opportunities, ${c.hours} h`,
    per_hour: 'per hour', closed_hour: 'closed',
    staff_removed: (s) => `${s.zone + s.line + s.sign_on} staff entries left out of visitors (staff zone ${s.zone}, staff door ${s.line}, before a sign-on ${s.sign_on})`,
    credit_salesperson: 'Sales credited to the salesperson on the receipt, else the cashier',
    credit_cashier: 'Sales credited to the cashier (the tills record no salesperson)',
    flag_words: (a, team) => `close rate ${pct(a.close_rate)} vs the team's ${pct(team)}, over ${num(a.on_shift_ms / 3.6e6, 1)} h on shift`,
    no_door_camera: 'No door camera configured: sales only', events_of: 'Raw events',
    none: 'none', other: '中文', traffic_chart: 'Traffic, buyers and staff by hour', staff: 'Staff on floor',
    forecast: 'Forecast visitors', heatmap: 'Heat map',
    heat_note: 'Where people stood today: darker is longer (figures only, no camera image)',
    heat_until: 'to',
    review_this: (w) => `This week's alerts, and what happened next (${w})`,
    review_last: (w) => `Last week's alerts, and what happened next (${w})`, no_review: 'No alerts this week',
    reason_no_judged_alerts: 'none judged yet',
    audited: (d) => `Door counts audited at ${pct(d.accuracy)} on ${d.audited_on}${d.audited < d.lines ? ` (${d.audited} of ${d.lines} lines)` : ''}`,
    not_audited: 'Door counts not audited yet',
    review_rule: (r) => `${r.rule}: fired ${r.fired}, recovered within its window ${r.recovered}${r.median_recovery_min === null ? '' : ` (median ${num(r.median_recovery_min, 1)} min)`}, persisted ${r.persisted}` +
      `${r.unjudged ? `, not judged ${r.unjudged}` : ''}${r.pending ? `, watching ${r.pending}` : ''}; hit rate ${rate(r.hit_rate, r.hit_rate_reason)}` +
      `${r.staffing.short_handed ? `; short-handed ${r.staffing.short_handed}×, staff came ${r.staffing.staff_came}×` : ''}`,
    outcome_recovered: (a) => `recovered after ${num(a.recovery_min, 1)} min`, outcome_persisted: () => 'not recovered within its window',
    outcome_unjudged: () => 'not judged (closed, or the cameras saw too little)', outcome_not_applicable: () => 'for information',
    outcome_pending: () => 'watching', staffing_followed: 'staff came', staffing_not_followed: 'no staff came',
  },
};

// The box picks the language from Accept-Language (<html lang>); the toggle's choice wins after.
let lang = localStorage.getItem('kelu.lang') || (document.documentElement.lang === 'en' ? 'en' : 'zh');
let last = null;
let health = null;
let heat = null;
let chart = null;

const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] || key;
const say = (key, ...args) => TEXT[lang][key](...args);
// The one way a rate is shown: its value, or "—" with the reason (docs/analytics.md).
const rate = (value, reason) => (value === null || value === undefined
  ? `— (${t(`reason_${reason}`)})` : pct(value));
// Hours the page lists and charts: open ones, and closed ones that had a sale (flagged).
const shownHours = (r) => r.hours.filter((h) => h.open_ms > 0 || h.outside_hours_transactions > 0);
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
  const totals = today && today.report && today.report.totals;
  const flags = (totals && totals.flags) || [];
  if (flags.includes('low_coverage')) lines.push(t('low_coverage'));
  if (flags.includes('no_door_camera')) lines.push(t('no_door_camera'));
  if (flags.includes('buyers_exceed_visitors')) lines.push(say('buyers_exceed', totals.rate_basis.buyers_over_visitors));
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
  // The figure, or "—" with the reason underneath in small type, where the basis goes otherwise.
  $('conversion').textContent = tot.conversion === null ? '—' : pct(tot.conversion);
  $('conversion-basis').textContent = tot.conversion === null ? t(`reason_${tot.rate_reason}`) : say('basis', tot.rate_basis);
  $('outside-hours').textContent = tot.outside_hours_transactions ? say('outside_hours', tot.outside_hours_transactions) : '';
  const staff = tot.staff_entries;
  $('staff-removed').textContent = staff.zone + staff.line + staff.sign_on > 0 ? say('staff_removed', staff) : '';
  // The accuracy that counts for this installation: a technician's audit on the box.
  const door = today.audits && today.audits.door;
  $('audited').textContent = !door || door.lines === 0 ? ''
    : (door.audited > 0 && door.accuracy !== null ? say('audited', door) : t('not_audited'));
  $('net').textContent = money(tot.net_sales_minor, r.currency);
  $('atv').textContent = money(tot.atv_minor, r.currency);
  $('upt').textContent = num(tot.upt, 2);

  const alerts = today.alerts || [];
  $('alerts').replaceChildren(...(alerts.length ? alerts.map((a) => item(lang === 'zh' ? a.message_zh : a.message_en, 'flag'))
    : [item(t('no_alerts'))]));

  const rows = shownHours(r).map((h) => {
    const tr = document.createElement('tr');
    tr.dataset.hour = hhmm(h.local_start);
    if (h.open_ms === 0) tr.className = 'flag';
    for (const v of [hhmm(h.local_start) + (h.open_ms === 0 ? ` ${t('closed_hour')}` : ''),
      counted ? num(h.visitors) : '–', num(h.transactions), money(h.net_sales_minor, r.currency),
      h.conversion === null ? '—' : pct(h.conversion)]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.appendChild(td);
    }
    tr.addEventListener('click', () => showEvents(r.day, tr.dataset.hour, tr));
    return tr;
  });
  $('hours').replaceChildren(...rows);
  renderChart(r, today, counted);
  if (!performance.getEntriesByName('kelu-first-render').length) performance.mark('kelu-first-render');

  renderReview(today);
  $('associates').replaceChildren(...r.associates.map((a) => associateItem(a, r)));
  $('attribution').textContent = t(r.attribution === 'salesperson' ? 'credit_salesperson' : 'credit_cashier');
  $('products').replaceChildren(...r.top_sellers.map((p) => productItem(p, r)));
  renderBanner(today);
}

// What became of the week's alerts (docs/analytics.md): each rule's hit rate, then each alert
// with its outcome. On a Monday with nothing yet, last week's.
function renderReview(today) {
  const has = (w) => w && w.alerts && w.alerts.length > 0;
  const last = !has(today.review) && has(today.last_review);
  const w = last ? today.last_review : today.review;
  if (!w) return;
  $('review-title').textContent = say(last ? 'review_last' : 'review_this', w.week);
  $('review-rules').replaceChildren(...(has(w) ? w.rules.map((r) => item(say('review_rule', r)))
    : [item(t('no_review'))]));
  $('review-alerts').replaceChildren(...w.alerts.map((a) => {
    const when = new Date(a.local_fired).toLocaleString(locale(), { timeZone: w.time_zone, weekday: 'short', hour: '2-digit', minute: '2-digit' });
    const li = item(`${when} · ${lang === 'zh' ? a.message_zh : a.message_en}`);
    const what = document.createElement('div');
    what.className = a.outcome === 'recovered' ? 'ok' : (a.outcome === 'persisted' ? 'flag' : 'muted');
    what.textContent = say(`outcome_${a.outcome}`, a) + (a.staffing === 'followed' || a.staffing === 'not_followed'
      ? ` · ${t(`staffing_${a.staffing}`)}` : '');
    li.appendChild(what);
    return li;
  }));
}

// "王芳: ¥1,480.00 · ¥199.60 per hour · close rate 27.3% (6 of 21.95 opportunities, 6 h)", and
// for a flagged associate the reason in words.
function associateItem(a, r) {
  let text = `${a.name || a.operator_id}: ${money(a.net_sales_minor, r.currency)}`;
  if (a.sales_per_hour_minor !== null) text += ` · ${money(a.sales_per_hour_minor, r.currency)} ${t('per_hour')}`;
  text += ` · ${t('close_rate')} ${rate(a.close_rate, a.close_rate_reason)}`;
  if (a.close_rate !== null) text += ` (${say('close_basis', a.close_rate_basis)})`;
  const li = item(text, a.high_sales_low_close ? 'flag' : '');
  if (a.high_sales_low_close) {
    const why = document.createElement('div');
    why.textContent = `${t('high_sales_low_close')}: ${say('flag_words', a, r.team_close_rate)}`;
    li.appendChild(why);
  }
  return li;
}

// 热销品 × 导购: a product, then who sold it with their close rate; "high sales, low close" in red.
function productItem(p, r) {
  const li = item(`${p.description || p.item_id}: ${money(p.revenue_minor, r.currency)}`);
  if (p.sellers.length) {
    const who = document.createElement('div');
    who.className = 'sellers';
    who.append(...p.sellers.map((s) => {
      const span = document.createElement('span');
      span.textContent = `${s.name || s.operator_id} ${money(s.revenue_minor, r.currency)} · ${t('close_rate')} ${s.close_rate === null ? '—' : pct(s.close_rate)}`;
      if (s.high_sales_low_close) span.className = 'flag';
      return span;
    }));
    li.appendChild(who);
  }
  return li;
}

// Hourly visitors (bars), buyers and average staff on the floor, then the forecast for the hours
// still to come: one chart, so a manager sees where the store was short-handed.
function renderChart(r, today, counted) {
  const hours = shownHours(r);
  const ahead = (today.live && today.live.forecast && today.live.forecast.hours) || [];
  const labels = hours.map((h) => hhmm(h.local_start));
  const seen = new Set(labels);
  const future = ahead.filter((f) => !seen.has(f[0]));
  const x = [...labels, ...future.map((f) => f[0])].map((_, i) => i);
  const pad = (values) => [...values, ...future.map(() => null)];
  const data = [
    x,
    pad(hours.map((h) => (counted ? h.visitors : null))),
    pad(hours.map((h) => h.transactions)),
    pad(hours.map((h) => (h.open_ms > 0 ? Math.round((h.staff_ms / h.open_ms) * 10) / 10 : null))),
    [...hours.map((_, i) => (i === hours.length - 1 && future.length ? (counted ? hours[i].visitors : null) : null)),
      ...future.map((f) => f[1])],
  ];
  const names = [...labels, ...future.map((f) => f[0])];
  const box = $('chart');
  if (chart) chart.destroy();
  box.replaceChildren();
  if (!x.length || typeof uPlot === 'undefined') return;
  chart = new uPlot({
    width: Math.max(box.clientWidth, 240),
    height: 200,
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false, range: [-0.6, x.length - 0.4] }, n: { range: (u, lo, hi) => [0, Math.max(1, hi * 1.1)] },
      s: { range: (u, lo, hi) => [0, Math.max(2, Math.ceil(hi) + 1)] } },
    axes: [
      { values: (u, ticks) => ticks.map((i) => (Number.isInteger(i) && names[i] ? names[i] : '')), space: 34, size: 28 },
      { scale: 'n', size: 36 },
      { scale: 's', side: 1, size: 30, grid: { show: false }, incrs: [1, 2, 5, 10] },
    ],
    series: [
      {},
      { label: t('visitors'), scale: 'n', paths: uPlot.paths.bars({ size: [0.7, 28] }), stroke: '#0b6bcb',
        fill: 'rgba(11,107,203,0.30)', points: { show: false } },
      { label: t('buyers'), scale: 'n', stroke: '#d92d20', width: 2 },
      { label: t('staff'), scale: 's', stroke: '#12b76a', width: 2, paths: uPlot.paths.stepped({ align: 1 }) },
      { label: t('forecast'), scale: 'n', stroke: '#98a2b3', width: 2, dash: [6, 4] },
    ],
  }, data, box);
}

function heatColour(v) {
  // Transparent for nobody, then yellow to red: readable on a phone in a bright shop.
  const a = Math.min(1, 0.15 + 0.85 * v);
  const g = Math.round(220 * (1 - v));
  return `rgba(230,${g},40,${a})`;
}

function renderHeat() {
  const card = $('heat-card');
  const cams = (heat && heat.cameras) || [];
  card.hidden = cams.length === 0;
  $('heatmaps').replaceChildren(...cams.map((c) => {
    const fig = document.createElement('figure');
    const canvas = document.createElement('canvas');
    const frame = c.frame || [640, 480];
    const w = Math.max($('heatmaps').clientWidth, 240);
    const h = Math.round((w * frame[1]) / frame[0]);
    const dpr = window.devicePixelRatio || 1;
    canvas.width = w * dpr;
    canvas.height = h * dpr;
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    const g = canvas.getContext('2d');
    g.scale(dpr, dpr);
    g.fillStyle = '#eef0f3';
    g.fillRect(0, 0, w, h);
    const max = Math.max(1, ...c.cells_ds);
    const cw = w / Math.max(1, c.cols);
    const ch = h / Math.max(1, c.rows);
    c.cells_ds.forEach((v, i) => {
      if (!v) return;
      g.fillStyle = heatColour(Math.sqrt(v / max));
      g.fillRect((i % c.cols) * cw, Math.floor(i / c.cols) * ch, Math.ceil(cw), Math.ceil(ch));
    });
    const sx = w / frame[0];
    const sy = h / frame[1];
    g.lineWidth = 1.5;
    g.font = '12px system-ui, sans-serif';
    for (const z of c.zones) {
      g.strokeStyle = '#475467';
      g.beginPath();
      z.polygon.forEach(([px, py], k) => (k ? g.lineTo(px * sx, py * sy) : g.moveTo(px * sx, py * sy)));
      g.closePath();
      g.stroke();
      g.fillStyle = '#344054';
      g.fillText(z.name, z.polygon[0][0] * sx + 4, z.polygon[0][1] * sy + 14);
    }
    for (const l of c.lines) {
      g.strokeStyle = '#0b6bcb';
      g.lineWidth = 3;
      g.beginPath();
      g.moveTo(l.from[0] * sx, l.from[1] * sy);
      g.lineTo(l.to[0] * sx, l.to[1] * sy);
      g.stroke();
      g.fillStyle = '#0b6bcb';
      g.fillText(l.name, l.from[0] * sx + 4, l.from[1] * sy - 4);
    }
    const cap = document.createElement('figcaption');
    cap.className = 'muted';
    const until = c.until ? new Date(c.until).toLocaleTimeString(locale(), { timeZone: heat.time_zone, hour: '2-digit', minute: '2-digit' }) : '–';
    cap.textContent = `${c.camera} · ${t('heat_until')} ${until}`;
    fig.append(canvas, cap);
    return fig;
  }));
}

async function refreshHeat() {
  try {
    const res = await fetch('/api/v1/heatmap', { credentials: 'same-origin' });
    if (res.ok) heat = await res.json();
    renderHeat();
  } catch (e) { /* the next round tries again */ }
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

const fetchToday = () => Promise.all([fetch('/api/v1/today', { credentials: 'same-origin' }),
  fetch('/api/v1/health', { credentials: 'same-origin' })]);
// Asked for as soon as this script runs (it comes before the chart library), not at DOMContentLoaded.
const firstFetch = fetchToday();

async function refresh(pending) {
  try {
    const [res, h] = await (pending || fetchToday());
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
    renderHeat();
  });
  refresh(firstFetch);
  refreshHeat();
  listen();
  setInterval(() => refresh(), 30000);
  setInterval(refreshHeat, 60000);
  let width = window.innerWidth;
  window.addEventListener('resize', () => {
    if (window.innerWidth === width) return;  // a phone's address bar hiding is not a resize
    width = window.innerWidth;
    if (last) render(last);
    renderHeat();
  });
});
