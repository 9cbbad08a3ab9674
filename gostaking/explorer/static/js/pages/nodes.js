// Nodes: mining set vs candidates with backing, uptime bars and blocks produced; one node with its voters
// and stakers.

import {
  badge,
  card,
  facts,
  fill,
  getJSON,
  gos,
  group,
  h,
  link,
  loadAll,
  loading,
  offsetPager,
  section,
  table,
} from '../api.js';
import { barChart, uptimeBar } from '../charts.js';
import { bipartiteGraph, graphLegend } from '../graph.js';
import { t } from '../i18n.js';

function uptimeCell(node) {
  return h(
    'div',
    { class: 'uptime-cell' },
    h('span', { class: 'uptime-text' }, node.uptime === 'n/a' ? t('n/a') : node.uptime),
    uptimeBar(node.recent, {
      label: t('{node}: signed {signed} of its last {expected} expected blocks', {
        node: node.moniker,
        signed: node.recent.filter((m) => m.signed).length,
        expected: node.recent.length,
      }),
    }),
  );
}

function nodeRows(nodes) {
  return nodes.map((n) => [
    link.node(n.operator, n.moniker),
    badge(t(n.status), n.status),
    gos(n.votes, 2),
    gos(n.stake, 2),
    `${n.voters} / ${n.stakers}`,
    group(n.blocks_proposed),
    uptimeCell(n),
    gos(n.rewards_earned, 2),
  ]);
}

/** Nodes per page of the list (the API's maximum): the mining set and the candidates come first. */
const NODES_PER_PAGE = 100;

export async function renderList(ctx) {
  ctx.title(t('Nodes'));
  const body = h('div', {}, loading());
  fill(ctx.main, h('h1', {}, t('Nodes')), body);
  const headers = [
    'Node',
    'Status',
    'Votes',
    'Stake',
    'Voters / stakers',
    'Blocks proposed',
    'Uptime (last 100 expected blocks)',
    'Rewards earned',
  ].map((text) => t(text));
  const offset = Math.max(0, Number(ctx.query.get('offset')) || 0);
  const load = async () => {
    const list = await getJSON(`/explorer/nodes?limit=${NODES_PER_PAGE}&offset=${offset}`);
    if (!ctx.alive()) return;
    const mining = list.nodes.filter((n) => n.status === 'mining');
    const candidates = list.nodes.filter((n) => n.status === 'candidate');
    const others = list.nodes.filter((n) => n.status !== 'mining' && n.status !== 'candidate');
    const backing = list.nodes.flatMap((n) => [
      {
        label: n.moniker.slice(0, 14),
        value: Number(n.stake.gos) * 3,
        text: t('stake {amount} (×3)', { amount: gos(n.stake, 2) }),
        color: '#ea580c',
      },
      { label: '', value: Number(n.votes.gos), text: t('votes {amount}', { amount: gos(n.votes, 2) }), color: '#2563eb' },
    ]);
    fill(
      body,
      h(
        'div',
        { class: 'cards' },
        card(t('Mining nodes'), String(mining.length), t('elected at height {height}', { height: group(list.elected_height) }), {
          'data-stat': 'mining',
        }),
        card(t('Candidates'), String(candidates.length), t('eligible, not in the mining set'), { 'data-stat': 'candidates' }),
        card(t('Other nodes'), String(others.length), t('below the thresholds or jailed'), { 'data-stat': 'others' }),
        card(
          t('Epoch'),
          String(list.epoch),
          t('thresholds: {votes} votes and {stake} stake', { votes: gos(list.min_votes, 0), stake: gos(list.min_stake, 0) }),
        ),
      ),
      section(
        t('Mining nodes'),
        h(
          'p',
          { class: 'muted' },
          t('They produce and sign blocks with equal power and share 10% of each block reward (plus fees).'),
        ),
        table(headers, nodeRows(mining), { caption: t('mining nodes'), empty: t('No mining node.'), numeric: [2, 3, 5, 7] }),
      ),
      section(
        t('Candidates'),
        h(
          'p',
          { class: 'muted' },
          t('Eligible nodes outside the mining set share 5% of each block reward by votes + 3 × stake.'),
        ),
        table(headers, nodeRows(candidates), {
          caption: t('candidate nodes'),
          empty: t('No candidate node right now.'),
          numeric: [2, 3, 5, 7],
        }),
      ),
      section(
        t('Other registered nodes'),
        table(headers, nodeRows(others), { caption: t('other nodes'), empty: t('None.'), numeric: [2, 3, 5, 7] }),
        offsetPager('/nodes', ctx.query, 'offset', {
          offset: list.offset,
          limit: list.limit,
          shown: list.nodes.length,
          total: list.total,
          noun: t('nodes'),
        }),
      ),
      section(t('Backing by node (hash-power terms)'), barChart(backing, { label: t('Stake (×3) and votes of each node') })),
    );
  };
  await load();
  ctx.onBlock(load);
}

