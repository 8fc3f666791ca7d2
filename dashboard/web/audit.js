// SPDX-License-Identifier: Apache-2.0
// The accuracy audit on the technician's page (docs/dashboard.md, "Accuracy audit"): the box
// records a short clip of what a camera analyses; the technician plays it here (frame by frame
// if need be) and taps each crossing in or out; the box compares the taps with its own count.
// The clip is fetched once with no-store into this page's memory, drawn on a canvas, and
// dropped when the audit ends; the box deletes its copy then too. Uses tech.js's api() and lang.
'use strict';

const AUDIT_TEXT = {
  zh: {
    start: '开始录制', recording: (s) => `正在录制 ${s} 秒…（画面只保存在本机，审核结束即删除）`,
    loading: '正在载入录像…', failed: (e) => `录制失败：${e}`, play: '播放', pause: '暂停', undo: '撤销',
    finish: '完成审核', cancel: '放弃', in: '进', out: '出',
    help: '录制一段画面，在本页播放（可逐帧），每有人越过计数线就点一下“进”或“出”，完成后与设备计数比对。',
    tapped: (n) => `已标注 ${n} 次`, at: (s) => `${s.toFixed(1)} 秒`,
    line_result: (l) => `${l.line}：准确率 ${l.accuracy === null ? '—（录像中无人越线）' : `${(l.accuracy * 100).toFixed(1)}%`}` +
      `（设备：进 ${l.in_box}、出 ${l.out_box}；人工：进 ${l.in_tapped}、出 ${l.out_tapped}）`,
    missed: (c) => `设备漏计：${(c.ms / 1000).toFixed(1)} 秒处 ${c.direction === 'in' ? '进' : '出'}`,
    extra: (c) => `设备多计：${(c.ms / 1000).toFixed(1)} 秒处 ${c.direction === 'in' ? '进' : '出'}`,
    stored: '结果已保存，录像已从设备删除', cancelled: '已放弃，录像已从设备删除',
    comparing: '结果已保存。设备正用各检测器重新计数这段录像，完成后删除录像…',
    compared: '用各检测器把这段录像从头重新计数（互相比较，不与上面的实时计数比较）：',
    detector: (d) => `${d.detector}${d.in_use ? '（当前使用）' : ''}：${d.error ? `无法计数：${d.error}` :
      d.accuracy === null ? '—' : `${(d.accuracy * 100).toFixed(1)}%`}`,
  },
  en: {
    start: 'Record', recording: (s) => `Recording ${s} s… (the clip stays on this box and is deleted when the audit ends)`,
    loading: 'Loading the clip…', failed: (e) => `Recording failed: ${e}`, play: 'Play', pause: 'Pause', undo: 'Undo',
    finish: 'Finish audit', cancel: 'Discard', in: 'in', out: 'out',
    help: 'Record a clip, play it here (frame by frame if need be) and tap "in" or "out" each time someone crosses a line; then compare with what the box counted.',
    tapped: (n) => `${n} tapped`, at: (s) => `${s.toFixed(1)} s`,
    line_result: (l) => `${l.line}: accuracy ${l.accuracy === null ? '— (nobody crossed in the clip)' : `${(l.accuracy * 100).toFixed(1)}%`}` +
      ` (box: ${l.in_box} in, ${l.out_box} out; tapped: ${l.in_tapped} in, ${l.out_tapped} out)`,
    missed: (c) => `missed by the box: ${c.direction} at ${(c.ms / 1000).toFixed(1)} s`,
    extra: (c) => `counted by the box, not tapped: ${c.direction} at ${(c.ms / 1000).toFixed(1)} s`,
    stored: 'Result stored; the clip is deleted from the box', cancelled: 'Discarded; the clip is deleted from the box',
    comparing: 'Result stored. The box is counting the clip again with each detector, then deletes it…',
    compared: 'The clip counted again from scratch by each detector (compare them with each other, not with the live count above):',
    detector: (d) => `${d.detector}${d.in_use ? ' (in use)' : ''}: ${d.error ? `could not count: ${d.error}` :
      d.accuracy === null ? '—' : `${(d.accuracy * 100).toFixed(1)}%`}`,
  },
};
const say = (key, ...args) => {
  const v = AUDIT_TEXT[lang][key];
  return typeof v === 'function' ? v(...args) : v;
};

