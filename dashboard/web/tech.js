// SPDX-License-Identifier: Apache-2.0
// The technician's page: sign in with the configured password, take a snapshot from each camera
// (shown here only, never stored), draw and edit its counting lines and zones over it, save them
// (checked and applied by the box without a restart), and watch the counts they give. Below:
// every POS source and the broker, each with a test button.
'use strict';

const TEXT = {
  zh: {
    title: '安装调试', sign_in: '登录', password: '技术员密码', wrong: '密码错误', sign_out: '退出',
    sources: '收银数据源', broker: '总部 MQTT', test: '测试连接', testing: '正在测试…', snapshot: '拍摄画面',
    add_line: '+ 计数线', add_zone: '+ 区域', finish_zone: '完成区域', save: '保存并应用', saved: '已保存并应用',
    live_counts: '实时计数', since: '自设定起', tracks: '画面中人数', in: '进', out: '出', people: '人',
    privacy: '画面只显示在本页，不保存、不上传', tap_line: '在画面上点两下：起点、终点（箭头指向“进”的一侧）',
    tap_zone: '在画面上依次点出区域的角，然后点“完成区域”', drag: '拖动端点调整；修改后请保存',
    flip: '反向', remove: '删除', staff_only: '员工区', entrance: '入口', passby: '店外路过', internal: '店内', staff: '员工通道',
    online: '在线', offline: '离线', fps: '帧/秒', no_frame: '还没有画面', connected: '已连接', disconnected: '未连接',
    other: 'EN', unsaved: '有未保存的修改', no_cameras: '未配置摄像头', acknowledged: '条已确认', waiting: '条待发送',
    audit: '计数准确度审核', changes: '配置变更记录', no_changes: '还没有配置变更',
    hq: '总部', file: '配置文件', technician: '技术员', applied: '已应用', rolled_back: '已撤销', rejected: '已拒绝',
    restarting: '重启应用', applying: '检查中',
    minimal_title: '配置无法加载：设备未在计数', minimal_help: '请在下方“全部设置”中修正以下错误并应用，或修正配置文件后执行 systemctl reload kelu。',
  },
  en: {
    title: 'Installation', sign_in: 'Sign in', password: 'Technician password', wrong: 'Wrong password',
    sign_out: 'Sign out', sources: 'POS sources', broker: 'HQ MQTT', test: 'Test connection', testing: 'Testing…',
    snapshot: 'Take snapshot', add_line: '+ Line', add_zone: '+ Zone', finish_zone: 'Finish zone',
    save: 'Save and apply', saved: 'Saved and applied', live_counts: 'Live counts', since: 'since set',
    tracks: 'people in view', in: 'in', out: 'out', people: 'people',
    privacy: 'the picture is shown on this page only: never stored or uploaded',
    tap_line: 'Tap twice on the picture: start, then end (the arrow points to the "in" side)',
    tap_zone: 'Tap the zone\'s corners in turn, then "Finish zone"', drag: 'Drag the ends to adjust; save when done',
    flip: 'Flip', remove: 'Delete', staff_only: 'staff only', entrance: 'entrance', passby: 'passers-by outside',
    internal: 'inside', staff: 'staff door', online: 'online', offline: 'offline', fps: 'fps', no_frame: 'no picture yet',
    connected: 'connected', disconnected: 'not connected', other: '中文', unsaved: 'unsaved changes',
    no_cameras: 'No cameras configured', acknowledged: 'acknowledged', waiting: 'waiting',
    audit: 'Counting accuracy audit', changes: 'Configuration changes', no_changes: 'No configuration changes yet',
    hq: 'HQ', file: 'config file', technician: 'technician', applied: 'applied', rolled_back: 'undone',
    rejected: 'refused', restarting: 'applied by a restart', applying: 'checking',
    minimal_title: 'The configuration does not load: this box counts nothing',
    minimal_help: 'Fix these in "All settings" below and apply, or fix the file and run systemctl reload kelu.',
  },
};

let lang = localStorage.getItem('kelu.lang') || (document.documentElement.lang === 'en' ? 'en' : 'zh');
const $ = (id) => document.getElementById(id);
const t = (key) => TEXT[lang][key] || key;
const cams = new Map();  // id -> editor state
let timer = null;

