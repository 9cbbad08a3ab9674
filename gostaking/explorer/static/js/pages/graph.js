// The resource-sharing graph: who votes and stakes for which node (current chain state).

import { fill, getJSON, gos, group, h, link, loading, section, table } from '../api.js';
import { bipartiteGraph, graphLegend } from '../graph.js';
import { t } from '../i18n.js';

export async function render(ctx) {
  ctx.title(t('Resource-sharing graph'));
  const body = h('div', {}, loading());
  fill(
    ctx.main,
    h('h1', {}, t('Resource-sharing graph')),
    h(
      'p',
      { class: 'lead' },
      t(
        'Holders share their GOS with nodes by voting (×1 hash power) and staking (×3). Each curve is one vote or stake; thicker means more GOS. Hover or focus a vertex to follow its edges.',
      ),
    ),
    body,
  );
  const load = async () => {
    const data = await getJSON('/explorer/graph?limit=300');
    if (!ctx.alive()) return;
    const accounts = data.vertices.filter((v) => v.kind === 'account').length;
    const nodes = data.vertices.filter((v) => v.kind === 'node').length;
    const rows = data.edges.map((e) => [
      link.account(e.source),
      t(e.kind),
      link.node(e.target, (data.vertices.find((v) => v.id === e.target) || {}).label),
      gos(e.amount),
      `${group(e.hash_power.hs)} H/s`,
    ]);
    fill(
      body,
      h(
        'p',
        { 'data-field': 'graph-summary' },
        t('{edges} votes and stakes between {accounts} accounts and {nodes} nodes at height {height}.', {
          edges: group(data.total_edges),
          accounts: group(accounts),
          nodes: group(nodes),
          height: group(data.height),
        }),
        data.truncated ? ` ${t('(the {n} largest shown)', { n: group(data.edges.length) })}` : '',
      ),
      graphLegend(),
      h(
        'div',
        { class: 'graph-wrap' },
        bipartiteGraph(data, { label: t('Accounts (left) voting and staking for nodes (right)') }),
      ),
      section(
        t('As a table'),
        table(['Account', 'Kind', 'Node', 'Amount', 'Hash power'].map((text) => t(text)), rows, {
          caption: t('votes and stakes'),
          empty: t('Nobody votes or stakes yet.'),
          numeric: [3, 4],
        }),
      ),
    );
  };
  await load();
  ctx.onBlock(load);
}