export async function renderNode(ctx, operator) {
  ctx.title(t('Node'));
  const body = h('div', {}, loading());
  fill(ctx.main, h('h1', {}, t('Node')), body);
  const load = async () => {
    const replies = await loadAll(
      ctx,
      [getJSON(`/nodes/${operator}`), getJSON('/explorer/nodes'), getJSON(`/explorer/graph?operator=${operator}`)],
      { errorIn: body },
    );
    if (!replies) return;
    const [detail, list, graph] = replies;
    ctx.title(t('Node {name}', { name: detail.moniker }));
    const stats = list.nodes.find((n) => n.operator === operator);
    const rows = (items) => items.map((b) => [link.account(b.address), gos(b.amount)]);
    fill(
      body,
      h('h2', { class: 'title-line' }, h('span', { 'data-verbatim': '' }, detail.moniker), ' ', badge(t(detail.status), detail.status)),
      section(
        t('Overview'),
        facts([
          [t('Operator'), link.account(operator, operator)],
          [t('Consensus address'), h('span', { class: 'mono' }, detail.consensus_address)],
          [t('Consensus key'), h('span', { class: 'mono break small' }, detail.consensus_pubkey)],
          [t('Registered at'), detail.registered_height ? link.block(detail.registered_height) : t('genesis')],
          [t('Votes'), gos(detail.votes)],
          [t('Stake'), gos(detail.stake)],
          [t('Blocks signed (chain)'), group(detail.blocks_signed)],
          stats ? [t('Blocks proposed'), group(stats.blocks_proposed)] : null,
          stats
            ? [
                t('Uptime'),
                h(
                  'span',
                  {},
                  t('{uptime} ({signed} of {expected} blocks as validator)', {
                    uptime: stats.uptime === 'n/a' ? t('n/a') : stats.uptime,
                    signed: group(stats.blocks_signed),
                    expected: group(stats.blocks_expected),
                  }),
                ),
              ]
            : null,
          stats
            ? [t('Last expected blocks'), uptimeBar(stats.recent, { label: t('signed (green) and missed (red) blocks') })]
            : null,
          [t('Rewards earned'), gos(detail.rewards_earned)],
          [t('Pending candidate rewards'), gos(detail.pending_candidate_rewards)],
        ]),
      ),
      h(
        'div',
        { class: 'grid-2' },
        section(
          t('Voters ({n})', { n: detail.voters.length }),
          table([t('Address'), t('Votes')], rows(detail.voters), { caption: t('voters'), empty: t('No voters.'), numeric: [1] }),
        ),
        section(
          t('Stakers ({n})', { n: detail.stakers.length }),
          table([t('Address'), t('Stake')], rows(detail.stakers), { caption: t('stakers'), empty: t('No stakers.'), numeric: [1] }),
        ),
      ),
      graph.edges.length
        ? section(
            t('Who backs this node'),
            graphLegend(),
            // the graph keeps a readable size and scrolls in its panel on a phone (as on the graph page)
            h(
              'div',
              { class: 'graph-wrap' },
              bipartiteGraph(graph, { label: t('Accounts voting or staking for {node}', { node: detail.moniker }) }),
            ),
          )
        : null,
    );
  };
  await load();
  ctx.onBlock(load);
}
