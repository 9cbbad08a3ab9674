// The resource-sharing graph as a bipartite SVG: accounts on the left, nodes on the right, one curve per
// vote or stake, its width growing with the GOS behind it. Hovering or focusing a vertex highlights its edges.

import { svg } from './charts.js';
import { short } from './api.js';
import { t } from './i18n.js';

const ROW = 30;
const COLORS = { vote: '#2563eb', stake: '#ea580c' };
const STATUS_COLORS = { mining: '#059669', candidate: '#2563eb', registered: '#64748b', jailed: '#dc2626' };

function amountOf(edge) {
  return Number(edge.amount.gos);
}

export function bipartiteGraph(data, { label, width = 960 } = {}) {
  const nodes = data.vertices.filter((v) => v.kind === 'node');
  const accounts = data.vertices.filter((v) => v.kind === 'account');
  const byTotal = (a, b) => Number(b.total.gos) - Number(a.total.gos) || a.id.localeCompare(b.id);
  accounts.sort(byTotal);
  const statusRank = { mining: 0, candidate: 1, registered: 2, jailed: 3 };
  nodes.sort((a, b) => (statusRank[a.status] ?? 9) - (statusRank[b.status] ?? 9) || byTotal(a, b));
  const rows = Math.max(accounts.length, nodes.length, 1);
  const height = rows * ROW + 50;
  const leftX = 250;
  const rightX = width - 250;
  const accountY = new Map(accounts.map((a, i) => [a.id, 40 + i * ROW + ((rows - accounts.length) * ROW) / 2]));
  const nodeY = new Map(nodes.map((n, i) => [n.id, 40 + i * ROW + ((rows - nodes.length) * ROW) / 2]));
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': label, class: 'graph' },
    svg('title', {}, label),
  );
  chart.appendChild(svg('text', { x: leftX, y: 18, 'text-anchor': 'end', class: 'graph-heading' }, t('accounts')));
  chart.appendChild(svg('text', { x: rightX, y: 18, class: 'graph-heading' }, t('nodes')));
  const max = Math.max(...data.edges.map(amountOf), 1e-9);
  const edgeLayer = svg('g', { class: 'edges' });
  for (const edge of data.edges) {
    const y1 = accountY.get(edge.source);
    const y2 = nodeY.get(edge.target);
    if (y1 === undefined || y2 === undefined) continue;
    const mid = (leftX + rightX) / 2;
    const offset = edge.kind === 'stake' ? 3 : -3;
    const path = svg(
      'path',
      {
        d: `M${leftX + 8},${y1 + offset} C${mid},${y1 + offset} ${mid},${y2 + offset} ${rightX - 8},${y2 + offset}`,
        stroke: COLORS[edge.kind] || '#64748b',
        'stroke-width': (1.5 + 10 * Math.sqrt(amountOf(edge) / max)).toFixed(2),
        fill: 'none',
        class: `edge edge-${edge.kind}`,
        'data-source': edge.source,
        'data-target': edge.target,
        'data-kind': edge.kind,
        'data-amount': edge.amount.gos,
      },
      svg(
        'title',
        {},
        `${edge.source} → ${edge.target}: ${edge.amount.gos} GOS ${edge.kind} (${edge.hash_power.hs} H/s)`,
      ),
    );
    edgeLayer.appendChild(path);
  }
  chart.appendChild(edgeLayer);
  const vertex = (v, x, y, side) => {
    const anchor = side === 'left' ? 'end' : 'start';
    const textX = side === 'left' ? x - 4 : x + 4;
    const href = v.kind === 'node' ? `#/node/${v.id}` : `#/account/${v.id}`;
    const color = v.kind === 'node' ? STATUS_COLORS[v.status] || '#64748b' : '#334155';
    const text = v.kind === 'node' ? `${v.label} (${t(v.status)})` : short(v.label, 12, 6);
    const group = svg(
      'a',
      { href, class: 'vertex', 'data-id': v.id, 'data-kind': v.kind, tabindex: 0 },
      svg('circle', { cx: x + (side === 'left' ? 4 : -4), cy: y, r: 6, fill: color }),
      svg(
        'text',
        { x: textX + (side === 'left' ? -8 : 8), y: y + 4, 'text-anchor': anchor, class: 'vertex-label' },
        text,
      ),
      svg(
        'text',
        { x: textX + (side === 'left' ? -8 : 8), y: y + 16, 'text-anchor': anchor, class: 'vertex-note' },
        `${v.total.gos} GOS`,
      ),
      svg('title', {}, `${v.kind === 'node' ? v.label + ' ' : ''}${v.id}: ${v.total.gos} GOS`),
    );
    const focus = (on) => {
      chart.classList.toggle('focusing', on);
      for (const path of edgeLayer.children) {
        const hit = path.dataset.source === v.id || path.dataset.target === v.id;
        path.classList.toggle('hot', on && hit);
      }
    };
    group.addEventListener('mouseenter', () => focus(true));
    group.addEventListener('mouseleave', () => focus(false));
    group.addEventListener('focus', () => focus(true));
    group.addEventListener('blur', () => focus(false));
    return group;
  };
  for (const account of accounts) chart.appendChild(vertex(account, leftX, accountY.get(account.id), 'left'));
  for (const node of nodes) chart.appendChild(vertex(node, rightX, nodeY.get(node.id), 'right'));
  return chart;
}

export function graphLegend() {
  const item = (color, text) => `<span class="legend-item"><i style="background:${color}"></i>${text}</span>`;
  const wrap = document.createElement('p');
  wrap.className = 'legend-row';
  wrap.innerHTML = [
    item(COLORS.vote, t('vote (×1 hash power)')),
    item(COLORS.stake, t('stake (×3 hash power)')),
    item(STATUS_COLORS.mining, t('mining node')),
    item(STATUS_COLORS.candidate, t('candidate')),
    item(STATUS_COLORS.registered, t('registered')),
    item(STATUS_COLORS.jailed, t('jailed')),
  ].join('');
  return wrap;
}
