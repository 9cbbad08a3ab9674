// Small SVG charts: line, bars, donut, emission schedule and uptime bars. No library, no network.
// Every chart is an <svg role="img"> with a <title> and an aria-label describing what it shows.

import { t } from './i18n.js';

const NS = 'http://www.w3.org/2000/svg';
export const PALETTE = ['#2563eb', '#ea580c', '#059669', '#9333ea', '#dc2626', '#0891b2', '#ca8a04', '#db2777'];

export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function frame(width, height, label, fill = false) {
  // Never wider than drawn (unless it should fill): text inside keeps its designed size on wide pages.
  const style = fill ? null : `max-width:${width}px`;
  return svg(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': label,
      class: 'chart',
      style,
      preserveAspectRatio: fill ? 'none' : 'xMinYMid meet',
    },
    svg('title', {}, label),
  );
}

/** Compact axis numbers: 1.2k, 3.4M. */
export function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${+(value / 1e9).toFixed(2)}B`;
  if (abs >= 1e6) return `${+(value / 1e6).toFixed(2)}M`;
  if (abs >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
  if (abs >= 10 || abs === 0) return `${+value.toFixed(0)}`;
  return `${+value.toFixed(2)}`;
}

function niceMax(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/**
 * Line chart of one or more series: [{name, color, points: [[x, y], ...]}].
 * Options: label (accessible description), yFormat, xFormat, area (fill under first series), markers ([{x, text}]).
 */
export function lineChart(
  series,
  {
    label,
    width = 640,
    height = 220,
    yFormat = compact,
    xFormat = compact,
    area = false,
    markers = [],
    yMin = null,
  } = {},
) {
  const pad = { left: 56, right: 16, top: 14, bottom: 28 };
  const chart = frame(width, height, label);
  const all = series.flatMap((s) => s.points);
  if (!all.length) {
    chart.appendChild(
      svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'chart-empty' }, 'no data yet'),
    );
    return chart;
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const x0 = Math.min(...xs);
  const x1 = Math.max(...xs, x0 + 1);
  const y0 = yMin ?? Math.min(0, ...ys);
  const y1 = niceMax(Math.max(...ys, y0 + 1e-9));
  const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const sy = (y) => height - pad.bottom - ((y - y0) / (y1 - y0)) * (height - pad.top - pad.bottom);
  for (let i = 0; i <= 4; i++) {
    const y = y0 + ((y1 - y0) * i) / 4;
    chart.appendChild(svg('line', { x1: pad.left, x2: width - pad.right, y1: sy(y), y2: sy(y), class: 'grid' }));
    chart.appendChild(svg('text', { x: pad.left - 6, y: sy(y) + 4, 'text-anchor': 'end', class: 'axis' }, yFormat(y)));
  }
  for (let i = 0; i <= 4; i++) {
    const x = x0 + ((x1 - x0) * i) / 4;
    chart.appendChild(
      svg(
        'text',
        { x: sx(x), y: height - 8, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle', class: 'axis' },
        xFormat(x),
      ),
    );
  }
  for (const marker of markers) {
    if (marker.x < x0 || marker.x > x1) continue;
    chart.appendChild(
      svg('line', {
        x1: sx(marker.x),
        x2: sx(marker.x),
        y1: pad.top,
        y2: height - pad.bottom,
        class: marker.class || 'marker',
      }),
    );
    if (marker.text)
      chart.appendChild(
        svg(
          'text',
          { x: sx(marker.x) + 4, y: pad.top + 10 + (marker.row || 0) * 14, class: 'marker-text' },
          marker.text,
        ),
      );
  }
  series.forEach((s, index) => {
    const color = s.color || PALETTE[index % PALETTE.length];
    const path = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join('');
    if (area && index === 0 && s.points.length > 1) {
      const first = s.points[0];
      const last = s.points[s.points.length - 1];
      chart.appendChild(
        svg('path', {
          d: `${path}L${sx(last[0])},${sy(y0)}L${sx(first[0])},${sy(y0)}Z`,
          fill: color,
          'fill-opacity': 0.12,
        }),
      );
    }
    chart.appendChild(
      svg('path', {
        d: path,
        fill: 'none',
        stroke: color,
        'stroke-width': s.width || 2,
        'stroke-dasharray': s.dashed ? '6 4' : null,
        'stroke-linecap': 'round',
        class: 'series',
        'data-series': s.name,
      }),
    );
  });
  return chart;
}

/** Horizontal bars: [{label, value, text, color}] with the text shown at the end of each bar. */
export function barChart(items, { label, width = 640, barHeight = 26 } = {}) {
  const labelWidth = 110;
  const height = Math.max(items.length, 1) * (barHeight + 8) + 8;
  const chart = frame(width, height, label);
  const max = Math.max(...items.map((i) => i.value), 0);
  if (!items.length) {
    chart.appendChild(
      svg('text', { x: width / 2, y: height / 2 + 4, 'text-anchor': 'middle', class: 'chart-empty' }, 'no data yet'),
    );
    return chart;
  }
  items.forEach((item, i) => {
    const y = 8 + i * (barHeight + 8);
    const span = width - labelWidth - 170;
    const w = max > 0 ? Math.max((item.value / max) * span, item.value > 0 ? 2 : 0) : 0;
    chart.appendChild(
      svg(
        'text',
        { x: labelWidth - 8, y: y + barHeight / 2 + 4, 'text-anchor': 'end', class: 'bar-label' },
        item.label,
      ),
    );
    chart.appendChild(
      svg(
        'rect',
        { x: labelWidth, y, width: w, height: barHeight, rx: 3, fill: item.color || PALETTE[i % PALETTE.length] },
        svg('title', {}, `${item.label}: ${item.text}`),
      ),
    );
    chart.appendChild(svg('text', { x: labelWidth + w + 6, y: y + barHeight / 2 + 4, class: 'bar-value' }, item.text));
  });
  return chart;
}

/** Donut of shares: [{label, value, color}] with a legend beside it. */
export function donut(items, { label, size = 220, center = '' } = {}) {
  const width = size + 230;
  const chart = frame(width, size, label);
  const total = items.reduce((sum, i) => sum + i.value, 0);
  const r = size / 2 - 12;
  const cx = size / 2;
  const cy = size / 2;
  if (total <= 0) {
    chart.appendChild(svg('circle', { cx, cy, r, fill: 'none', class: 'donut-empty', 'stroke-width': 26 }));
    chart.appendChild(svg('text', { x: cx, y: cy + 4, 'text-anchor': 'middle', class: 'chart-empty' }, 'none yet'));
  } else {
    let angle = -Math.PI / 2;
    items.forEach((item, i) => {
      if (item.value <= 0) return;
      const sweep = (item.value / total) * Math.PI * 2;
      const color = item.color || PALETTE[i % PALETTE.length];
      if (sweep >= Math.PI * 2 - 1e-6) {
        chart.appendChild(
          svg('circle', { cx, cy, r, fill: 'none', stroke: color, 'stroke-width': 26 }, svg('title', {}, item.label)),
        );
      } else {
        const a2 = angle + sweep;
        const large = sweep > Math.PI ? 1 : 0;
        const d = `M${cx + r * Math.cos(angle)},${cy + r * Math.sin(angle)}A${r},${r} 0 ${large} 1 ${cx + r * Math.cos(a2)},${cy + r * Math.sin(a2)}`;
        chart.appendChild(
          svg('path', { d, fill: 'none', stroke: color, 'stroke-width': 26 }, svg('title', {}, item.label)),
        );
      }
      angle += sweep;
    });
    if (center)
      chart.appendChild(svg('text', { x: cx, y: cy + 5, 'text-anchor': 'middle', class: 'donut-center' }, center));
  }
  items.forEach((item, i) => {
    const y = 24 + i * 24;
    chart.appendChild(
      svg('rect', {
        x: size + 14,
        y: y - 11,
        width: 13,
        height: 13,
        rx: 2,
        fill: item.color || PALETTE[i % PALETTE.length],
      }),
    );
    chart.appendChild(svg('text', { x: size + 34, y, class: 'legend' }, item.legend || item.label));
  });
  return chart;
}

/**
 * The emission schedule: cumulative GOS minted against height (grey), GOS in existence after the burns
 * (dashed red: each burn removes 10% of all GOS), halvings and burns marked, and where the chain is now.
 * eras: [{first_height, last_height, reward (GOS number)}], burns: [heights], burnFraction: e.g. 0.1.
 */
export function emissionChart({ eras, burns, height, label, burnFraction = 0.1 }) {
  const points = [[0, 0]];
  let total = 0;
  for (const era of eras) {
    total += (era.last_height - era.first_height + 1) * era.reward;
    points.push([era.last_height, total]);
  }
  const end = Math.max(burns.length ? burns[burns.length - 1] + 40000 : 0, points[points.length - 1][0] * 1.05);
  points.push([end, total]);
  const emittedAt = (h) => {
    let sum = 0;
    for (const era of eras) {
      if (h < era.first_height) break;
      sum += (Math.min(h, era.last_height) - era.first_height + 1) * era.reward;
    }
    return sum;
  };
  // GOS in existence once burns start: emission keeps adding, each burn removes `burnFraction` of everything.
  const afterBurns = [];
  if (burns.length) {
    const breaks = [...new Set([...burns, ...eras.map((e) => e.last_height), end])]
      .filter((x) => x >= burns[0])
      .sort((a, b) => a - b);
    let last = burns[0] - 1;
    let supply = emittedAt(last);
    afterBurns.push([last, supply]);
    for (const x of breaks) {
      supply += emittedAt(x) - emittedAt(last);
      afterBurns.push([x, supply]);
      if (burns.includes(x)) {
        supply *= 1 - burnFraction;
        afterBurns.push([x, supply]);
      }
      last = x;
    }
  }
  const markers = [
    ...eras.slice(1).map((era, i) => ({ x: era.first_height, text: t('halving {n}', { n: i + 1 }), class: 'marker' })),
    ...burns.map((b, i) => ({ x: b, text: i === 0 ? t('burns start') : '', class: 'marker burn' })),
    { x: height, text: t('now'), class: 'marker now', row: 2 },
  ];
  return lineChart(
    [
      { name: 'schedule', color: '#94a3b8', points },
      { name: 'after burns', color: '#dc2626', points: afterBurns, dashed: true },
      {
        name: 'emitted',
        color: '#2563eb',
        points: [
          [0, 0],
          [height, emittedAt(height)],
        ],
        width: 5,
      },
    ],
    { label, xFormat: (v) => compact(v), markers, width: 1100, height: 260 },
  );
}

/** A strip of squares, one per block the node was expected to sign: green signed, red missed. */
export function uptimeBar(marks, { label, slots = 100 } = {}) {
  const cell = 5;
  const gap = 1;
  const width = slots * (cell + gap);
  const chart = frame(width, 14, label);
  chart.classList.add('uptime');
  const offset = Math.max(0, slots - marks.length);
  for (let i = 0; i < slots; i++) {
    const mark = i >= offset ? marks[i - offset] : null;
    const cls = mark ? (mark.signed ? 'up-signed' : 'up-missed') : 'up-none';
    const rect = svg('rect', { x: i * (cell + gap), y: 1, width: cell, height: 12, rx: 1, class: cls });
    if (mark) rect.appendChild(svg('title', {}, `block ${mark.height}: ${mark.signed ? 'signed' : 'missed'}`));
    chart.appendChild(rect);
  }
  return chart;
}

/** A progress bar in SVG with a label: value/total in [0, 1]. */
export function progressBar(fraction, { label, width = 640 } = {}) {
  const chart = frame(width, 18, label, true);
  chart.classList.add('progress');
  const f = Math.min(Math.max(fraction, 0), 1);
  chart.appendChild(svg('rect', { x: 0, y: 2, width, height: 14, rx: 7, class: 'progress-track' }));
  chart.appendChild(
    svg('rect', { x: 0, y: 2, width: Math.max(width * f, f > 0 ? 3 : 0), height: 14, rx: 7, class: 'progress-fill' }),
  );
  return chart;
}
