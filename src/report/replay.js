// The replay page: the run step by step. Reads the data the report embeds (#replay-data) and
// drives the map, the timeline, the event list, the selected event and the queues. No library,
// nothing fetched.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('replay-data').textContent);
  const root = document.getElementById('replay');
  const $ = (id) => document.getElementById(id);
  const SVG = 'http://www.w3.org/2000/svg';
  const PREC = ['', 'ROUTINE', 'PRIORITY', 'IMMEDIATE', 'FLASH', 'FLASH OVERRIDE'];
  const COLOUR = ['#7f7f7f', '#7f7f7f', '#1f77b4', '#ff7f0e', '#d62728', '#d62728'];
  const [AT, ST, KIND, CH, MSG, PR, TEXT, FL1, FL2, UNTIL, SERIAL, QUEUE] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  const events = data.events;
  const epoch = Date.parse(data.epoch);
  const duration = Math.max(data.duration, events.length ? events[events.length - 1][AT] : 0, 1e-3);
  // a transmission on an unpaced line takes no time: keep its dot in view this long
  const visible = Math.max(duration / 300, 1e-3);

  function clock(at) {
    const d = new Date(epoch + Math.round(at * 1000));
    return d.toISOString().substring(11, 19) + 'Z';
  }
  function el(tag, attrs, text, ns) {
    const e = ns ? document.createElementNS(SVG, tag) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // A cable's precedence, for events that do not carry it (ends, acknowledgments).
  const msgPrec = new Map();
  for (const e of events) if (e[MSG] >= 0 && e[PR] > 0 && !msgPrec.has(e[MSG])) msgPrec.set(e[MSG], e[PR]);
  const precOf = (e) => (e[PR] > 0 ? e[PR] : msgPrec.get(e[MSG]) || 0);

  // Transmissions: when each started, ends, and whether it was cut short.
  const transmissions = [];
  const open = new Map();
  events.forEach((e, i) => {
    const key = e[ST] + '>' + e[CH] + '#' + e[SERIAL];
    if (e[KIND] === 'start') {
      const tx = { i, from: e[ST], to: e[CH], at: e[AT], until: e[UNTIL], end: Math.max(e[UNTIL], e[AT] + visible),
        prec: precOf(e), cut: null };
      transmissions.push(tx);
      open.set(key, tx);
    } else if (e[KIND] === 'cancel' && open.has(key)) {
      const tx = open.get(key);
      tx.cut = e[AT];
      tx.end = e[AT] + visible * 4;
    }
  });

  // --- the map ---
  const map = $('map');
  const nodeAt = (station) => data.nodes[data.stationNode[station]];
  for (const [a, b, slow] of data.edges) {
    const na = data.nodes[a], nb = data.nodes[b];
    map.appendChild(el('line', { x1: na[1], y1: na[2], x2: nb[1], y2: nb[2], class: slow ? 'rp-edge rp-slow' : 'rp-edge' },
      undefined, true));
  }
  for (const n of data.nodes) {
    if (n[3]) {
      const w = data.grouped ? 14 : 88, h = data.grouped ? 14 : 30;
      map.appendChild(el('rect', { x: n[1] - w / 2, y: n[2] - h / 2, width: w, height: h, rx: 4, class: 'relay' },
        undefined, true));
    } else {
      map.appendChild(el('circle', { cx: n[1], cy: n[2], r: n[4] ? 6 + 2.2 * Math.sqrt(n[4]) : 10, class: 'post' },
        undefined, true));
    }
    if (!n[0]) continue;
    if (n[4]) {
      // a group of posts: its label runs outwards along the radius, never upside down
      const radius = 6 + 2.2 * Math.sqrt(n[4]) + 6, deg = (n[5] * 180) / Math.PI, left = Math.cos(n[5]) < 0;
      const lx = n[1] + radius * Math.cos(n[5]), ly = n[2] + radius * Math.sin(n[5]);
      map.appendChild(el('text', { x: lx, y: ly, class: 'label', 'dominant-baseline': 'middle',
        'text-anchor': left ? 'end' : 'start', transform: 'rotate(' + (left ? deg + 180 : deg) + ' ' + lx + ' ' + ly + ')' },
      n[0], true));
      continue;
    }
    const below = n[3] ? 6 : n[2] < data.size / 2 ? -18 : 32;
    map.appendChild(el('text', { x: n[1], y: n[2] + below, class: n[3] ? 'label relaytext' : 'label',
      'text-anchor': 'middle' }, n[0], true));
  }
  if (data.grouped) root.classList.add('rp-big');  // a big network: the map takes the page's width
  const dots = el('g', { id: 'map-dots' }, undefined, true);
  map.appendChild(dots);

  function drawDots(t) {
    dots.textContent = '';
    let shown = 0;
    for (const tx of transmissions) {
      if (tx.at > t) break;
      if (t > tx.end) continue;
      const a = nodeAt(data.stations[tx.from]), b = nodeAt(data.stations[tx.to]);
      if (!a || !b || a === b) continue;
      const stop = tx.cut !== null ? Math.min(t, tx.cut) : t;
      const span = tx.until - tx.at;
      const f = span > 0 ? Math.min(1, (stop - tx.at) / span) : 0.5;
      const x = a[1] + (b[1] - a[1]) * f, y = a[2] + (b[2] - a[2]) * f;
      if (tx.cut !== null && t >= tx.cut) {
        dots.appendChild(el('circle', { cx: x, cy: y, r: 10, class: 'rp-cut', stroke: COLOUR[tx.prec] }, undefined, true));
        dots.appendChild(el('text', { x: x, y: y + 6, class: 'rp-cut-mark', 'text-anchor': 'middle' }, '✕', true));
      } else {
        dots.appendChild(el('circle', { cx: x, cy: y, r: 9, fill: COLOUR[tx.prec], class: 'rp-dot' }, undefined, true));
      }
      ++shown;
    }
    root.dataset.moving = shown;
  }

  // --- filters and the event list ---
  const kinds = [...new Set(events.map((e) => e[KIND]))].sort();
  for (const k of kinds) $('filter-kind').appendChild(el('option', { value: k }, k));
  const actors = [...new Set(events.map((e) => e[ST]))].map((s) => data.stations[s]).sort();
  for (const s of actors) $('filter-station').appendChild(el('option', { value: s }, s));
  for (let p = 5; p >= 1; --p) $('filter-prec').appendChild(el('option', { value: p }, PREC[p]));

  let shown = [];  // indices of the events the filters let through
  function applyFilters() {
    const kind = $('filter-kind').value, station = $('filter-station').value, prec = Number($('filter-prec').value);
    shown = [];
    events.forEach((e, i) => {
      if (kind && e[KIND] !== kind) return;
      if (station && data.stations[e[ST]] !== station && data.stations[e[CH]] !== station) return;
      if (prec && precOf(e) !== prec) return;
      shown.push(i);
    });
    root.dataset.shown = shown.length;
    renderList();
  }

  const list = $('events');
  function renderList() {
    list.textContent = '';
    // the rows around the current event: the list stays quick with 60,000 events
    let pos = lowerBound(shown, cursor + 1) - 1;
    const from = Math.max(0, pos - 60), to = Math.min(shown.length, from + 200);
    for (let k = from; k < to; ++k) {
      const i = shown[k], e = events[i];
      const tr = el('tr', { 'data-i': i, class: (i === selected ? 'rp-selected ' : '') + (i <= cursor ? 'rp-past' : '') });
      tr.appendChild(el('td', {}, clock(e[AT])));
      tr.appendChild(el('td', {}, data.stations[e[ST]]));
      const kindCell = el('td', { class: 'rp-kind' }, e[KIND]);
      const p = precOf(e);
      if (p) kindCell.style.borderLeft = '6px solid ' + COLOUR[p];
      tr.appendChild(kindCell);
      tr.appendChild(el('td', {}, e[TEXT]));
      tr.addEventListener('click', () => select(i, true));
      list.appendChild(tr);
    }
    // keep the current row in view inside the list, without scrolling the page
    const current = list.querySelector('.rp-selected') || list.querySelector('tr:not(.rp-past)');
    const box = list.closest('.rp-list');
    if (current) box.scrollTop = Math.max(0, current.offsetTop - box.clientHeight / 3);
  }
  function lowerBound(a, v) {
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (a[mid] < v) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // --- the selected event: the cable as it left or arrived ---
  function inbound(i) {
    // the copy this station received last before event i, of the same cable
    const e = events[i];
    for (let k = i - 1; k >= 0; --k) {
      const x = events[k];
      if (x[ST] === e[ST] && x[MSG] === e[MSG] && x[KIND] === 'received') return x;
    }
    return null;
  }
  function headingRows(tbody, label, e, before) {
    for (const [line, which] of [[FL1, 'FL1'], [FL2, 'FL2']]) {
      if (!e[line]) continue;
      const changed = before && before[line] && before[line] !== e[line];
      const tr = el('tr', changed ? { class: 'rp-changed' } : {});
      tr.appendChild(el('th', {}, which + ' ' + label));
      tr.appendChild(el('td', { class: 'rp-line', id: 'detail-' + which.toLowerCase() + (before ? '' : '-in') },
        e[line]));
      tbody.appendChild(tr);
    }
  }
  function showDetail(i) {
    const d = $('detail');
    d.textContent = '';
    if (i < 0) {
      d.appendChild(el('p', {}, 'Select an event in the list, or step to one.'));
      return;
    }
    const e = events[i];
    d.appendChild(el('p', { class: 'rp-what' }, clock(e[AT]) + '  ' + e[TEXT]));
    const table = el('table', { class: 'rp-heading' });
    const before = e[KIND] === 'start' ? inbound(i) : null;
    if (before) headingRows(table, 'as it arrived at ' + data.stations[e[ST]], before, null);
    const verb = { start: 'as it leaves ' + data.stations[e[ST]], received: 'as it arrived at ' + data.stations[e[ST]],
      delivered: 'as delivered at ' + data.stations[e[ST]], filed: 'as filed' }[e[KIND]] || '';
    headingRows(table, verb, e, before || {});
    if (table.childNodes.length) d.appendChild(table);
    if (e[MSG] >= 0 && data.explained[e[MSG]]) {
      d.appendChild(el('p', { class: 'small' }, 'The rest of ' + data.labels[e[MSG]] +
        ', line by line (the same at every hop):'));
      d.appendChild(el('pre', { class: 'rp-explained' }, data.explained[e[MSG]]));
    }
  }

  // --- the queues at this instant ---
  function showQueues() {
    const latest = new Map();
    for (let i = 0; i <= cursor; ++i) {
      const e = events[i];
      if (e[KIND] === 'queue') latest.set(data.stations[e[ST]] + ' → ' + data.stations[e[CH]], e[QUEUE]);
    }
    const q = $('queues');
    q.textContent = '';
    let rows = 0;
    for (const [channel, depth] of [...latest.entries()].sort()) {
      const total = depth.reduce((a, b) => a + b, 0);
      if (!total) continue;
      const tr = el('tr');
      tr.appendChild(el('td', {}, channel));
      const cell = el('td');
      for (let p = 5; p >= 1; --p) {
        if (!depth[p]) continue;
        cell.appendChild(el('span', { class: 'rp-q', style: 'background:' + COLOUR[p] }, depth[p] + ' ' + PREC[p]));
      }
      tr.appendChild(cell);
      q.appendChild(tr);
      ++rows;
    }
    if (!rows) q.appendChild(el('tr')).appendChild(el('td', { colspan: 2 }, 'No copy is waiting on any channel.'));
  }

  // --- time ---
  let t = 0, cursor = -1, selected = -1, playing = false, last = 0;
  function cursorAt(time) {
    let lo = 0, hi = events.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (events[mid][AT] <= time) lo = mid + 1; else hi = mid;
    }
    return lo - 1;
  }
  function setTime(time, fromScrubber) {
    t = Math.max(0, Math.min(duration, time));
    const c = cursorAt(t);
    const moved = c !== cursor;
    cursor = c;
    $('clock').textContent = clock(t);
    if (!fromScrubber) $('scrub').value = Math.round((t / duration) * 1000);
    root.dataset.cursor = cursor;
    drawDots(t);
    if (moved) {
      showQueues();
      renderList();
      if (!playing) showDetail(selected >= 0 ? selected : cursor);
    }
  }
  function select(i, pause) {
    if (pause) setPlaying(false);
    selected = i;
    root.dataset.selected = i;
    setTime(events[i][AT]);
    cursor = i;  // several events share an instant: the selected one is the current one
    root.dataset.cursor = cursor;
    renderList();
    showQueues();
    showDetail(i);
  }
  function step(dir) {
    setPlaying(false);
    const pos = lowerBound(shown, (selected >= 0 ? selected : cursor) + (dir > 0 ? 1 : 0));
    const k = dir > 0 ? pos : pos - 1;
    if (k >= 0 && k < shown.length) select(shown[k], true);
  }
  function setPlaying(on) {
    playing = on;
    $('play').textContent = on ? '❚❚ Pause' : '▶ Play';
    root.dataset.playing = on ? '1' : '0';
    if (on) {
      selected = -1;
      if (t >= duration) setTime(0);
      last = performance.now();
      requestAnimationFrame(frame);
    }
  }
  function frame(now) {
    if (!playing) return;
    const dt = (now - last) / 1000;
    last = now;
    setTime(t + dt * Number($('speed').value));
    if (t >= duration) {
      setPlaying(false);
      showDetail(cursor);
      return;
    }
    requestAnimationFrame(frame);
  }

  // speeds: simulated seconds per second; the default plays the run in about a minute
  const speeds = [0.1, 1, 10, 60, 600, 3600, 36000];
  const fit = duration / 60;
  let best = speeds[0];
  for (const s of speeds) if (Math.abs(Math.log(s / fit)) < Math.abs(Math.log(best / fit))) best = s;
  for (const s of speeds)
    $('speed').appendChild(el('option', s === best ? { value: s, selected: '' } : { value: s }, s + '×'));

  $('play').addEventListener('click', () => setPlaying(!playing));
  $('step-fwd').addEventListener('click', () => step(1));
  $('step-back').addEventListener('click', () => step(-1));
  $('scrub').addEventListener('input', (ev) => {
    setPlaying(false);
    selected = -1;
    setTime((Number(ev.target.value) / 1000) * duration, true);
  });
  for (const id of ['filter-kind', 'filter-station', 'filter-prec']) $(id).addEventListener('change', applyFilters);
  document.addEventListener('keydown', (ev) => {
    if (ev.target.tagName === 'SELECT' || ev.target.tagName === 'INPUT') return;
    if (ev.key === ' ') { ev.preventDefault(); setPlaying(!playing); }
    if (ev.key === 'ArrowRight') step(1);
    if (ev.key === 'ArrowLeft') step(-1);
  });

  applyFilters();
  setTime(0);
  showDetail(-1);
  root.dataset.ready = '1';
})();
