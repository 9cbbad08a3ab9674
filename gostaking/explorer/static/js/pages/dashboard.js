// Dashboard: headline numbers from /status, chart series from /explorer/dashboard, latest blocks and txs.

import {
  ago,
  card,
  duration,
  fill,
  getJSON,
  gos,
  group,
  h,
  hs,
  link,
  loadAll,
  resultBadge,
  section,
  table,
  loading,
  trimDecimals,
  txRowClass,
} from '../api.js';
import { t } from '../i18n.js';
import { barChart, compact, donut, emissionChart, lineChart, PALETTE, progressBar } from '../charts.js';

export async function render(ctx) {
  ctx.title(t('Dashboard'));
  const root = h('div', { class: 'dashboard' }, loading());
  fill(ctx.main, h('h1', {}, t('Dashboard')), root);
  const load = async () => {
    const replies = await loadAll(ctx, [
      getJSON('/status'),
      getJSON('/explorer/dashboard'),
      getJSON('/explorer/blocks?limit=8'),
      getJSON('/explorer/txs?limit=8'),
    ]);
    if (!replies) return;
    const [status, dash, blocks, txs] = replies;
    root.dataset.height = status.height;
    fill(root, cards(status, dash), emission(status, dash), charts(dash), latest(blocks, txs));
  };
  await load();
  ctx.onBlock(load);
}

function cards(status, dash) {
  const average = dash.average_block_time_s;
  const e = status.emission;
  return h(
    'div',
    { class: 'cards' },
    card(
      t('Height'),
      link.block(status.height, group(status.height)),
      status.latest_block_time ? `latest block ${ago(status.latest_block_time)}` : 'no block yet',
      { 'data-stat': 'height' },
    ),
    card(
      t('Block time'),
      average === null ? '—' : `${average.toFixed(2)} s`,
      `average of recent blocks · target ${status.block_time_seconds} s`,
      { 'data-stat': 'block-time' },
    ),
    card(t('Total hash power'), hs(status.total_hash_power), 'votes ×1 · stakes ×3 · locks × price × weight', {
      'data-stat': 'hash-power',
    }),
    card(t('GOS supply'), gos(status.supply), `minted ${gos(status.minted)}`, { 'data-stat': 'supply' }),
    card(t('GOS burned'), gos(status.burned), `${e.burns_done} of ${e.burns_total} burns done`, { 'data-stat': 'burned' }),
    card(t('Emission progress'), e.progress, `of ${gos(e.total, 0)}`, { 'data-stat': 'progress' }),
    card(t('Block reward'), gos(e.current_block_reward), 'for the next block', { 'data-stat': 'reward' }),
    card(t('Mining nodes'), String(status.mining_set_size), `epoch ${status.epoch}`, { 'data-stat': 'mining' }),
    card(t('Transactions'), group(dash.txs_total), `indexed to height ${group(dash.indexed_height)}`, {
      'data-stat': 'txs',
    }),
  );
}

function emission(status, dash) {
  const e = status.emission;
  const emitted = Number(e.emitted.gos);
  const total = Number(e.total.gos);
  const perBlock = dash.average_block_time_s || dash.target_block_time_s;
  const halving = e.next_halving_height
    ? h(
        'p',
        { class: 'countdown', 'data-countdown': 'halving' },
        'Next halving at height ',
        h('b', {}, group(e.next_halving_height)),
        ' — in ',
        h('b', {}, group(dash.blocks_to_next_halving)),
        ` blocks, about ${duration(dash.next_halving_eta_s)} at ${perBlock.toFixed(2)} s per block. The reward then drops from ${gos(e.current_block_reward)} to ${gos(halvedReward(dash, e.next_halving_height), 6)}.`,
      )
    : h('p', { class: 'countdown' }, 'Emission is complete: no more halvings.');
  const burn = e.next_burn_height
    ? h(
        'p',
        {},
        `Burns: ${e.burns_done} of ${e.burns_total} done; the next one (10% of all GOS, as a reverse split) at height ${group(e.next_burn_height)}, in ${group(e.next_burn_height - status.height)} blocks.`,
      )
    : h('p', {}, `All ${e.burns_total} burns are done.`);
  const eras = dash.eras.map((era) => ({
    first_height: era.first_height,
    last_height: era.last_height,
    reward: Number(era.reward.gos),
  }));
  return section(
    t('Emission and halvings'),
    h('p', {}, `${gos(e.emitted)} of ${gos(e.total, 0)} emitted (${e.progress}).`),
    progressBar(total ? emitted / total : 0, { label: `emission progress ${e.progress}` }),
    halving,
    burn,
    emissionChart({
      eras,
      burns: dash.burn_heights,
      height: status.height,
      burnFraction: Number(e.burn_fraction),
      label:
        'Cumulative GOS emission by height, with halvings and burns; the blue line is what has been emitted so far',
    }),
    h(
      'p',
      { class: 'legend-row' },
      legend('#94a3b8', 'scheduled emission (cumulative)'),
      legend('#dc2626', 'GOS in existence after each burn'),
      legend('#2563eb', 'emitted so far'),
    ),
  );
}

