// SPDX-License-Identifier: Apache-2.0
// Every setting of the box on the technician's page (docs/dashboard.md, "Settings"): the key
// table's sections, each key with its value, where it comes from (file, technician, HQ, default),
// its range and what changing it does (live, a component rebuilt, a restart). Changes are checked
// by the box first (the same validation as the file, a diff of every value, what rebuilds, what
// needs a restart, which keys HQ sets) and only then applied; the box's health gate judges the
// change and undoes it if what changed does not come up. Secrets are never sent to the page: a
// password field left empty keeps the box's. Uses tech.js's api(), field(), t() and lang.
'use strict';

const SETTINGS_TEXT = {
  zh: {
    settings: '全部设置', preview: '检查修改', discard: '放弃修改', apply: '应用修改', checking: '正在检查…',
    applying: '正在应用，等待各部件恢复正常…', find: '查找设置', unchanged: '（不变）', reset: '恢复为配置文件的值',
    origin_file: '配置文件', origin_technician: '本页设置', origin_hq: '总部', origin_local: '本地（偏离总部）',
    origin_default: '默认', live: '立即生效', rebuild: (c) => `重建 ${c}`, restart: '需要重启',
    no_edits: '没有修改', diff: '将修改：', effects_live: '全部立即生效', rebuilds: (l) => `将重建：${l}`,
    restarts: (l) => `将重启设备：${l}`, drift: (l) => `总部设定了 ${l}：本页的值在总部下次下发前有效`,
    errors: '无法应用：', add: (what) => `+ ${what}`, remove: '删除', lines_zones: (l, z) => `${l} 条计数线、${z} 个区域（在摄像头卡片上绘制）`,
    result_applied: (r) => `已应用${r.length ? `，已重建 ${r.join('、')}` : ''}`, result_restarting: '已应用，设备正在重启…',
    result_rolled_back: (w) => `未通过检查，已撤销：${w}`, result_rejected: (w) => `已拒绝：${w}`,
    result_busy: '另一项修改正在检查，请稍后再试', result_saved: (w) => `已保存；配置仍无法加载，还需修正：${w}`, result_timeout: '仍在检查，请看下方的变更记录', help:
      '修改后先点“检查修改”，设备会列出每项变化和影响；应用后若相关部件未能恢复，设备会自动撤销。密码留空即保持不变。',
    required: '必填', default_is: '默认', starts: '配置将可加载：应用后设备开始计数', element: { cameras: '摄像头', counters: '客流计数器', alerts: '告警规则' },
  },
  en: {
    settings: 'All settings', preview: 'Check changes', discard: 'Discard changes', apply: 'Apply changes',
    checking: 'Checking…', applying: 'Applying; waiting for what changed to come up…', find: 'Find a setting',
    unchanged: '(unchanged)', reset: 'Back to the config file\'s value', origin_file: 'config file',
    origin_technician: 'set here', origin_hq: 'HQ', origin_local: 'local (drifts from HQ)', origin_default: 'default',
    live: 'live', rebuild: (c) => `rebuilds ${c}`, restart: 'needs a restart', no_edits: 'Nothing changed',
    diff: 'Will change:', effects_live: 'All applied live', rebuilds: (l) => `Rebuilds: ${l}`,
    restarts: (l) => `Restarts the box: ${l}`, drift: (l) => `HQ sets ${l}: your value runs until HQ's next version`,
    errors: 'Cannot apply:', add: (what) => `+ ${what}`, remove: 'Remove',
    lines_zones: (l, z) => `${l} lines, ${z} zones (drawn on the camera's card)`,
    result_applied: (r) => `Applied${r.length ? `; rebuilt ${r.join(', ')}` : ''}`,
    result_restarting: 'Applied; the box is restarting…', result_rolled_back: (w) => `Did not come up, undone: ${w}`,
    result_rejected: (w) => `Refused: ${w}`, result_busy: 'Another change is being checked; try again shortly',
    result_saved: (w) => `Saved; the configuration still does not load, still to fix: ${w}`,
    result_timeout: 'Still being checked: see the changes below', help:
      'Change what you need, then "Check changes": the box lists every change and what it does. A change whose parts do not come up is undone by the box. Leave a password empty to keep it.',
    required: 'required', default_is: 'default', starts: 'The configuration will load: applying starts the agent', element: { cameras: 'camera', counters: 'people counter', alerts: 'alert rule' },
  },
};
const st = (key, ...a) => { const v = SETTINGS_TEXT[lang][key]; return typeof v === 'function' ? v(...a) : v; };

