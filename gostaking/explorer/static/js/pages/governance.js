// Governance as this node serves it: proposals (when the chain has a governance module), the committee
// (the mining nodes) and the chain parameters. Without a governance module the page says so plainly.

import {
  ApiError,
  badge,
  facts,
  fill,
  fromBaseUnits,
  getJSON,
  gos,
  group,
  h,
  link,
  loadAll,
  loading,
  loadNodeNames,
  maybeAddress,
  section,
  table,
} from '../api.js';
import { barChart } from '../charts.js';
import { t } from '../i18n.js';

/** GET a path that only exists when the chain has the module; null when the endpoint is missing. */
async function optional(path) {
  try {
    return await getJSON(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /no such endpoint/.test(err.message)) return null;
    throw err;
  }
}

/**
 * A parameter in the units a reader uses, by the chain's naming: `…_ugos` integers are GOS, `…_ppm` parts per
 * million are percentages; the name shown drops the unit suffix (the raw name and value stay in the tooltip).
 */
function paramRow(name, value) {
  const raw = `${name} = ${JSON.stringify(value)}`;
  const label = (shown) => h('code', { title: raw }, shown);
  if (typeof value === 'number' && name.endsWith('_ugos'))
    return [label(name.slice(0, -'_ugos'.length)), gos(fromBaseUnits(value, 6))];
  if (typeof value === 'number' && name.endsWith('_ppm'))
    return [label(name.slice(0, -'_ppm'.length)), `${group(fromBaseUnits(value, 4))}%`];
  if (Array.isArray(value))
    return [
      label(name),
      value.length
        ? h('span', { class: 'chips' }, value.map((item) => h('span', { class: 'chip' }, maybeAddress(String(item)))))
        : '—',
    ];
  return [label(name), typeof value === 'number' ? group(value) : h('span', { 'data-verbatim': '' }, String(value))];
}

function paramRows(params, prefix = '') {
  const rows = [];
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) rows.push(...paramRows(value, name));
    else rows.push(paramRow(name, value));
  }
  return rows;
}

/** A section of the chain's parameters (ChainParams) by its name: English readers see the chain's own name. */
const sectionName = (name) => t(name);

/** A proposal's type and status in words (the chain's identifiers as keys; a newer chain's shows as written). */
const PROPOSAL_TYPES = {
  text: 'text',
  param_change: 'parameter change',
  asset_listing: 'asset listing',
  asset_weight: 'asset weight',
  node_count: 'node count',
  kyc_provider: 'KYC provider',
  market_listing: 'market listing',
  market_halt: 'market halt or resume',
};
const PROPOSAL_STATUSES = {
  voting: 'voting',
  passed: 'passed',
  rejected: 'rejected',
  no_quorum: 'no quorum',
  executed: 'executed',
  execution_failed: 'execution failed',
  expired: 'expired',
};
const typeName = (type) => (Object.hasOwn(PROPOSAL_TYPES, type) ? t(PROPOSAL_TYPES[type]) : type);
const statusName = (status) => (Object.hasOwn(PROPOSAL_STATUSES, status) ? t(PROPOSAL_STATUSES[status]) : status);
const OPTIONS = { yes: 'yes', no: 'no', abstain: 'abstain' };
const optionName = (option) => (Object.hasOwn(OPTIONS, option) ? t(OPTIONS[option]) : option);

const STATUS_KIND = {
  voting: 'pending',
  passed: 'candidate',
  executed: 'ok',
  rejected: 'failed',
  no_quorum: 'failed',
  expired: 'failed',
  execution_failed: 'failed',
};

function proposalsSection(list, govParams, height) {
  const rows = list.proposals.map((p) => [
    h('a', { href: `#/proposal/${p.id}` }, `#${p.id}`),
    h('a', { href: `#/proposal/${p.id}`, 'data-verbatim': '' }, p.title),
    typeName(p.type),
    badge(statusName(p.status), STATUS_KIND[p.status] || p.status),
    link.account(p.proposer),
    gos(p.deposit, 2),
    p.status === 'voting'
      ? t('height {height} ({n} blocks left)', {
          height: group(p.voting_end_height),
          n: group(Math.max(p.voting_end_height - height, 0)),
        })
      : t('height {height}', { height: group(p.voting_end_height) }),
    p.ratifications,
  ]);
  return [
    section(
      t('Proposals ({n})', { n: group(list.total) }),
      table(
        ['#', 'Title', 'Type', 'Status', 'Proposer', 'Deposit', 'Voting ends', 'Ratified'].map((text) => t(text)),
        rows,
        { caption: t('proposals, newest first'), empty: t('No proposal has been submitted yet.'), numeric: [5] },
      ),
    ),
    govParams
      ? section(
          t('Rules'),
          facts([
            [t('Minimum deposit'), gos(govParams.min_deposit)],
            [t('Voting period'), t('{n} blocks', { n: group(govParams.voting_period_blocks) })],
            [t('Quorum'), t('{share} of all GOS', { share: govParams.quorum })],
            [t('Pass threshold'), t('yes > {share} of yes + no', { share: govParams.pass_threshold })],
            [
              t('Ratification'),
              t('{share} of the committee within {n} blocks', {
                share: govParams.ratify,
                n: group(govParams.ratification_period_blocks),
              }),
            ],
          ]),
        )
      : null,
  ];
}

