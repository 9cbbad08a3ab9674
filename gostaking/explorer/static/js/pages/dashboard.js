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
  msgTypes,
  poolName,
  resultBadge,
  seconds,
  section,
  table,
  loading,
  trimDecimals,
  txRowClass,
} from '../api.js';
import { t, tNodes } from '../i18n.js';
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
      status.latest_block_time ? t('latest block {age}', { age: ago(status.latest_block_time) }) : t('no block yet'),
      { 'data-stat': 'height' },
    ),
    card(
      t('Block time'),
      average === null ? '—' : seconds(average),
      t('average of recent blocks · target {seconds} s', { seconds: status.block_time_seconds }),
      { 'data-stat': 'block-time' },
    ),
    card(t('Total hash power'), hs(status.total_hash_power), t('votes ×1 · stakes ×3 · locks × price × weight'), {
      'data-stat': 'hash-power',
    }),
    card(t('GOS supply'), gos(status.supply), t('minted {amount}', { amount: gos(status.minted) }), { 'data-stat': 'supply' }),
    card(t('GOS burned'), gos(status.burned), t('{done} of {total} burns done', { done: e.burns_done, total: e.burns_total }), { 'data-stat': 'burned' }),
    card(t('Emission progress'), e.progress, t('of {total}', { total: gos(e.total, 0) }), { 'data-stat': 'progress' }),
    card(t('Block reward'), gos(e.current_block_reward), t('for the next block'), { 'data-stat': 'reward' }),
    card(t('Mining nodes'), String(status.mining_set_size), t('epoch {n}', { n: group(status.epoch) }), { 'data-stat': 'mining' }),
    card(t('Transactions'), group(dash.txs_total), t('indexed to height {height}', { height: group(dash.indexed_height) }), {
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
        tNodes(
          'Next halving at height {height} — in {blocks} blocks, about {eta} at {perBlock} s per block. The reward then drops from {reward} to {halved}.',
          {
            height: h('b', {}, group(e.next_halving_height)),
            blocks: h('b', {}, group(dash.blocks_to_next_halving)),
            eta: duration(dash.next_halving_eta_s),
            perBlock: perBlock.toFixed(2),
            reward: gos(e.current_block_reward),
            halved: gos(halvedReward(dash, e.next_halving_height), 6),
          },
        ),
      )
    : h('p', { class: 'countdown' }, t('Emission is complete: no more halvings.'));
  const burn = e.next_burn_height
    ? h(
        'p',
        {},
        t(
          'Burns: {done} of {total} done; the next one (10% of all GOS, as a reverse split) at height {height}, in {blocks} blocks.',
          {
            done: e.burns_done,
            total: e.burns_total,
            height: group(e.next_burn_height),
            blocks: group(e.next_burn_height - status.height),
          },
        ),
      )
    : h('p', {}, t('All {n} burns are done.', { n: e.burns_total }));
  const eras = dash.eras.map((era) => ({
    first_height: era.first_height,
    last_height: era.last_height,
    reward: Number(era.reward.gos),
  }));
  return section(
    t('Emission and halvings'),
    h('p', {}, t('{emitted} of {total} emitted ({progress}).', { emitted: gos(e.emitted), total: gos(e.total, 0), progress: e.progress })),
    progressBar(total ? emitted / total : 0, { label: t('emission progress {progress}', { progress: e.progress }) }),
    halving,
    burn,
    emissionChart({
      eras,
      burns: dash.burn_heights,
      height: status.height,
      burnFraction: Number(e.burn_fraction),
      label: t(
        'Cumulative GOS emission by height, with halvings and burns; the blue line is what has been emitted so far',
      ),
    }),
    h(
      'p',
      { class: 'legend-row' },
      legend('#94a3b8', t('scheduled emission (cumulative)')),
      legend('#dc2626', t('GOS in existence after each burn')),
      legend('#2563eb', t('emitted so far')),
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
    label: poolName(p.pool),
    value: Number(p.hash_power.hs),
    legend: `${poolName(p.pool)}: ${compact(Number(p.hash_power.hs))} H/s (${p.share})`,
    color: PALETTE[i % PALETTE.length],
  }));
  return h(
    'div',
    { class: 'grid-2' },
    section(
      t('Block time'),
      lineChart([{ name: 'seconds', points: blockTimes }], {
        label: t('Seconds between the last {n} blocks', { n: blockTimes.length }),
        yFormat: (v) => seconds(v),
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
        { label: t('GOS supply (blue) and GOS burned (red) by height'), area: true, xFormat: (v) => group(Math.round(v)) },
      ),
    ),
    section(
      t('Locked value by asset'),
      h(
        'p',
        { class: 'muted' },
        t("Total {value} at the chain's prices (hash power = value × weight).", { value: gos(dash.total_locked_value, 2) }),
      ),
      barChart(locked, { label: t('Value of locked assets in GOS, by asset') }),
    ),
    section(
      t('Hash power by pool'),
      donut(poolItems, {
        label: t('Share of network hash power by pool'),
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
    msgTypes(tx.msg_types),
    resultBadge(tx),
  ]);
  return h(
    'div',
    { class: 'grid-2' },
    section(
      t('Latest blocks'),
      table([t('Height'), t('Age'), t('Txs'), t('Reward')], blockRows, { caption: t('latest blocks'), numeric: [2, 3] }),
      h('p', {}, h('a', { href: '#/blocks' }, t('All blocks →'))),
    ),
    section(
      t('Latest transactions'),
      table([t('Hash'), t('Block'), t('Sender'), t('Messages'), t('Result')], txRows, {
        caption: t('latest transactions'),
        empty: t('No transactions yet.'),
        rowClasses: txs.items.map(txRowClass),
      }),
      h('p', {}, h('a', { href: '#/txs' }, t('All transactions →'))),
    ),
  );
}