const settingsState = { keys: [], elements: {}, edits: {}, resets: new Set(), arrays: {}, section: null };

// "sources.pos_tcp.port" -> "sources.pos_tcp"; "mqtt.uri" -> "mqtt"; "cameras" -> "cameras".
function sectionOf(key) {
  const parts = key.split('.');
  return parts[0] === 'sources' && parts.length > 2 ? `${parts[0]}.${parts[1]}` : parts[0];
}
const leafOf = (key, section) => (!section || key === section ? key : key.slice(section.length + 1));
const isSecret = (row) => row.value === '***';
const isArray = (row) => row.type.startsWith('array of') && !!settingsState.elements[row.key];

async function settingsLoad() {
  const res = await api('/tech/api/settings');
  const s = await res.json();
  settingsState.keys = s.keys;
  settingsState.elements = s.elements;
  settingsState.edits = {};
  settingsState.resets = new Set();
  settingsState.arrays = {};
  for (const row of s.keys) if (isArray(row)) settingsState.arrays[row.key] = JSON.parse(JSON.stringify(row.value));
  const sections = [...new Set(s.keys.map((k) => sectionOf(k.key)))];
  if (!settingsState.section) settingsState.section = sections[0];
  $('settings-section').replaceChildren(...sections.map((n) => field('option', { value: n, textContent: n })));
  $('settings-section').value = settingsState.section;
  renderSettings();
}

function originBadge(origin) {
  return field('span', { className: `origin origin-${origin}`, textContent: st(`origin_${origin}`) });
}

function reloadNote(row) {
  if (row.reload === 'restart') return `${st('restart')}: ${row.reason}`;
  if (row.reload === 'hot') return st('live');
  return row.component ? st('rebuild', row.component) : st('live');
}

// An input for one value of type `row.type`, calling `change(value)` on every edit.
function inputFor(row, value, change) {
  let el;
  if (row.type === 'boolean') {
    el = field('input', { type: 'checkbox', checked: !!value });
    el.addEventListener('change', () => change(el.checked));
    return el;
  }
  if (row.type === 'enum') {
    el = field('select');
    el.append(...row.range.split('|').map((v) => field('option', { value: v, textContent: v })));
    el.value = value ?? '';
    el.addEventListener('change', () => change(el.value));
    return el;
  }
  if (row.type.startsWith('array of strings')) {
    el = field('input', { type: 'text', value: (value || []).join(', ') });
    el.addEventListener('input', () => change(el.value.split(',').map((x) => x.trim()).filter((x) => x)));
    return el;
  }
  const numeric = row.type === 'integer' || row.type === 'number';
  el = field('input', { type: numeric ? 'number' : 'text', value: value ?? '' });
  if (numeric) {
    const [lo, hi] = (row.range || '').split('..');
    if (lo !== undefined && hi !== undefined) { el.min = lo; el.max = hi; }
    if (row.type === 'number') el.step = 'any';
  }
  if (value === '***') { el.type = 'password'; el.value = ''; el.placeholder = st('unchanged'); el.autocomplete = 'new-password'; }
  el.addEventListener('input', () => {
    if (value === '***' && el.value === '') { change('***'); return; }
    change(numeric ? (el.value === '' ? null : Number(el.value)) : el.value);
  });
  return el;
}

function describe(row) {
  const bits = [row.description];
  if (row.range) bits.push(row.range);
  if (row.required) bits.push(st('required'));
  else if (row.default !== null && row.default !== '' && !(Array.isArray(row.default) && !row.default.length))
    bits.push(`${st('default_is')} ${JSON.stringify(row.default)}`);
  return bits.join(' · ');
}