function renderStatic() {
  document.documentElement.lang = lang;
  document.querySelectorAll('[data-t]').forEach((el) => { el.textContent = t(el.dataset.t); });
  document.querySelectorAll('[data-ph]').forEach((el) => { el.placeholder = t(el.dataset.ph); });
  $('lang').textContent = t('other');
}

async function api(path, body) {
  const res = await fetch(path, body === undefined ? { credentials: 'same-origin' } : {
    method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 401) { showLogin(); throw new Error('signed out'); }
  return res;
}

function showLogin() {
  $('login').hidden = false;
  $('work').hidden = true;
  if (timer) clearInterval(timer);
  timer = null;
}

// ---- the editor: frame pixels in the model, CSS pixels on the canvas ----

function nextName(prefix, taken) {
  for (let i = 1; ; i += 1) {
    const name = i === 1 ? prefix : `${prefix}${i}`;
    if (!taken.some((e) => e.name === name)) return name;
  }
}

function frameSize(c) {
  if (c.bitmap) return [c.bitmap.width, c.bitmap.height];
  return c.frame || [640, 480];
}

function toFrame(c, ev) {
  const r = c.canvas.getBoundingClientRect();
  const [fw, fh] = frameSize(c);
  const x = Math.min(fw, Math.max(0, ((ev.clientX - r.left) / r.width) * fw));
  const y = Math.min(fh, Math.max(0, ((ev.clientY - r.top) / r.height) * fh));
  return [Math.round(x), Math.round(y)];
}

function draw(c) {
  const [fw, fh] = frameSize(c);
  const w = Math.max(c.canvas.clientWidth, 200);  // CSS: the card's width
  const h = Math.round((w * fh) / fw);
  const dpr = window.devicePixelRatio || 1;
  if (c.canvas.width !== Math.round(w * dpr)) {
    c.canvas.width = Math.round(w * dpr);
    c.canvas.height = Math.round(h * dpr);
    c.canvas.style.height = `${h}px`;
  }
  const g = c.canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.fillStyle = '#d0d5dd';
  g.fillRect(0, 0, w, h);
  if (c.bitmap) g.drawImage(c.bitmap, 0, 0, w, h);
  const s = w / fw;
  const P = ([x, y]) => [x * s, y * s];
  g.font = '13px system-ui, sans-serif';
  c.zones.forEach((z) => {
    g.strokeStyle = z.staff_only ? '#7a5af8' : '#f79009';
    g.fillStyle = z.staff_only ? 'rgba(122,90,248,0.18)' : 'rgba(247,144,9,0.18)';
    g.lineWidth = 2;
    g.beginPath();
    z.polygon.forEach((p, k) => (k ? g.lineTo(...P(p)) : g.moveTo(...P(p))));
    g.closePath();
    g.fill();
    g.stroke();
    z.polygon.forEach((p) => handle(g, P(p), g.strokeStyle));
    g.fillStyle = '#101828';
    g.fillText(z.name, P(z.polygon[0])[0] + 6, P(z.polygon[0])[1] + 16);
  });
  c.lines.forEach((l) => {
    const a = P(l.from);
    const b = P(l.to);
    g.strokeStyle = '#12b76a';
    g.lineWidth = 3;
    g.beginPath();
    g.moveTo(...a);
    g.lineTo(...b);
    g.stroke();
    // The "in" side: right-hand of from->to in image coordinates (y down).
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const len = Math.hypot(dx, dy) || 1;
    const m = [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    const n = [-dy / len, dx / len];
    const tip = [m[0] + n[0] * 26, m[1] + n[1] * 26];
    g.beginPath();
    g.moveTo(...m);
    g.lineTo(...tip);
    g.lineTo(tip[0] - n[0] * 8 + (dx / len) * 6, tip[1] - n[1] * 8 + (dy / len) * 6);
    g.moveTo(...tip);
    g.lineTo(tip[0] - n[0] * 8 - (dx / len) * 6, tip[1] - n[1] * 8 - (dy / len) * 6);
    g.stroke();
    handle(g, a, '#12b76a');
    handle(g, b, '#12b76a');
    g.fillStyle = '#101828';
    g.fillText(`${l.name} (${t('in')})`, tip[0] + 4, tip[1] + 4);
  });
  if (c.pending.length) {
    g.strokeStyle = '#f04438';
    g.lineWidth = 2;
    g.beginPath();
    c.pending.forEach((p, k) => (k ? g.lineTo(...P(p)) : g.moveTo(...P(p))));
    g.stroke();
    c.pending.forEach((p) => handle(g, P(p), '#f04438'));
  }
}

function handle(g, [x, y], colour) {
  g.fillStyle = '#fff';
  g.strokeStyle = colour;
  g.lineWidth = 2;
  g.beginPath();
  g.arc(x, y, 6, 0, 2 * Math.PI);
  g.fill();
  g.stroke();
}

function points(c) {
  const out = [];
  c.lines.forEach((l, i) => { out.push({ p: l.from, set: (v) => { l.from = v; } }, { p: l.to, set: (v) => { l.to = v; } }); });
  c.zones.forEach((z) => z.polygon.forEach((p, k) => out.push({ p, set: (v) => { z.polygon[k] = v; } })));
  return out;
}

function changed(c) {
  c.dirty = true;
  c.el.querySelector('.save-result').textContent = t('unsaved');
  c.el.querySelector('.save-result').className = 'save-result result';
  draw(c);
  renderElements(c);
}

function setMode(c, mode) {
  c.mode = mode;
  c.pending = [];
  c.el.querySelector('.finish-zone').hidden = mode !== 'zone';
  c.el.querySelector('.hint').textContent = mode === 'line' ? t('tap_line') : mode === 'zone' ? t('tap_zone') : t('drag');
  draw(c);
}

function onDown(c, ev) {
  const at = toFrame(c, ev);
  if (c.mode === 'line') {
    c.pending.push(at);
    if (c.pending.length === 2) {
      c.lines.push({ name: nextName(c.lines.length ? 'line' : 'door', c.lines), from: c.pending[0], to: c.pending[1],
        role: c.lines.length ? 'internal' : 'entrance' });
      setMode(c, null);
      changed(c);
    } else draw(c);
    return;
  }
  if (c.mode === 'zone') {
    c.pending.push(at);
    draw(c);
    return;
  }
  // Drag the nearest end or corner within reach of a finger.
  const [fw] = frameSize(c);
  const reach = (18 * fw) / c.canvas.getBoundingClientRect().width;
  let best = null;
  for (const pt of points(c)) {
    const d = Math.hypot(pt.p[0] - at[0], pt.p[1] - at[1]);
    if (d <= reach && (!best || d < best.d)) best = { ...pt, d };
  }
  if (best) {
    c.drag = best;
    c.canvas.setPointerCapture(ev.pointerId);
    ev.preventDefault();
  }
}

function onMove(c, ev) {
  if (!c.drag) return;
  c.drag.set(toFrame(c, ev));
  draw(c);
}

function onUp(c) {
  if (!c.drag) return;
  c.drag = null;
  changed(c);
}

function field(tag, props) {
  const el = document.createElement(tag);
  Object.assign(el, props);
  return el;
}

function renderElements(c) {
  const list = c.el.querySelector('.elements');
  const items = [];
  c.lines.forEach((l, i) => {
    const li = document.createElement('li');
    const name = field('input', { value: l.name, className: 'name', maxLength: 64 });
    name.addEventListener('change', () => { l.name = name.value.trim(); changed(c); });
    const role = field('select', { className: 'role' });
    for (const r of ['entrance', 'passby', 'internal', 'staff']) role.append(field('option', { value: r, textContent: t(r), selected: l.role === r }));
    role.addEventListener('change', () => { l.role = role.value; changed(c); });
    const flip = field('button', { type: 'button', textContent: t('flip') });
    flip.addEventListener('click', () => { [l.from, l.to] = [l.to, l.from]; changed(c); });
    const del = field('button', { type: 'button', textContent: t('remove') });
    del.addEventListener('click', () => { c.lines.splice(i, 1); changed(c); });
    li.append('— ', name, role, flip, del);
    items.push(li);
  });
  c.zones.forEach((z, i) => {
    const li = document.createElement('li');
    const name = field('input', { value: z.name, className: 'name', maxLength: 64 });
    name.addEventListener('change', () => { z.name = name.value.trim(); changed(c); });
    const staff = field('input', { type: 'checkbox', checked: z.staff_only });
    staff.addEventListener('change', () => { z.staff_only = staff.checked; changed(c); });
    const label = field('label', {});
    label.append(staff, ` ${t('staff_only')}`);
    const del = field('button', { type: 'button', textContent: t('remove') });
    del.addEventListener('click', () => { c.zones.splice(i, 1); changed(c); });
    li.append('▱ ', name, label, del);
    items.push(li);
  });
  list.replaceChildren(...items);
}

async function snapshot(c) {
  const btn = c.el.querySelector('.snap');
  btn.disabled = true;
  try {
    const res = await api(`/tech/api/snapshot?camera=${encodeURIComponent(c.id)}`);
    if (!res.ok) {
      c.el.querySelector('.hint').textContent = (await res.json()).error;
      return;
    }
    c.bitmap = await createImageBitmap(await res.blob());
    c.canvas.width = 0;  // size again for the picture
    draw(c);
    c.el.dataset.snapshot = 'shown';
  } finally {
    btn.disabled = false;
  }
}

async function save(c) {
  const out = c.el.querySelector('.save-result');
  const body = { lines: c.lines, zones: c.zones };
  const res = await api(`/tech/api/geometry?camera=${encodeURIComponent(c.id)}`, body);
  const answer = await res.json();
  if (res.ok) {
    c.dirty = false;
    out.textContent = t('saved');
    out.className = 'save-result result ok';
  } else {
    out.textContent = answer.error;
    out.className = 'save-result result flag';
  }
}

function cameraCard(cam) {
  const el = $('camera-card').content.firstElementChild.cloneNode(true);
  const c = { id: cam.id, el, canvas: el.querySelector('canvas'), frame: cam.frame, bitmap: null, mode: null, pending: [],
    drag: null, dirty: false, lines: structuredClone(cam.lines), zones: structuredClone(cam.zones) };
  el.dataset.camera = cam.id;
  el.querySelector('.cam-title').textContent = cam.id;
  el.querySelector('.snap').addEventListener('click', () => snapshot(c));
  el.querySelector('.add-line').addEventListener('click', () => setMode(c, 'line'));
  el.querySelector('.add-zone').addEventListener('click', () => setMode(c, 'zone'));
  el.querySelector('.finish-zone').addEventListener('click', () => {
    if (c.pending.length >= 3) {
      c.zones.push({ name: nextName('zone', c.zones), polygon: c.pending, staff_only: false });
      setMode(c, null);
      changed(c);
    }
  });
  el.querySelector('.save').addEventListener('click', () => save(c));
  c.canvas.addEventListener('pointerdown', (ev) => onDown(c, ev));
  c.canvas.addEventListener('pointermove', (ev) => onMove(c, ev));
  c.canvas.addEventListener('pointerup', () => onUp(c));
  c.canvas.addEventListener('pointercancel', () => onUp(c));
  return c;
}

function renderCounts(c, cam) {
  const h = cam.health || {};
  c.el.querySelector('.cam-health').textContent = `${cam.url} · ${t(h.state === 'online' ? 'online' : 'offline')}` +
    (h.processed_fps_milli !== undefined ? ` · ${(h.processed_fps_milli / 1000).toFixed(1)} ${t('fps')}` : '') +
    (h.last_error ? ` · ${h.last_error}` : '');
  if (!c.frame && cam.frame) { c.frame = cam.frame; draw(c); }
  const n = cam.counts;
  if (!n) return;
  c.el.querySelector('.counts-since').textContent = `${t('since')} ${Math.round(n.since_s)} s · ${t('tracks')} ${n.tracks}`;
  const rows = [];
  for (const l of n.lines) rows.push([l.name, `${t('in')} ${l.in}`, `${t('out')} ${l.out}`]);
  for (const z of n.zones) rows.push([z.name, `${z.people} ${t('people')}`, '']);
  c.el.querySelector('.counts tbody').replaceChildren(...rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.name = r[0];
    for (const v of r) tr.append(field('td', { textContent: v }));
    return tr;
  }));
}