const audit = { id: null, info: null, clip: null, index: 0, playing: false, taps: [], shown: null };

// Called by tech.js with the cameras it polled.
function auditCameras(cameras) {
  const select = $('audit-camera');
  if (select.options.length === cameras.length) return;
  select.replaceChildren(...cameras.map((c) => Object.assign(document.createElement('option'), { value: c.id, textContent: c.id })));
  $('audit').hidden = cameras.length === 0;
}

function auditStatus(text, cls) {
  $('audit-status').textContent = text;
  $('audit-status').className = `result ${cls || ''}`;
}

async function auditStart() {
  auditReset();
  const seconds = $('audit-seconds').value;
  const res = await api(`/tech/api/audit?camera=${encodeURIComponent($('audit-camera').value)}&seconds=${seconds}`, {});
  const body = await res.json();
  if (!res.ok) { auditStatus(body.error, 'flag'); return; }
  audit.id = body.id;
  auditStatus(say('recording', seconds));
  auditWait();
}

async function auditWait() {
  const res = await api(`/tech/api/audit?id=${audit.id}`);
  const body = await res.json();
  if (!res.ok || body.state === 'failed') { auditStatus(say('failed', body.error), 'flag'); audit.id = null; return; }
  if (body.state === 'recording') { setTimeout(auditWait, 1000); return; }
  audit.info = body;
  auditStatus(say('loading'));
  const clip = await api(`/tech/api/audit/clip?id=${audit.id}`);
  if (!clip.ok) { auditStatus((await clip.json()).error, 'flag'); return; }
  audit.clip = await clip.arrayBuffer();
  auditStatus('');
  auditPlayer();
}

function auditPlayer() {
  const { info } = audit;
  $('audit-player').hidden = false;
  $('audit-seek').max = info.frames.length - 1;
  $('audit-taps').replaceChildren(...info.lines.flatMap((l) => ['in', 'out'].map((dir) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'tap';
    b.dataset.line = l.name;
    b.dataset.direction = dir;
    b.textContent = `${l.name} ${say(dir)}`;
    b.addEventListener('click', () => { audit.taps.push({ line: l.name, direction: dir, frame: audit.index }); auditTapped(); });
    return b;
  })));
  auditTapped();
  auditShow(0);
}

async function auditShow(index) {
  const { info } = audit;
  audit.index = Math.max(0, Math.min(info.frames.length - 1, index));
  $('audit-seek').value = audit.index;
  $('audit-time').textContent = say('at', info.frames[audit.index][2] / 1000);
  const [offset, size] = info.frames[audit.index];
  const bitmap = await createImageBitmap(new Blob([audit.clip.slice(offset, offset + size)], { type: 'image/jpeg' }));
  const canvas = $('audit-canvas');
  const w = Math.max(canvas.clientWidth, 200);
  const h = Math.round((w * info.height) / info.width);
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(w * dpr);
  canvas.height = Math.round(h * dpr);
  canvas.style.height = `${h}px`;
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.drawImage(bitmap, 0, 0, w, h);
  bitmap.close();
  const s = w / info.width;
  g.strokeStyle = '#12b76a';
  g.lineWidth = 3;
  g.font = '13px system-ui, sans-serif';
  g.fillStyle = '#12b76a';
  for (const l of info.lines) {
    g.beginPath();
    g.moveTo(l.from[0] * s, l.from[1] * s);
    g.lineTo(l.to[0] * s, l.to[1] * s);
    g.stroke();
    g.fillText(l.name, l.from[0] * s + 4, l.from[1] * s - 6);
  }
  audit.shown = audit.index;
}

