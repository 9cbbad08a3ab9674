// Vote and stake on a node chosen from the registry (mining set first, then candidates: GET /explorer/nodes with
// uptime and backers), or redeem.
import { api } from '../api.js';
import { formatDuration, formatPercent } from '../amounts.js';
import { t, language } from '../i18n.js';
import { amountInput, estimateLine, guard, feeLine, field, fmt, freeBalance, GOS, h, outcome, overBalance, readAmount, report, submit, units } from '../ui.js';

// Unbonding periods are counted in blocks; shown at this node's block interval.
function blocksAsTime(blocks, status) {
  return formatDuration(blocks * status.block_time_seconds, language());
}

export function stakePage(session) {
  const amount = amountInput(t('amount'));
  const result = outcome();
  const estimate = estimateLine(session, amount, () => GOS.decimals, () => [
    [t('vote'), (ugos) => `vote=${ugos}`], [t('stake'), (ugos) => `stake=${ugos}`],
  ]);
  const help = h('p', { class: 'help' }, '');
  const nodeBody = h('tbody');
  const table = h('table', { class: 'nodes' },
    h('caption', {}, t('pickNode')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('pickNode'))),
      h('th', { scope: 'col' }, t('moniker')), h('th', { scope: 'col' }, t('status')),
      h('th', { scope: 'col' }, t('uptime')), h('th', { scope: 'col' }, t('backing')),
      h('th', { scope: 'col' }, `${t('voted')} / ${t('staked')}`))),
    nodeBody);
  const chosenNode = () => nodeBody.querySelector('input[name=node]:checked')?.value;

  async function act(kind) {
    report(result, 'waiting', t('waiting')); // at once: the click is acknowledged before any request
    const node = chosenNode();
    if (!node) return report(result, 'error', t('pickNode'));
    const typed = readAmount(amount, GOS.decimals);
    if (typed.error) return report(result, 'error', typed.error);
    const account = await api.get(`/accounts/${session.key.address}`);
    let available = freeBalance(account, GOS);
    let what = t('free');
    if (kind === 'unvote' || kind === 'unstake') {
      const bond = account[kind === 'unvote' ? 'votes' : 'stakes'].find((b) => b.node === node);
      available = bond ? units(bond.amount.gos, 6) : 0n;
      what = t(kind === 'unvote' ? 'voted' : 'staked');
    }
    const problem = overBalance(typed.value, available, GOS.decimals, what);
    if (problem) return report(result, 'error', problem);
    await submit(session, result, [{ type: kind, node, amount: typed.value }]);
  }

  const root = h(
    'section',
    { class: 'page card', 'aria-labelledby': 'stake-title' },
    h('h1', { id: 'stake-title' }, t('stakeTitle')),
    help,
    h('div', { class: 'table-wrap' }, table),
    field(t('amount'), amount),
    estimate,
    feeLine(session),
    h('div', { class: 'actions' },
      h('button', { type: 'button', class: 'primary', onclick: guard(result, () => act('vote')) }, t('vote')),
      h('button', { type: 'button', class: 'primary', onclick: guard(result, () => act('stake')) }, t('stake')),
      h('button', { type: 'button', onclick: guard(result, () => act('unvote')) }, t('unvote')),
      h('button', { type: 'button', onclick: guard(result, () => act('unstake')) }, t('unstake'))),
    result,
  );

  root.refresh = async () => {
    const [nodes, account, status] = await Promise.all([
      api.get('/explorer/nodes?limit=100'), api.get(`/accounts/${session.key.address}`), api.get('/status'),
    ]);
    help.textContent = t('stakeHelp', {
      vote: blocksAsTime(session.params.staking.vote_unbonding_blocks, status),
      stake: blocksAsTime(session.params.staking.stake_unbonding_blocks, status),
    });
    const previous = chosenNode();
    const mine = (list, node) => list.find((b) => b.node === node);
    nodeBody.replaceChildren(
      ...nodes.nodes.map((node, i) => {
        const id = `node-${i}`;
        const vote = mine(account.votes, node.operator);
        const stake = mine(account.stakes, node.operator);
        return h('tr', { dataset: { operator: node.operator } },
          h('td', {}, h('input', { type: 'radio', name: 'node', id, value: node.operator, checked: previous ? previous === node.operator : i === 0,
            'aria-label': `${node.moniker} (${t(node.status) || node.status})` })),
          h('td', {}, h('label', { for: id }, node.moniker), h('br'), h('small', { class: 'mono muted' }, `${node.operator.slice(0, 14)}…`)),
          h('td', {}, h('span', { class: `badge ${node.status}` }, t(node.status))),
          h('td', { dataset: { col: 'uptime' } }, node.uptime === 'n/a' ? '—' : formatPercent(node.uptime, language())),
          h('td', {}, `${fmt(units(node.votes.gos, 6), 6, 2)} / ${fmt(units(node.stake.gos, 6), 6, 2)} GOS`, h('br'),
            h('small', { class: 'muted' }, t('backers', { n: new Intl.NumberFormat(language()).format(node.voters + node.stakers) }))),
          h('td', { dataset: { col: 'mine' } }, `${vote ? fmt(units(vote.amount.gos, 6), 6) : '0'} / ${stake ? fmt(units(stake.amount.gos, 6), 6) : '0'}`));
      }),
    );
    root.dataset.loaded = 'true';
  };
  return root;
}