// Rows are kept by source id, not rebuilt: a connection test may answer after the next poll, and
// its result must land on the row the technician is looking at.
function renderSources(state) {
  const rows = new Map([...$('sources').children].map((li) => [li.dataset.source, li]));
  $('sources').replaceChildren(...state.sources.map((s) => {
    let li = rows.get(s.source);
    if (!li) {
      li = document.createElement('li');
      li.dataset.source = s.source;
      const out = field('p', { className: 'result' });
      const btn = field('button', { type: 'button' });
      btn.addEventListener('click', () => runTest(`source:${s.source}`, out));
      li.append(field('span'), btn, out);
    }
    li.children[0].textContent = `${s.source} (${s.driver}) · ${s.accepted} `;
    li.children[1].textContent = t('test');
    return li;
  }));
  const b = state.broker;
  $('broker').textContent = `${b.uri} · ${b.connected ? t('connected') : t('disconnected')} · ` +
    `${b.acknowledged} ${t('acknowledged')} · ${b.outbox_rows} ${t('waiting')}`;
}

// The box's configuration history: who changed what, and what became of it (newest first).
function renderChanges(state) {
  const rows = state.changes || [];
  if (!rows.length) {
    $('changes').replaceChildren(field('li', { className: 'muted', textContent: t('no_changes') }));
    return;
  }
  $('changes').replaceChildren(...rows.map((c) => {
    const li = document.createElement('li');
    li.dataset.outcome = c.outcome;
    li.dataset.origin = c.origin;
    const when = new Date(c.at).toLocaleString();
    const version = c.version ? ` v${c.version}` : '';
    const why = (c.detail.failures || c.detail.errors || []).join('; ');
    li.append(field('span', { textContent: `${when} · ${t(c.origin)}${version} · ${t(c.outcome)}` }),
      field('p', { className: 'muted', textContent: c.keys.join(', ') + (why ? ` — ${why}` : '') }));
    if (c.outcome === 'rolled_back' || c.outcome === 'rejected') li.classList.add('flag');
    return li;
  }));
}

