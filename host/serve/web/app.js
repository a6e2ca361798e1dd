// Calgary Analytica dashboard. Hand-written, no dependencies: every page is
// rendered here from the JSON API of `analytica serve` (/api/...). Charts are
// SVG; every figure (chart point or table cell) opens its lineage: the source
// report, page, bounding box and a crop of the page with the box outlined.
'use strict';

(function () {
  // ------------------------------------------------------------- helpers

  const SVG = 'http://www.w3.org/2000/svg';

  // el('td', {class: 'num', dataset: {key: 'x'}}, 'text', childNode...)
  function el(tag, attrs, ...children) {
    const node = tag.startsWith('svg:') ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'dataset') Object.assign(node.dataset, v);
      else if (k === 'text') node.textContent = v;
      else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  async function getJSON(url) {
    const res = await fetch(url, {headers: {Accept: 'application/json'}});
    let body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (!res.ok) throw new Error((body && body.error) || (res.status + ' ' + res.statusText));
    return body;
  }

  const intFmt = new Intl.NumberFormat('en-CA', {maximumFractionDigits: 0});
  const decFmt = new Intl.NumberFormat('en-CA', {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const money = (v) => (v === null || v === undefined ? '–' : '$' + intFmt.format(v));
  const int = (v) => (v === null || v === undefined ? '–' : intFmt.format(v));
  const dec = (v) => (v === null || v === undefined ? '–' : decFmt.format(v));
  const pct = (v) => (v === null || v === undefined ? '–' : decFmt.format(v) + '%');
  const shortMoney = (v) => (Math.abs(v) >= 1e6 ? '$' + (v / 1e6).toFixed(2) + 'M' : '$' + Math.round(v / 1000) + 'k');

  function duration(s) {
    if (s === null || s === undefined) return '–';
    if (s < 60) return s.toFixed(s < 10 ? 1 : 0) + ' s';
    const m = Math.floor(s / 60);
    return m + ' min ' + Math.round(s % 60) + ' s';
  }

  function showError(container, err) {
    container.replaceChildren(el('p', {class: 'error', text: String(err.message || err)}));
  }

  function setActiveNav(page) {
    for (const a of document.querySelectorAll('nav a')) a.classList.toggle('active', a.dataset.page === page);
  }

  async function refreshBadge() {
    const badge = document.getElementById('health-badge');
    try {
      const h = await getJSON('/api/health');
      badge.textContent = h.status;
      badge.className = 'badge ' + h.status;
      badge.title = h.checks.map((c) => c.name + ': ' + c.message).join('\n');
    } catch (e) {
      badge.textContent = 'unreachable';
      badge.className = 'badge failing';
    }
  }

  // A table whose columns sort on a click of their header. columns:
  // [{label, value(row) -> sortable, render(row) -> Node|string, num}]
  function sortableTable(columns, rows, initial) {
    const table = el('table', {class: 'sortable-table'});
    const thead = el('thead');
    const tbody = el('tbody');
    let sortIndex = initial ? initial.index : -1;
    let dir = initial ? initial.dir : 1;
    const headerRow = el('tr');
    columns.forEach((c, i) => {
      const th = el('th', {class: 'sortable' + (c.num ? ' num' : ''), scope: 'col', text: c.label});
      th.addEventListener('click', () => {
        dir = sortIndex === i ? -dir : 1;
        sortIndex = i;
        draw();
      });
      headerRow.append(th);
    });
    thead.append(headerRow);
    table.append(thead, tbody);
    function draw() {
      const sorted = rows.slice();
      if (sortIndex >= 0) {
        const val = columns[sortIndex].value;
        sorted.sort((a, b) => {
          const x = val(a), y = val(b);
          if (x === y) return 0;
          if (x === null || x === undefined) return 1;
          if (y === null || y === undefined) return -1;
          return (x < y ? -1 : 1) * dir;
        });
      }
      headerRow.querySelectorAll('th').forEach((th, i) => {
        if (i === sortIndex) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
        else th.removeAttribute('aria-sort');
      });
      tbody.replaceChildren(...sorted.map((r) => el('tr', null, columns.map((c) => {
        const content = c.render ? c.render(r) : c.value(r);
        return content instanceof Node && content.tagName === 'TD' ? content
          : el('td', {class: c.num ? 'num' : null}, content);
      }))));
    }
    draw();
    return table;
  }

  // A table cell showing one figure that opens its lineage when clicked.
  function figure(table, key, column, value, format, row, dim) {
    // A total over several records (an aggregated view): no single source, no lineage.
    if (key === undefined || key === null)
      return el('td', {class: 'num', title: 'A total over several records'}, format(value));
    const note = row ? figureNote(row) : null;
    const marks = row ? (unapproved(row) ? ' unapproved ' + row.status : row.fallback ? ' fallback' : '') : '';
    return el('td', {
      class: 'num fig' + marks + (dim ? ' dim' : ''), tabindex: 0,
      title: note ? note + ' — where does this number come from?' : 'Where does this number come from?',
      dataset: {table, key, column, value: value === null || value === undefined ? '' : String(value)},
      onclick: (ev) => openLineage(table, key, column, ev.currentTarget),
      onkeydown: (ev) => { if (ev.key === 'Enter') openLineage(table, key, column, ev.currentTarget); },
    }, format(value));
  }

  // ------------------------------------------------------------- charts

  const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f',
    '#bcbd22'];

  function niceTicks(lo, hi, count) {
    const span = hi - lo || Math.abs(hi) || 1;
    const step0 = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
    const ticks = [];
    for (let t = Math.floor(lo / step) * step; t <= hi + step * 0.5; t += step) ticks.push(t);
    return ticks;
  }

  // Line chart of series [{name, color, points: [{x: 'YYYY-MM', y, key, table, column}]}].
  // Every point is a circle.point carrying its record's table, key and column.
  function lineChart(series, opts) {
    const W = 900, H = opts.height || 340, m = {l: 72, r: 36, t: 12, b: 44};
    const xs = Array.from(new Set(series.flatMap((s) => s.points.map((p) => p.x)))).sort();
    const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter((v) => v !== null && v !== undefined);
    const svg = el('svg:svg', {class: 'chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': opts.label});
    if (!xs.length || !ys.length) {
      svg.append(el('svg:text', {x: W / 2, y: H / 2, 'text-anchor': 'middle'}, 'no data'));
      return svg;
    }
    let lo = Math.min(...ys), hi = Math.max(...ys);
    const pad = (hi - lo) * 0.08 || hi * 0.05 || 1;
    lo -= pad; hi += pad;
    const ticks = niceTicks(lo, hi, 5);
    lo = Math.min(lo, ticks[0]); hi = Math.max(hi, ticks[ticks.length - 1]);
    // Periods to scale ("YYYY-MM" months, "YYYY" years): a missing period
    // shows as a gap and breaks the line.
    const monthIndex = (x) => (/^\d{4}-\d{2}$/.test(x) ? +x.slice(0, 4) * 12 + +x.slice(5, 7) - 1
      : /^\d{4}$/.test(x) ? +x : xs.indexOf(x));
    const first = monthIndex(xs[0]), last = monthIndex(xs[xs.length - 1]);
    const X = (x) => m.l + (last === first ? (W - m.l - m.r) / 2 : (monthIndex(x) - first) * (W - m.l - m.r) / (last - first));
    const Y = (y) => m.t + (1 - (y - lo) / (hi - lo)) * (H - m.t - m.b);
    for (const t of ticks) {
      if (t < lo || t > hi) continue;
      svg.append(el('svg:line', {class: 'grid', x1: m.l, x2: W - m.r, y1: Y(t), y2: Y(t)}));
      svg.append(el('svg:text', {x: m.l - 8, y: Y(t) + 4, 'text-anchor': 'end'}, opts.yFormat(t)));
    }
    svg.append(el('svg:line', {class: 'axis', x1: m.l, x2: m.l, y1: m.t, y2: H - m.b}));
    svg.append(el('svg:line', {class: 'axis', x1: m.l, x2: W - m.r, y1: H - m.b, y2: H - m.b}));
    // Month labels, skipping any that would crowd the previous one (the last always shows).
    let lastLabel = -Infinity;
    xs.forEach((x, i) => {
      const at = X(x);
      const final = i === xs.length - 1;
      if (at - lastLabel < 64 && !final) return;
      if (final && at - lastLabel < 64 && svg.lastChild && svg.lastChild.dataset && svg.lastChild.dataset.tick) svg.lastChild.remove();
      svg.append(el('svg:text', {x: at, y: H - m.b + 18, 'text-anchor': 'middle', dataset: {tick: x}}, x));
      lastLabel = at;
    });
    for (const s of series) {
      // Approved figures only make the line, broken at a missing period.
      const pts = s.points.filter((p) => p.y !== null && p.y !== undefined && !p.hollow).sort((a, b) => (a.x < b.x ? -1 : 1));
      let d = '';
      pts.forEach((p, i) => {
        const joined = i > 0 && monthIndex(p.x) - monthIndex(pts[i - 1].x) === 1;
        d += (joined ? 'L' : 'M') + X(p.x).toFixed(1) + ' ' + Y(p.y).toFixed(1) + ' ';
      });
      if (pts.length > 1) svg.append(el('svg:path', {class: 'series', d: d.trim(), stroke: s.color, dataset: {series: s.name}}));
    }
    const show = opts.valueFormat || ((v) => (opts.yFormat === shortMoney ? money(v) : v));
    for (const s of series) {
      for (const p of s.points) {
        if (p.y === null || p.y === undefined) continue;
        const cls = 'point' + (p.hollow ? ' hollow' : '') + (p.dim ? ' dim' : '') + (p.fallback ? ' fallback' : '');
        const c = el('svg:circle', {
          class: cls, cx: X(p.x).toFixed(1), cy: Y(p.y).toFixed(1), r: 4, fill: p.hollow ? '#fff' : s.color, stroke: s.color,
          dataset: {table: p.table, key: p.key, column: p.column, value: String(p.y), series: s.name, x: p.x},
        }, el('svg:title', null, `${s.name} ${p.x}: ${show(p.y)}` + (p.note ? ` (${p.note})` : '')));
        // A total over several records (an aggregated view) has no single source to show.
        if (p.key !== undefined && p.key !== null)
          c.addEventListener('click', (ev) => openLineage(p.table, p.key, p.column, ev.currentTarget));
        svg.append(c);
      }
    }
    return svg;
  }

  function legend(series) {
    return el('div', {class: 'legend'}, series.map((s) => {
      const swatch = el('i');
      swatch.style.background = s.color;
      return el('span', null, swatch, s.name);
    }));
  }

  // ------------------------------------------------------------- lineage

  let selected = null;

  function lineageURL(table, key, column) {
    const q = new URLSearchParams({table, key});
    if (column) q.set('column', column);
    return q.toString();
  }

  // Opens the side panel with the lineage of one figure.
  async function openLineage(table, key, column, node) {
    if (selected) selected.classList.remove('selected');
    selected = node || null;
    if (selected) selected.classList.add('selected');
    const panel = document.getElementById('lineage-panel');
    const body = document.getElementById('lineage-body');
    panel.hidden = false;
    body.replaceChildren(el('p', {class: 'muted', text: 'Loading lineage…'}));
    try {
      const data = await getJSON('/api/lineage?' + lineageURL(table, key, column));
      body.replaceChildren(renderLineage(data, column));
      body.append(el('p', null, el('a', {href: '/lineage?' + lineageURL(table, key, column)}, 'Open as a page ›')));
    } catch (e) {
      showError(body, e);
    }
  }

  function cropImage(table, key, column, sha) {
    const q = new URLSearchParams({table, key, column, source: sha});
    const img = el('img', {class: 'crop', alt: `${column} on the source page`, src: '/api/crop?' + q.toString()});
    img.addEventListener('error', async () => {
      let message = 'crop unavailable';
      try {
        const res = await fetch(img.src);
        const j = await res.json();
        message = 'crop unavailable: ' + j.error;
      } catch (e) { /* keep the generic message */ }
      img.replaceWith(el('p', {class: 'muted', text: message}));
    });
    return img;
  }

  // The lineage of a record (and one column of it, if given).
  function renderLineage(data, column) {
    const wrap = el('div', {class: 'lineage'});
    const keyText = Object.entries(data.key_columns).map(([k, v]) => `${k} ${v}`).join(' · ');
    wrap.append(el('h2', null, column ? column.replace(/_/g, ' ') : 'record', el('div', {class: 'muted', text: `${data.table} · ${keyText}`})));
    if (column && data.row && column in data.row) {
      wrap.append(el('div', {class: 'lineage-value', id: 'lineage-value', text: String(data.row[column] ?? '–')}));
    }
    if (!data.sources.length) wrap.append(el('p', {class: 'muted', text: 'No source recorded for this record.'}));
    for (const s of data.sources) {
      const box = el('div', {class: 'source' + (s.current ? ' current' : ''), dataset: {sha256: s.sha256}});
      box.append(el('div', null, el('strong', {text: s.name || s.sha256.slice(0, 12)}), ' ',
        s.current ? el('span', {class: 'badge ok', text: 'current value'}) : el('span', {class: 'badge', text: 'earlier report'}),
        ' ', s.status ? el('span', {class: 'badge ' + s.status, text: s.status}) : null));
      const cols = column ? [column] : Object.keys(s.cells);
      for (const c of cols) {
        const cell = s.cells[c];
        if (!cell) continue;
        const kv = el('dl', {class: 'kv'});
        const add = (k, v) => kv.append(el('dt', {text: k}), el('dd', null, v));
        if (!column) add('column', c);
        if ('value' in cell) add('value in this report', String(cell.value ?? '–'));
        add('page', cell.page ? String(cell.page) : 'no page position');
        if (cell.page) add('bounding box', `x ${cell.box[0].toFixed(1)}–${cell.box[2].toFixed(1)}, y ${cell.box[1].toFixed(1)}–${cell.box[3].toFixed(1)} pt (top-left origin)`);
        add('confidence', cell.confidence === null ? '–' : (cell.confidence * 100).toFixed(0) + '%');
        box.append(kv);
        if (column && cell.page && s.file_available) box.append(cropImage(data.table, data.key, c, s.sha256));
        else if (column && cell.page) box.append(el('p', {class: 'muted', text: 'The source file is no longer on disk: no crop.'}));
      }
      const meta = el('dl', {class: 'kv'});
      const addMeta = (k, v) => meta.append(el('dt', {text: k}), el('dd', null, v));
      addMeta('report file', s.path || '–');
      addMeta('sha-256', el('code', {text: s.sha256}));
      if (s.version !== undefined) addMeta('version', String(s.version));
      addMeta('run', el('code', {text: s.run_id || '–'}));
      addMeta('extractor', s.extractor || '–');
      addMeta('written', s.written_at || '–');
      box.append(meta);
      wrap.append(box);
    }
    return wrap;
  }

  // ------------------------------------------------------------- pages

  let refreshTimer = null;

  async function overviewPage(view) {
    const draw = async () => {
      let data;
      try {
        data = await getJSON('/api/overview');
      } catch (e) {
        showError(view, e);
        return;
      }
      const h = data.health;
      const healthCard = el('section', {class: 'card', id: 'health'},
        el('h2', null, 'Health'),
        el('div', {class: 'big-status ' + h.status, id: 'health-status', text: h.status}),
        el('p', {class: 'muted', text: 'checked ' + h.checked_at + ' · refreshes every 10 s'}),
        el('table', null, el('tbody', null, h.checks.map((c) => el('tr', {dataset: {check: c.name}},
          el('td', null, el('span', {class: 'badge ' + c.status, text: c.status})),
          el('td', {text: c.name}), el('td', {class: 'wrap', text: c.message}))))));
      const fresh = h.freshness || {};
      const freshCard = el('section', {class: 'card', id: 'freshness'}, el('h2', null, 'Freshness'),
        (fresh.datasets || []).length ? el('table', null, el('thead', null, el('tr', null,
          ['dataset', 'newest', 'expected', 'behind', 'missing'].map((t) => el('th', {scope: 'col', text: t})))),
        el('tbody', null, fresh.datasets.map((d) => el('tr', {dataset: {dataset: d.view + '/' + d.dataset}},
          el('td', {text: d.view + ' / ' + d.dataset}),
          el('td', {class: 'newest-period', text: d.newest_period || '–'}),
          el('td', {text: d.expected_period || '–'}),
          el('td', {class: 'num', text: d.periods_behind ?? '–'}),
          el('td', {class: 'wrap', text: (d.missing_periods || []).join(', ') || 'none'})))))
          : el('p', {class: 'muted', text: 'No views declared: freshness is not judged.'}));
      const progress = data.in_progress.map((p) => el('div', {class: 'card'},
        el('h2', null, `Run in progress: ${p.pipeline}`),
        el('p', null, `${p.sources_done} sources done · ${int(p.records)} records · ${p.source || ''}`)));
      const runs = el('section', {class: 'card', id: 'runs'}, el('h2', null, 'Last runs'),
        data.runs.length ? sortableTable([
          {label: 'started', value: (r) => r.started_at},
          {label: 'pipeline', value: (r) => r.pipeline},
          {label: 'status', value: (r) => r.status, render: (r) => el('span', {class: 'badge ' + r.status,
            text: r.status === 'abandoned' ? `abandoned (last seen ${r.last_seen})` : r.status})},
          {label: 'ingested', value: (r) => r.sources_ingested, num: true},
          {label: 'unchanged', value: (r) => r.sources_skipped, num: true},
          {label: 'failed', value: (r) => r.sources_failed, num: true},
          {label: 'records', value: (r) => r.records, render: (r) => int(r.records), num: true},
          {label: 'duration', value: (r) => r.duration_seconds, render: (r) => duration(r.duration_seconds), num: true},
        ], data.runs) : el('p', {class: 'muted', text: 'No runs yet.'}));
      const counts = el('section', {class: 'card', id: 'counts'}, el('h2', null, 'Counts'),
        el('table', null, el('tbody', null, data.tables.map((t) => el('tr', null,
          el('td', null, el('code', {text: t.table})), el('td', {class: 'num', text: int(t.rows)}))))));
      view.replaceChildren(el('h1', null, 'Overview'), ...progress, el('div', {class: 'grid'}, healthCard,
        el('div', null, freshCard, counts)), runs);
      const badge = document.getElementById('health-badge');
      badge.textContent = h.status;
      badge.className = 'badge ' + h.status;
    };
    await draw();
    refreshTimer = setInterval(draw, 10000);
  }

  // A declared view (docs/views.md): per dataset its charts and tables,
  // drawn from the declaration alone. Approved figures by default; with
  // "show pending", figures that wait for review or were rejected too,
  // drawn hollow (charts) or marked (tables), the reasons on hover.
  const FORMATS = {money, int, dec, pct, rate: pct, text: (v) => (v === null || v === undefined ? '–' : String(v))};
  const CHART_FORMATS = {money: shortMoney, int, dec, pct, rate: pct, text: String};

  function orderedValues(rows, dim) {
    const values = Array.from(new Set(rows.map((r) => r[dim.column]).filter((v) => v !== null && v !== undefined)));
    const rank = (v) => { const i = (dim.order || []).indexOf(v); return i < 0 ? Infinity : i; };
    return values.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  }

  function dimSelect(id, dim, values) {
    const select = el('select', {id}, values.map((v) => el('option', {value: v, text: v})));
    if (dim.default && values.includes(dim.default)) select.value = dim.default;
    return select;
  }

  function unapproved(r) { return r.status === 'pending' || r.status === 'rejected'; }

  function figureNote(r) {
    if (unapproved(r)) return `${r.status}: ${r.reasons || 'waits for review'}`;
    if (r.fallback) return 'last approved figure: newer figures wait for review or were rejected';
    return null;
  }

  function datasetSection(ds, pending) {
    const section = el('section', {class: 'dataset', id: 'dataset-' + ds.id});
    const period = ds.period.column;
    const q = ds.quality || null;
    const isGap = (r, m) => q && (q.gap || []).includes(r[q.column]);
    const isDim = (r) => q && (q.dim || []).includes(r[q.column]);
    if (!ds.rows.length) {
      section.append(el('h2', null, ds.title), el('p', {class: 'muted', text: 'No data yet: run the pipeline that fills ' + ds.table + '.'}));
      return section;
    }
    for (const chart of ds.charts) {
      const measure = ds.measures.find((m) => m.column === chart.measure);
      const seriesDim = ds.dimensions.find((d) => d.column === chart.series);
      const others = ds.dimensions.filter((d) => d !== seriesDim);
      const selects = others.map((d) => dimSelect(chart.id + '-' + d.column, d, orderedValues(ds.rows, d)));
      const host = el('div');
      const card = el('section', {class: 'card', id: chart.id + '-chart'}, el('h2', null, chart.title || measure.label),
        selects.length ? el('div', {class: 'controls'}, others.map((d, i) => el('label', null, d.label + ' ', selects[i]))) : null, host);
      const draw = () => {
        const rows = ds.rows.filter((r) => others.every((d, i) => String(r[d.column]) === selects[i].value));
        const names = seriesDim ? orderedValues(rows, seriesDim) : [measure.label];
        const series = names.map((name, i) => ({
          name, color: PALETTE[i % PALETTE.length],
          points: rows.filter((r) => !seriesDim || r[seriesDim.column] === name).map((r) => ({
            x: String(r[period]), y: isGap(r) ? null : r[measure.column], key: r.key, table: ds.table,
            column: measure.column, hollow: unapproved(r), dim: isDim(r), note: figureNote(r), fallback: !!r.fallback})),
        }));
        host.replaceChildren(lineChart(series, {label: chart.title || measure.label, yFormat: CHART_FORMATS[measure.format] || dec,
          valueFormat: FORMATS[measure.format] || dec}), legend(series));
      };
      selects.forEach((s) => s.addEventListener('change', draw));
      draw();
      section.append(card);
    }
    for (const table of ds.tables) {
      const rowsDim = ds.dimensions.find((d) => d.column === table.rows);
      const others = ds.dimensions.filter((d) => d !== rowsDim);
      const periods = Array.from(new Set(ds.rows.map((r) => String(r[period])))).sort().reverse();
      const periodSelect = el('select', {id: table.id + '-period'}, periods.map((p) => el('option', {value: p, text: p})));
      const selects = others.map((d) => dimSelect(table.id + '-' + d.column, d, orderedValues(ds.rows, d)));
      const host = el('div');
      const card = el('section', {class: 'card', id: table.id + '-table'}, el('h2', null, table.title || ds.title),
        el('div', {class: 'controls'}, el('label', null, period.replace(/_/g, ' ') + ' ', periodSelect),
          others.map((d, i) => el('label', null, d.label + ' ', selects[i]))), host);
      const draw = () => {
        const rows = ds.rows.filter((r) => String(r[period]) === periodSelect.value &&
          others.every((d, i) => String(r[d.column]) === selects[i].value));
        const order = orderedValues(rows, rowsDim);
        rows.sort((a, b) => order.indexOf(a[rowsDim.column]) - order.indexOf(b[rowsDim.column]) || (unapproved(a) ? 1 : -1));
        const columns = [{label: rowsDim.label, value: (r) => r[rowsDim.column]}].concat(table.columns.map((c) => {
          const m = ds.measures.find((x) => x.column === c);
          const format = FORMATS[m.format] || dec;
          return {label: m.label + (m.unit && m.format !== 'money' && m.format !== 'pct' ? ` (${m.unit})` : ''), num: true,
            value: (r) => r[c], render: (r) => figure(ds.table, r.key, c, isGap(r) ? null : r[c], format, r, isDim(r))};
        }));
        host.replaceChildren(rows.length ? sortableTable(columns, rows) : el('p', {class: 'muted', text: 'No figures for this selection.'}));
      };
      periodSelect.addEventListener('change', draw);
      selects.forEach((s) => s.addEventListener('change', draw));
      draw();
      section.append(card);
    }
    return section;
  }

  async function viewPage(view, id) {
    const q = new URLSearchParams(location.search);
    const pending = q.get('include') === 'pending';
    const data = await getJSON('/api/views/' + encodeURIComponent(id) + (pending ? '?include=pending' : ''));
    const toggle = el('input', {type: 'checkbox', id: 'show-pending', checked: pending});
    toggle.addEventListener('change', () => {
      const next = new URLSearchParams(location.search);
      if (toggle.checked) next.set('include', 'pending'); else next.delete('include');
      location.search = next.toString();
    });
    view.replaceChildren(el('h1', null, data.title),
      el('div', {class: 'controls'}, el('label', null, toggle, ' show figures that wait for review'),
        el('span', {class: 'muted', text: pending ? 'hollow points and marked cells are not approved' : 'approved figures only'})),
      ...data.datasets.map((ds) => datasetSection(ds, pending)));
  }

  async function lineagePage(view) {
    const q = new URLSearchParams(location.search);
    const table = q.get('table'), key = q.get('key'), column = q.get('column');
    if (!table || !key) {
      view.replaceChildren(el('h1', null, 'Lineage'), el('div', {class: 'card'},
        el('p', null, 'Every figure on a data page opens its lineage: the report it was read from, the page, the ' +
          'bounding box and a crop of the page.')));
      return;
    }
    const data = await getJSON('/api/lineage?' + lineageURL(table, key, column));
    view.replaceChildren(el('h1', null, 'Lineage'), el('div', {class: 'card'}, renderLineage(data, column)));
  }

  // "showing 1–50 of 120" with previous/next links that keep the other
  // query parameters.
  function pager(id, offset, count, total, limit) {
    const link = (to, text) => {
      const q = new URLSearchParams(location.search);
      q.set('offset', String(to));
      return el('a', {href: location.pathname + '?' + q.toString(), class: 'pager-link', text});
    };
    return el('p', {class: 'pager muted', id},
      count ? `showing ${offset + 1}–${offset + count} of ${total}` : `showing 0 of ${total}`,
      offset > 0 ? [' · ', link(Math.max(0, offset - limit), '← previous')] : null,
      offset + count < total ? [' · ', link(offset + count, 'next →')] : null);
  }

  async function reviewPage(view) {
    const q = new URLSearchParams(location.search);
    const status = q.get('status') || 'pending';
    const offset = Math.max(0, parseInt(q.get('offset') || '0', 10) || 0);
    const limit = 50;
    const data = await getJSON('/api/review?' + new URLSearchParams({status, offset, limit}).toString());
    if (!data.available) {
      view.replaceChildren(el('h1', null, 'Review queue'), el('div', {class: 'card'},
        el('p', {class: 'muted', text: 'No review queue in this store (no validators have run).'})));
      return;
    }
    const statuses = ['pending', 'superseded', 'all', 'auto_approved', 'approved', 'rejected'];
    const select = el('select', {id: 'review-status'}, statuses.map((s) => el('option', {value: s, text: s})));
    select.value = status;
    select.addEventListener('change', () => { location.search = '?status=' + encodeURIComponent(select.value); });
    const counts = [el('span', {class: 'badge pending', id: 'review-waiting', text: `waiting: ${data.waiting}`}),
      el('span', {class: 'badge superseded', title: 'pending, but a newer report replaced the figures',
        text: `superseded: ${data.superseded}`}),
      ...Object.entries(data.counts).filter(([s]) => s !== 'pending')
        .map(([s, n]) => el('span', {class: 'badge ' + s, text: `${s}: ${n}`}))];
    view.replaceChildren(el('h1', null, 'Review queue'),
      el('div', {class: 'card'}, el('div', {class: 'controls'}, el('label', null, 'Status ', select), ...counts),
        data.items.length ? sortableTable([
          {label: 'id', value: (r) => r.id, num: true,
            render: (r) => el('a', {href: '/review/item?id=' + r.id, class: 'review-item-link'}, String(r.id))},
          {label: 'table', value: (r) => r.table},
          {label: 'record', value: (r) => r.key, render: (r) => el('a', {href: '/review/item?id=' + r.id}, r.key)},
          {label: 'report', value: (r) => r.source || r.source_sha256},
          {label: 'status', value: (r) => r.status, render: (r) => el('span', {class: 'badge ' + r.status,
            text: r.status === 'pending' && !r.current ? 'superseded' : r.status})},
          {label: 'confidence', value: (r) => r.confidence, render: (r) => (r.confidence === null ? '–' : (r.confidence * 100).toFixed(0) + '%'), num: true},
          {label: 'reasons', value: (r) => r.reasons, render: (r) => el('td', {class: 'wrap', text: r.reasons || ''})},
        ], data.items) : el('p', {class: 'muted', text: 'Nothing to review.'}),
        pager('review-pager', offset, data.items.length, data.total, limit)),
      el('p', {class: 'muted', text: 'Open an item to see its checks, crops and history, and to decide it.'}));
  }

  function cookie(name) {
    for (const part of document.cookie.split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k === name) return v.join('=');
    }
    return '';
  }

  const shellQuote = (s) => "'" + String(s).replace(/'/g, "'\\''") + "'";

  async function reviewItemPage(view) {
    const id = parseInt(new URLSearchParams(location.search).get('id') || '', 10);
    if (!(id > 0)) throw new Error('No review item given (?id=N).');
    const item = await getJSON('/api/review/' + id);
    const failed = item.checks.filter((c) => c.passed !== 1);
    const record = item.record && typeof item.record === 'object' ? item.record : {};
    // A check's columns: the one it names, else the record's columns its
    // reason mentions (validators word problems as "column value but ...").
    const columnsOf = (c) => (c.column_name ? [c.column_name]
      : Object.keys(record).filter((k) => new RegExp('(^|[^A-Za-z0-9_])' + k + '([^A-Za-z0-9_]|$)').test(c.reason || '')));
    const flagged = new Set(failed.flatMap(columnsOf));
    const prev = item.previous && item.previous.record && typeof item.previous.record === 'object' ? item.previous.record : null;
    const show = (v) => (v === null || v === undefined ? '–' : typeof v === 'number' ? decFmt.format(v).replace(/\.00$/, '') : String(v));
    const state = item.waiting ? 'waits for review' : item.superseded ? 'superseded by a newer report (waits for no one)' : item.status;

    const figures = el('table', {id: 'review-record'}, el('thead', null, el('tr', null,
      ['column', 'this report', prev ? 'previous report' : null].filter((t) => t).map((t) => el('th', {scope: 'col', text: t})))),
    el('tbody', null, Object.keys(record).map((k) => el('tr', {class: flagged.has(k) ? 'flagged' : null, dataset: {column: k}},
      el('td', {text: k}), el('td', {class: 'num', text: show(record[k])}),
      prev ? el('td', {class: 'num' + (prev[k] !== record[k] ? ' changed' : ''), text: show(prev[k])}) : null))));

    const checks = failed.length ? el('table', {id: 'review-checks'}, el('thead', null, el('tr', null,
      ['check', 'column', 'observed', 'expected', 'reason'].map((t) => el('th', {scope: 'col', text: t})))),
    el('tbody', null, failed.map((c) => el('tr', null, el('td', {text: c.check_name}), el('td', {text: columnsOf(c).join(', ') || '–'}),
      el('td', {class: 'num observed', text: c.observed || '–'}), el('td', {class: 'num expected', text: c.expected || '–'}),
      el('td', {class: 'wrap', text: c.reason || ''})))))
      : el('p', {class: 'muted', text: 'No failed checks (the record waits for its extraction confidence).'});

    const cellsWithPage = new Set((item.lineage.cells || []).filter((c) => c.page > 0).map((c) => c.column));
    const cropColumns = [...flagged].filter((c) => cellsWithPage.has(c));
    // One crop with every flagged cell marked (the extractor draws it with
    // the row label and column header in view).
    const crops = el('div', {class: 'crops'}, cropColumns.length ? el('figure', null,
      el('img', {class: 'crop flagged', alt: `${cropColumns.join(', ')} on the page`,
        src: '/api/crop?' + new URLSearchParams({table: item.table_name, key: item.record_key,
          column: cropColumns.join(','), source: item.source_sha256}).toString()}),
      el('figcaption', {text: 'marked: ' + cropColumns.join(', ')}))
      : el('p', {class: 'muted', text: 'No page position recorded for the flagged cells.'}));

    const audit = item.audit.length ? el('table', {id: 'review-audit'}, el('thead', null, el('tr', null,
      ['when', 'decision', 'was', 'by', 'reason'].map((t) => el('th', {scope: 'col', text: t})))),
    el('tbody', null, item.audit.map((a) => el('tr', null, el('td', {text: a.decided_at}), el('td', {text: a.decision}),
      el('td', {text: a.previous_status}), el('td', {text: a.decided_by}), el('td', {class: 'wrap', text: a.reason || ''})))))
      : el('p', {class: 'muted', id: 'review-audit-empty', text: 'No decision yet.'});

    const cli = el('code', {id: 'review-cli', text: `analytica review approve ${id} --reason ${shellQuote('checked against the PDF')}` +
      `   |   analytica review reject ${id} --reason ${shellQuote('why it is wrong')}`});
    const result = el('p', {id: 'review-result', role: 'status'});
    let form = null;
    if (item.decisions) {
      const secret = el('input', {type: 'password', id: 'review-secret', autocomplete: 'off', placeholder: 'review secret'});
      const reason = el('textarea', {id: 'review-reason', rows: 2, placeholder: 'reason (required to reject)'});
      const send = async (decision) => {
        result.textContent = '…';
        const res = await fetch(`/api/review/${id}/decision`, {method: 'POST', credentials: 'same-origin',
          headers: {'Content-Type': 'application/json', 'X-Analytica-CSRF': cookie('analytica_csrf'), Accept: 'application/json'},
          body: JSON.stringify({decision, reason: reason.value, secret: secret.value})});
        let body = null;
        try { body = await res.json(); } catch (e) { body = null; }
        if (!res.ok) {
          result.className = 'error';
          result.textContent = (body && body.error) || `${res.status}`;
          result.dataset.status = String(res.status);
          return;
        }
        result.className = '';
        result.dataset.status = '200';
        result.textContent = `${body.status} by ${body.decided_by}`;
        setTimeout(() => location.reload(), 300);
      };
      form = el('form', {id: 'review-decision', onsubmit: (e) => e.preventDefault()},
        el('label', null, 'Secret ', secret), el('label', null, 'Reason ', reason),
        el('button', {type: 'button', id: 'review-approve', onclick: () => send('approve')}, 'Approve'),
        el('button', {type: 'button', id: 'review-reject', onclick: () => send('reject')}, 'Reject'));
    }
    const source = item.lineage.source ? item.lineage.source.name : item.source_sha256;
    view.replaceChildren(el('h1', null, `Review item ${id} `, el('span', {class: 'badge ' + item.status, id: 'review-state', text: state})),
      el('p', null, el('a', {href: '/review'}, '← review queue'), ` · ${item.table_name} · ${item.record_key} · report ${source}`,
        ` · confidence ${item.confidence === null ? '–' : (item.confidence * 100).toFixed(0) + '%'}`),
      el('section', {class: 'card'}, el('h2', null, 'Failed checks: observed against expected'), checks),
      el('section', {class: 'card'}, el('h2', null, 'Flagged cells on the page'), crops),
      el('section', {class: 'card'}, el('h2', null, 'Figures' + (item.previous ? ` (previous report: item ${item.previous.id}, ${item.previous.source || item.previous.source_sha256}, ${item.previous.status})` : '')), figures),
      el('section', {class: 'card'}, el('h2', null, 'Decision history'), audit),
      el('section', {class: 'card'}, el('h2', null, 'Decide'), form,
        el('p', {class: 'muted'}, item.decisions ? 'The secret is printed by `analytica serve` on start. Or on the command line: '
          : 'This server takes no decisions from the browser. On the command line: '), cli, result));
  }

  // ------------------------------------------------------------- start

  const pages = {'/': ['overview', overviewPage], '/lineage': ['lineage', lineagePage], '/review': ['review', reviewPage],
    '/review/item': ['review-item', reviewItemPage]};

  // The declared views become pages /view/<id> (and /market, /view/market).
  async function addViewLinks() {
    let views = [];
    try { views = await getJSON('/api/views'); } catch (e) { return []; }
    const nav = document.querySelector('nav');
    const after = nav.querySelector('a[data-page=overview]');
    views.slice().reverse().forEach((v) => after.after(el('a', {href: '/view/' + v.id, dataset: {page: 'view:' + v.id}}, v.title)));
    return views;
  }

  function pageFor(path) {
    if (path === '/market') return ['view:market', (view) => viewPage(view, 'market')];
    if (path.startsWith('/view/')) {
      const id = decodeURIComponent(path.slice(6));
      return ['view:' + id, (view) => viewPage(view, id)];
    }
    return pages[path] || pages['/'];
  }

  async function start() {
    document.getElementById('lineage-close').addEventListener('click', () => {
      document.getElementById('lineage-panel').hidden = true;
      if (selected) selected.classList.remove('selected');
      selected = null;
    });
    await addViewLinks();
    const [name, render] = pageFor(location.pathname);
    setActiveNav(name);
    const view = document.getElementById('view');
    if (refreshTimer) clearInterval(refreshTimer);
    if (name !== 'overview') refreshBadge();
    try {
      await render(view);
      document.body.dataset.ready = name;
    } catch (e) {
      showError(view, e);
      document.body.dataset.ready = 'error';
    }
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