function keyRow(row, section) {
  const div = field('div', { className: 'setting' });
  div.dataset.key = row.key;
  div.dataset.origin = row.origin;
  const id = `s-${row.key}`;
  const label = field('label', { htmlFor: id });
  label.append(field('b', { textContent: leafOf(row.key, section) }), ' ', originBadge(row.origin),
    field('span', { className: `reload reload-${row.reload}`, textContent: reloadNote(row) }));
  const edited = Object.prototype.hasOwnProperty.call(settingsState.edits, row.key);
  const input = inputFor(row, edited ? settingsState.edits[row.key] : row.value, (v) => {
    if (JSON.stringify(v) === JSON.stringify(row.value)) delete settingsState.edits[row.key];
    else settingsState.edits[row.key] = v;
    div.classList.toggle('edited', Object.prototype.hasOwnProperty.call(settingsState.edits, row.key));
  });
  input.id = id;
  div.classList.toggle('edited', edited || settingsState.resets.has(row.key));
  div.append(label, input);
  if (row.origin === 'technician') {
    const back = field('button', { type: 'button', className: 'reset', textContent: st('reset') });
    back.addEventListener('click', () => {
      settingsState.resets.add(row.key);
      delete settingsState.edits[row.key];
      div.classList.add('edited');
    });
    div.append(back);
  }
  div.append(field('p', { className: 'muted', textContent: describe(row) }), field('p', { className: 'flag err' }));
  return div;
}

// One element of cameras, counters or alerts as a small form of its keys.
function elementForm(arrayKey, index) {
  const rows = settingsState.elements[arrayKey];
  const element = settingsState.arrays[arrayKey][index];
  const box = field('fieldset', { className: 'element' });
  box.append(field('legend', { textContent: `${st('element')[arrayKey] || arrayKey} ${element.id || element.name || index + 1}` }));
  for (const row of rows) {
    const leaf = row.key.split('[].')[1];
    if (leaf === 'lines' || leaf === 'zones') continue;
    const div = field('div', { className: 'setting' });
    div.dataset.key = `${arrayKey}[${element.id || element.name || index}].${leaf}`;
    const input = inputFor(row, element[leaf] ?? row.default, (v) => {
      element[leaf] = v;
      settingsState.edits[arrayKey] = settingsState.arrays[arrayKey];
      div.classList.add('edited');
    });
    input.id = `s-${div.dataset.key}`;
    div.append(field('label', { htmlFor: input.id, textContent: leaf }), input,
      field('p', { className: 'muted', textContent: describe(row) }), field('p', { className: 'flag err' }));
    box.append(div);
  }
  if (arrayKey === 'cameras')
    box.append(field('p', { className: 'muted', textContent: st('lines_zones', (element.lines || []).length, (element.zones || []).length) }));
  const remove = field('button', { type: 'button', textContent: st('remove') });
  remove.addEventListener('click', () => {
    settingsState.arrays[arrayKey].splice(index, 1);
    settingsState.edits[arrayKey] = settingsState.arrays[arrayKey];
    renderSettings();
  });
  box.append(remove);
  return box;
}

function arrayEditor(row) {
  const wrap = field('div', { className: 'setting array' });
  wrap.dataset.key = row.key;
  wrap.append(field('p', { className: 'muted', textContent: `${row.description} · ${row.range}` }), originBadge(row.origin));
  settingsState.arrays[row.key].forEach((_, i) => wrap.append(elementForm(row.key, i)));
  const add = field('button', { type: 'button', textContent: st('add', st('element')[row.key] || row.key) });
  add.addEventListener('click', () => {
    const fresh = {};
    for (const r of settingsState.elements[row.key])
      fresh[r.key.split('[].')[1]] = r.required ? (r.type.startsWith('array') ? [] : '') : r.default;
    settingsState.arrays[row.key].push(fresh);
    settingsState.edits[row.key] = settingsState.arrays[row.key];
    renderSettings();
  });
  wrap.append(add, field('p', { className: 'flag err' }));
  return wrap;
}

function renderSettings() {
  if (!settingsState.keys.length) return;
  document.querySelectorAll('[data-st]').forEach((el) => { el.textContent = st(el.dataset.st); });
  $('settings-filter').placeholder = st('find');
  const filter = $('settings-filter').value.trim().toLowerCase();
  const section = settingsState.section;
  const rows = settingsState.keys.filter((k) => (filter ? k.key.toLowerCase().includes(filter) ||
    k.description.toLowerCase().includes(filter) : sectionOf(k.key) === section));
  $('settings-form').replaceChildren(...rows.map((row) => (isArray(row) ? arrayEditor(row) : keyRow(row, filter ? '' : section))));
}

