// Governance as this node serves it: proposals (when the chain has a governance module), the committee
// (the mining nodes) and the chain parameters. Without a governance module the page says so plainly.

import { ApiError, badge, facts, fill, getJSON, gos, group, h, link, loadAll, section, table } from '../api.js';
import { barChart } from '../charts.js';

/** GET a path that only exists when the chain has the module; null when the endpoint is missing. */
async function optional(path) {
  try {
    return await getJSON(path);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404 && /no such endpoint/.test(err.message)) return null;
    throw err;
  }
}

function paramRows(params, prefix = '') {
  const rows = [];
  for (const [key, value] of Object.entries(params)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object' && !Array.isArray(value)) rows.push(...paramRows(value, name));
    else
      rows.push([
        h('code', {}, name),
        Array.isArray(value) ? JSON.stringify(value) : typeof value === 'number' ? group(value) : String(value),
      ]);
  }
  return rows;
}

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
    h('a', { href: `#/proposal/${p.id}` }, p.title),
    p.type,
    badge(p.status.replace('_', ' '), STATUS_KIND[p.status] || p.status),
    link.account(p.proposer),
    gos(p.deposit, 2),
    p.status === 'voting'
      ? `height ${group(p.voting_end_height)} (${group(Math.max(p.voting_end_height - height, 0))} blocks left)`
      : `height ${group(p.voting_end_height)}`,
    p.ratifications,
  ]);
  return [
    section(
      `Proposals (${group(list.total)})`,
      table(['#', 'Title', 'Type', 'Status', 'Proposer', 'Deposit', 'Voting ends', 'Ratified'], rows, {
        caption: 'proposals, newest first',
        empty: 'No proposal has been submitted yet.',
        numeric: [5],
      }),
    ),
    govParams
      ? section(
          'Rules',
          facts([
            ['Minimum deposit', gos(govParams.min_deposit)],
            ['Voting period', `${group(govParams.voting_period_blocks)} blocks`],
            ['Quorum', `${govParams.quorum} of all GOS`],
            ['Pass threshold', `yes > ${govParams.pass_threshold} of yes + no`],
            [
              'Ratification',
              `${govParams.ratify} of the committee within ${group(govParams.ratification_period_blocks)} blocks`,
            ],
          ]),
        )
      : null,
  ];
}

export async function render(ctx) {
  ctx.title('Governance');
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
        `Parameters: ${name}`,
        table(
          ['Parameter', 'Value'],
          value && typeof value === 'object' ? paramRows(value, name) : [[name, String(value)]],
          { caption: `${name} parameters`, numeric: [1] },
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
      h('h1', {}, 'Governance'),
      ...top,
      section(
        `Committee: the mining nodes (${committee.length})`,
        h(
          'p',
          { class: 'muted' },
          `The committee that ratifies passed proposals is the current mining set (epoch ${nodes.epoch}, elected at height ${group(nodes.elected_height)}).`,
        ),
        table(
          ['Node', 'Status', 'Operator', 'Votes', 'Stake', 'Uptime'],
          committee.map((n) => [
            link.node(n.operator, n.moniker),
            badge(n.status, n.status),
            link.account(n.operator),
            gos(n.votes, 2),
            gos(n.stake, 2),
            n.uptime,
          ]),
          { caption: 'committee members', empty: 'The mining set is empty.', numeric: [3, 4] },
        ),
      ),
      h('div', { class: 'grid-2' }, ...paramSections),
    );
  };
  await load();
  ctx.onBlock(load);
}

export async function renderProposal(ctx, id) {
  ctx.title(`Proposal #${id}`);
  const load = async () => {
    const replies = await loadAll(
      ctx,
      [getJSON(`/governance/proposals/${id}`), getJSON(`/governance/proposals/${id}/votes`)],
      { errorIn: ctx.main, heading: h('h1', {}, `Proposal #${id}`) },
    );
    if (!replies) return;
    const [proposal, votes] = replies;
    const t = proposal.tally;
    const tallyItems = [
      { label: 'yes', value: Number(t.yes.gos), text: gos(t.yes, 2), color: '#059669' },
      { label: 'no', value: Number(t.no.gos), text: gos(t.no, 2), color: '#dc2626' },
      { label: 'abstain', value: Number(t.abstain.gos), text: gos(t.abstain, 2), color: '#64748b' },
    ];
    const ratified = new Set(proposal.ratified_by);
    fill(
      ctx.main,
      h('h1', {}, `Proposal #${proposal.id}: ${proposal.title}`),
      section(
        'Overview',
        facts([
          ['Status', badge(proposal.status.replace('_', ' '), STATUS_KIND[proposal.status] || proposal.status)],
          ['Type', proposal.type],
          ['Proposer', link.account(proposal.proposer, proposal.proposer)],
          ['Deposit', gos(proposal.deposit)],
          ['Submitted at', link.block(proposal.submit_height)],
          ['Voting ends at', link.block(proposal.voting_end_height)],
          proposal.blocks_left !== null ? ['Blocks left', group(proposal.blocks_left)] : null,
          ['Description', proposal.description || '—'],
          proposal.log ? ['Log', h('span', { class: 'log' }, proposal.log)] : null,
        ]),
      ),
      section(
        t.final ? 'Final tally' : 'Tally so far',
        barChart(tallyItems, { label: 'Voting power by option' }),
        h('p', {}, `Quorum ${t.quorum_reached ? 'reached' : 'not reached'} · ${t.passing ? 'passing' : 'not passing'}`),
      ),
      section(
        `Committee ratifications (${proposal.ratifications}, ${proposal.ratifications_needed} needed)`,
        table(
          ['Member', 'Ratified'],
          proposal.committee.map((op) => [
            link.node(op),
            ratified.has(op) ? badge('yes', 'ok') : badge('not yet', 'pending'),
          ]),
          { caption: 'committee', empty: 'The vote has not passed yet: no committee.' },
        ),
      ),
      section(
        `Votes (${votes.votes.length})`,
        votes.note ? h('p', { class: 'muted' }, votes.note) : null,
        table(
          ['Voter', 'Option', 'Power'],
          votes.votes.map((v) => [link.account(v.voter), v.option, gos(v.power, 2)]),
          { caption: 'votes', empty: 'No votes.', numeric: [2] },
        ),
      ),
      h(
        'details',
        { class: 'raw' },
        h('summary', {}, 'Content'),
        h('pre', {}, JSON.stringify(proposal.content, null, 2)),
      ),
    );
  };
  await load();
  ctx.onBlock(load);
}