async function runTest(target, out) {
  out.textContent = t('testing');
  out.className = 'result';
  const res = await api(`/tech/api/test?target=${encodeURIComponent(target)}`, {});
  const r = await res.json();
  out.textContent = r.detail || r.error;
  out.className = `result ${r.ok ? 'ok' : 'flag'}`;
}

async function poll() {
  let state;
  try {
    const res = await api('/tech/api/state');
    state = await res.json();
  } catch (e) {
    return;
  }
  $('login').hidden = true;
  $('work').hidden = false;
  $('store').textContent = state.store.name || state.store.id;
  $('status').textContent = new Date().toLocaleTimeString();
  if (!state.cameras.length && !$('cameras').childElementCount) {
    $('cameras').append(field('p', { className: 'card muted', textContent: t('no_cameras') }));
  }
  for (const cam of state.cameras) {
    if (!cams.has(cam.id)) {
      const c = cameraCard(cam);
      cams.set(cam.id, c);
      $('cameras').append(c.el);
      renderStatic();
      renderElements(c);
      setMode(c, null);
    }
    renderCounts(cams.get(cam.id), cam);
  }
  renderSources(state);
  renderChanges(state);
  $('minimal').hidden = !state.minimal;
  if (state.minimal) $('minimal-errors').replaceChildren(...state.minimal.errors.map((e) => field('li', { textContent: e })));
  auditCameras(state.cameras);  // audit.js
  if (!timer) {
    timer = setInterval(poll, 1000);
    settingsLoad();  // settings.js: once per sign-in, not every second (it would undo the technician's typing)
  }
}

document.addEventListener('DOMContentLoaded', () => {
  renderStatic();
  $('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('kelu.lang', lang);
    renderStatic();
    for (const c of cams.values()) { renderElements(c); setMode(c, c.mode); }
  });
  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const res = await fetch('/tech/login', { method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ password: $('password').value }) });
    if (res.ok) {
      $('password').value = '';
      $('login-error').textContent = '';
      poll();
    } else {
      $('login-error').textContent = res.status === 401 ? t('wrong') : (await res.json()).error;
    }
  });
  $('logout').addEventListener('click', async () => {
    await fetch('/tech/logout', { method: 'POST', credentials: 'same-origin' });
    showLogin();
  });
  $('test-broker').addEventListener('click', () => runTest('broker', $('broker-result')));
  window.addEventListener('resize', () => { for (const c of cams.values()) { c.canvas.width = 0; draw(c); } });
  poll();
});