function editBody() {
  const set = {};
  for (const [k, v] of Object.entries(settingsState.edits)) if (!settingsState.resets.has(k)) set[k] = v;
  const body = {};
  if (Object.keys(set).length) body.set = set;
  if (settingsState.resets.size) body.reset = [...settingsState.resets];
  return body;
}

function showErrors(errors) {
  document.querySelectorAll('#settings-form .err').forEach((e) => { e.textContent = ''; });
  const shown = [];
  for (const e of errors) {
    // "technician: sources.pos_tcp.port: value 0 is outside 1..65535": under the field it names.
    const owner = [...document.querySelectorAll('#settings-form [data-key]')]
      .filter((d) => e.includes(`${d.dataset.key}:`) || e.includes(`${d.dataset.key}[`) || e.includes(`${d.dataset.key}.`))
      .sort((a, b) => b.dataset.key.length - a.dataset.key.length)[0];
    if (owner) owner.querySelector('.err').textContent = e;
    shown.push(field('li', { textContent: e }));
  }
  $('settings-errors').replaceChildren(...shown);
}

const shownValue = (v) => (v === null || v === undefined ? '—' : typeof v === 'object' ? JSON.stringify(v) : String(v));

async function settingsPreview() {
  const body = editBody();
  $('settings-plan').hidden = false;
  $('settings-apply').hidden = true;
  $('settings-result').textContent = '';
  if (!body.set && !body.reset) {
    $('settings-diff').replaceChildren(field('li', { textContent: st('no_edits') }));
    $('settings-effects').textContent = '';
    showErrors([]);
    return;
  }
  $('settings-effects').textContent = st('checking');
  const p = await (await api('/tech/api/settings/preview', body)).json();
  showErrors(p.errors || []);
  $('settings-errors-title').hidden = p.ok;
  if (!p.ok) { $('settings-diff').replaceChildren(); $('settings-effects').textContent = ''; return; }
  $('settings-diff').replaceChildren(...(p.changes.length ? p.changes.map((c) => field('li', {
    textContent: `${c.key}: ${shownValue(c.from)} → ${shownValue(c.to)}`,
  })) : [field('li', { textContent: st('no_edits') })]));
  const effects = [];
  if (p.rebuild.length) effects.push(st('rebuilds', p.rebuild.join(', ')));
  if (p.restart.length) effects.push(st('restarts', p.restart.map((r) => `${r.key} (${r.reason})`).join('; ')));
  if (p.starts) effects.push(st('starts'));
  else if (!effects.length && p.changes.length) effects.push(st('effects_live'));
  if (p.drift.length) effects.push(st('drift', p.drift.join(', ')));
  $('settings-effects').textContent = effects.join(' · ');
  $('settings-apply').hidden = !p.changes.length;
}

async function settingsApply() {
  $('settings-apply').hidden = true;
  const out = $('settings-result');
  out.className = 'result';
  out.textContent = st('applying');
  const res = await api('/tech/api/settings/apply', editBody());
  if (res.status === 504) { out.textContent = st('result_timeout'); return; }
  const r = await res.json();
  const why = (r.reason || r.errors || []).join('; ');
  out.dataset.state = r.state;
  out.className = `result ${r.state === 'applied' || r.state === 'restarting' ? 'ok' : 'flag'}`;
  out.textContent = r.state === 'applied' ? st('result_applied', r.rebuilt || [])
    : r.state === 'restarting' ? st('result_restarting') : r.state === 'saved' ? st('result_saved', why)
      : r.state === 'busy' ? st('result_busy') : st(`result_${r.state === 'rolled_back' ? 'rolled_back' : 'rejected'}`, why);
  if (r.state === 'applied' || r.state === 'saved') { $('settings-plan').hidden = true; await settingsLoad(); }
}

document.addEventListener('DOMContentLoaded', () => {
  $('settings-section').addEventListener('change', () => { settingsState.section = $('settings-section').value; renderSettings(); });
  $('settings-filter').addEventListener('input', renderSettings);
  $('settings-preview').addEventListener('click', settingsPreview);
  $('settings-apply').addEventListener('click', settingsApply);
  $('settings-discard').addEventListener('click', () => { $('settings-plan').hidden = true; settingsLoad(); });
  $('lang').addEventListener('click', renderSettings);
});