function legend(color, text) {
  return h('span', { class: 'legend-item' }, h('i', { style: `background:${color}` }), text);
}

function halvedReward(dash, height) {
  const era = dash.eras.find((e) => e.first_height <= height && height <= e.last_height);
  return era ? era.reward : '0';
}

function charts(dash) {
  const blockTimes = dash.block_times.map((p) => [p.height, p.seconds]);
  const supply = dash.supply_series.map((p) => [p.height, Number(p.supply.gos)]);
  const burned = dash.supply_series.map((p) => [p.height, Number(p.burned.gos)]);
  const locked = dash.locked_value.map((a, i) => ({
    label: a.denom.toUpperCase(),
    value: Number(a.value.gos),
    text: `${group(trimDecimals(a.locked, 4))} ${a.denom} ≈ ${gos(a.value, 2)}`,
    color: PALETTE[(i + 2) % PALETTE.length],
  }));
  const poolItems = dash.pools.map((p, i) => ({
    label: p.pool,
    value: Number(p.hash_power.hs),
    legend: `${p.pool}: ${compact(Number(p.hash_power.hs))} H/s (${p.share})`,
    color: PALETTE[i % PALETTE.length],
  }));
  return h(
    'div',
    { class: 'grid-2' },
    section(
      t('Block time'),
      lineChart([{ name: 'seconds', points: blockTimes }], {
        label: `Seconds between the last ${blockTimes.length} blocks`,
        yFormat: (v) => `${+v.toFixed(2)} s`,
        xFormat: (v) => group(Math.round(v)),
      }),
    ),
    section(
      t('GOS supply'),
      lineChart(
        [
          { name: 'supply', color: '#2563eb', points: supply },
          { name: 'burned', color: '#dc2626', points: burned },
        ],
        { label: 'GOS supply (blue) and GOS burned (red) by height', area: true, xFormat: (v) => group(Math.round(v)) },
      ),
    ),
    section(
      t('Locked value by asset'),
      h(
        'p',
        { class: 'muted' },
        `Total ${gos(dash.total_locked_value, 2)} at the chain's prices (hash power = value × weight).`,
      ),
      barChart(locked, { label: 'Value of locked assets in GOS, by asset' }),
    ),
    section(
      t('Hash power by pool'),
      donut(poolItems, {
        label: 'Share of network hash power by pool',
        center: `${compact(Number(dash.total_hash_power.hs))} H/s`,
      }),
    ),
  );
}

function latest(blocks, txs) {
  const blockRows = blocks.items.map((b) => [link.block(b.height), ago(b.time), String(b.num_txs), gos(b.reward, 2)]);
  const txRows = txs.items.map((tx) => [
    link.tx(tx.hash),
    link.block(tx.height),
    link.account(tx.sender),
    tx.msg_types.join(', ') || '—',
    resultBadge(tx),
  ]);
  return h(
    'div',
    { class: 'grid-2' },
    section(
      t('Latest blocks'),
      table([t('Height'), t('Age'), t('Txs'), t('Reward')], blockRows, { caption: 'latest blocks', numeric: [2, 3] }),
      h('p', {}, h('a', { href: '#/blocks' }, t('All blocks →'))),
    ),
    section(
      t('Latest transactions'),
      table([t('Hash'), t('Block'), t('Sender'), t('Messages'), t('Result')], txRows, {
        caption: 'latest transactions',
        empty: t('No transactions yet.'),
        rowClasses: txs.items.map(txRowClass),
      }),
      h('p', {}, h('a', { href: '#/txs' }, t('All transactions →'))),
    ),
  );
}