// Plays at the clip's own pace (its frames' capture times), times the chosen speed.
function auditPlay() {
  audit.playing = !audit.playing;
  $('audit-play').textContent = say(audit.playing ? 'pause' : 'play');
  if (!audit.playing) return;
  const frames = audit.info.frames;
  const startMs = frames[audit.index][2];
  const startAt = performance.now();
  const step = () => {
    if (!audit.playing || !audit.info) return;
    const want = startMs + (performance.now() - startAt) * Number($('audit-speed').value);
    let i = audit.index;
    while (i + 1 < frames.length && frames[i + 1][2] <= want) i += 1;
    if (i !== audit.shown) auditShow(i);
    if (i + 1 >= frames.length) { audit.playing = false; $('audit-play').textContent = say('play'); return; }
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
}

function auditTapped() {
  const frames = audit.info.frames;
  $('audit-count').textContent = say('tapped', audit.taps.length);
  $('audit-tapped').replaceChildren(...audit.taps.slice(-5).reverse().map((tap) => Object.assign(document.createElement('li'),
    { textContent: `${say('at', frames[tap.frame][2] / 1000)} · ${tap.line} ${say(tap.direction)}` })));
}

async function auditFinish() {
  audit.playing = false;
  const res = await api(`/tech/api/audit/finish?id=${audit.id}`, { taps: audit.taps });
  const body = await res.json();
  if (!res.ok) { auditStatus(body.error, 'flag'); return; }
  const { id } = audit;
  auditReset();
  auditStatus(say(body.comparison === 'running' ? 'comparing' : 'stored'), 'ok');
  $('audit-result').hidden = false;
  $('audit-lines').replaceChildren(...body.lines.map((l) => {
    const li = Object.assign(document.createElement('li'), { textContent: say('line_result', l) });
    for (const c of l.missed) li.append(Object.assign(document.createElement('div'), { className: 'flag', textContent: say('missed', c) }));
    for (const c of l.extra) li.append(Object.assign(document.createElement('div'), { className: 'flag', textContent: say('extra', c) }));
    return li;
  }));
  if (body.comparison === 'running') auditCompared(id);
}

// Which detector counts this door best, once the box has counted the clip again with each.
async function auditCompared(id) {
  const res = await api(`/tech/api/audit?id=${id}`);
  const body = await res.json();
  if (res.ok && body.state === 'comparing') { setTimeout(() => auditCompared(id), 1000); return; }
  if (!res.ok || !body.comparison) { auditStatus(body.error || '', 'flag'); return; }
  const c = body.comparison;
  auditStatus(say('stored'), 'ok');
  $('audit-compare-title').textContent = say('compared');
  const items = c.detectors.map((d) => Object.assign(document.createElement('li'), { textContent: say('detector', d) }));
  if (c.advice) items.push(Object.assign(document.createElement('li'), { className: 'flag', textContent: c.advice[lang] }));
  $('audit-compare').replaceChildren(...items);
}

async function auditCancel() {
  if (audit.id) await api(`/tech/api/audit/cancel?id=${audit.id}`, {});
  auditReset();
  auditStatus(say('cancelled'));
}

// The clip leaves this page's memory with the audit.
function auditReset() {
  Object.assign(audit, { id: null, info: null, clip: null, index: 0, playing: false, taps: [], shown: null });
  $('audit-player').hidden = true;
  $('audit-result').hidden = true;
  $('audit-compare').replaceChildren();
  $('audit-compare-title').textContent = '';
}

document.addEventListener('DOMContentLoaded', () => {
  const texts = () => {
    $('audit-help').textContent = say('help');
    $('audit-start').textContent = say('start');
    $('audit-play').textContent = say(audit.playing ? 'pause' : 'play');
    $('audit-undo').textContent = say('undo');
    $('audit-finish').textContent = say('finish');
    $('audit-cancel').textContent = say('cancel');
  };
  texts();
  $('lang').addEventListener('click', texts);
  $('audit-start').addEventListener('click', auditStart);
  $('audit-play').addEventListener('click', auditPlay);
  $('audit-back').addEventListener('click', () => auditShow(audit.index - 1));
  $('audit-forward').addEventListener('click', () => auditShow(audit.index + 1));
  $('audit-seek').addEventListener('input', () => auditShow(Number($('audit-seek').value)));
  $('audit-undo').addEventListener('click', () => { audit.taps.pop(); auditTapped(); });
  $('audit-finish').addEventListener('click', auditFinish);
  $('audit-cancel').addEventListener('click', auditCancel);
});