export async function render(ctx) {
  ctx.title(t('Governance'));
  fill(ctx.main, h('h1', {}, t('Governance')), loading());
  const load = async () => {
    const replies = await loadAll(ctx, [
      getJSON('/explorer/nodes'),
      getJSON('/params'),
      optional('/governance/proposals?limit=100'),
      optional('/governance/params'),
    ]);
    if (!replies) return;
    const [nodes, params, proposals, govParams] = replies;
    const committee = nodes.nodes.filter((n) => nodes.mining_set.includes(n.operator));
    const paramSections = Object.entries(params).map(([name, value]) =>
      section(
        t('Parameters: {name}', { name: sectionName(name) }),
        table(
          [t('Parameter'), t('Value')],
          value && typeof value === 'object' ? paramRows(value, name) : [paramRow(name, value)],
          { caption: t('Parameters: {name}', { name: sectionName(name) }), numeric: [1] },
        ),
      ),
    );
    const top =
      proposals === null
        ? [
            h(
              'div',
              { class: 'notice', role: 'note', 'data-field': 'no-governance' },
              h('b', {}, 'No governance proposals module on this chain yet.'),
              ' The rules foresee proposals with a deposit, voting with bonded and escrowed GOS, and execution after ratification by 2/3 of the committee; this node serves no proposals, so there are none to show. Parameters are those set at genesis.',
            ),
          ]
        : proposalsSection(proposals, govParams, nodes.height);
    fill(
      ctx.main,
      h('h1', {}, t('Governance')),
      ...top,
      section(
        t('Committee: the mining nodes ({n})', { n: committee.length }),
        h(
          'p',
          { class: 'muted' },
          t(
            'The committee that ratifies passed proposals is the current mining set (epoch {epoch}, elected at height {height}).',
            { epoch: group(nodes.epoch), height: group(nodes.elected_height) },
          ),
        ),
        table(
          [t('Node'), 'Status', 'Operator', 'Votes', 'Stake', 'Uptime'].map((text) => t(text)),
          committee.map((n) => [
            link.node(n.operator, n.moniker),
            badge(t(n.status), n.status),
            link.account(n.operator),
            gos(n.votes, 2),
            gos(n.stake, 2),
            n.uptime,
          ]),
          { caption: t('committee members'), empty: t('The mining set is empty.'), numeric: [3, 4] },
        ),
      ),
      h('div', { class: 'grid-2' }, ...paramSections),
    );
  };
  await load();
  ctx.onBlock(load);
}

export async function renderProposal(ctx, id) {
  ctx.title(t('Proposal #{id}', { id }));
  const load = async () => {
    const replies = await loadAll(
      ctx,
      [getJSON(`/governance/proposals/${id}`), getJSON(`/governance/proposals/${id}/votes`), loadNodeNames()],
      { errorIn: ctx.main, heading: h('h1', {}, t('Proposal #{id}', { id })) },
    );
    if (!replies) return;
    const [proposal, votes] = replies;
    const tally = proposal.tally;
    const tallyItems = [
      { label: t('yes'), value: Number(tally.yes.gos), text: gos(tally.yes, 2), color: '#059669' },
      { label: t('no'), value: Number(tally.no.gos), text: gos(tally.no, 2), color: '#dc2626' },
      { label: t('abstain'), value: Number(tally.abstain.gos), text: gos(tally.abstain, 2), color: '#64748b' },
    ];
    const ratified = new Set(proposal.ratified_by);
    fill(
      ctx.main,
      h('h1', {}, `${t('Proposal #{id}', { id: proposal.id })}: `, h('span', { 'data-verbatim': '' }, proposal.title)),
      section(
        t('Overview'),
        facts([
          [t('Status'), badge(statusName(proposal.status), STATUS_KIND[proposal.status] || proposal.status)],
          [t('Type'), typeName(proposal.type)],
          [t('Proposer'), link.account(proposal.proposer, proposal.proposer)],
          [t('Deposit'), gos(proposal.deposit)],
          [t('Submitted at'), link.block(proposal.submit_height)],
          [t('Voting ends at'), link.block(proposal.voting_end_height)],
          proposal.blocks_left !== null ? [t('Blocks left'), group(proposal.blocks_left)] : null,
          [t('Description'), h('span', { 'data-verbatim': '' }, proposal.description || '—')],
          proposal.log ? [t('Log'), h('span', { class: 'log' }, proposal.log)] : null,
        ]),
      ),
      section(
        tally.final ? t('Final tally') : t('Tally so far'),
        barChart(tallyItems, { label: t('Voting power by option') }),
        h(
          'p',
          {},
          `${tally.quorum_reached ? t('Quorum reached') : t('Quorum not reached')} · ${tally.passing ? t('passing') : t('not passing')}`,
        ),
      ),
      section(
        t('Committee ratifications ({n}, {needed} needed)', { n: proposal.ratifications, needed: proposal.ratifications_needed }),
        table(
          ['Member', 'Ratified'].map((text) => t(text)),
          proposal.committee.map((op) => [
            link.node(op),
            ratified.has(op) ? badge(t('yes'), 'ok') : badge(t('not yet'), 'pending'),
          ]),
          { caption: t('committee'), empty: t('The vote has not passed yet: no committee.') },
        ),
      ),
      section(
        t('Votes ({n})', { n: votes.votes.length }),
        votes.note ? h('p', { class: 'muted' }, votes.note) : null,
        table(
          ['Voter', 'Option', 'Power'].map((text) => t(text)),
          votes.votes.map((v) => [link.account(v.voter), optionName(v.option), gos(v.power, 2)]),
          { caption: t('votes'), empty: t('No votes.'), numeric: [2] },
        ),
      ),
      h(
        'details',
        { class: 'raw' },
        h('summary', {}, t('Content')),
        h('pre', {}, JSON.stringify(proposal.content, null, 2)),
      ),
    );
  };
  await load();
  ctx.onBlock(load);
}
