// Proposals and votes (bonded GOS counts; no escrow added here).
import { api } from '../api.js';
import { t, language } from '../i18n.js';
import { feeLine, h, outcome, submit } from '../ui.js';

// The chain's names of proposal types and statuses (gostaking/chain/types/gov.py) → text keys; a name this
// table lacks (a newer chain's) shows as the chain writes it.
const TYPE_KEYS = {
  text: 'proposalText', param_change: 'proposalParamChange', asset_listing: 'proposalAssetListing',
  asset_weight: 'proposalAssetWeight', node_count: 'proposalNodeCount', kyc_provider: 'proposalKycProvider',
  market_listing: 'proposalMarketListing', market_halt: 'proposalMarketHalt',
};
const STATUS_KEYS = {
  voting: 'statusVoting', passed: 'statusPassed', rejected: 'statusRejected', no_quorum: 'statusNoQuorum',
  executed: 'statusExecuted', execution_failed: 'statusExecutionFailed', expired: 'statusExpired',
};
const named = (keys, name) => (keys[name] ? t(keys[name]) : name);

export function governancePage(session) {
  const list = h('div', { class: 'proposals' }, t('loading'));
  const result = outcome();
  const root = h(
    'section',
    { class: 'page', 'aria-labelledby': 'gov-title' },
    h('h1', { id: 'gov-title' }, t('governanceTitle')),
    list,
    feeLine(session),
    result,
  );
  root.refresh = async () => {
    const page = await api.get('/governance/proposals?limit=20');
    const number = new Intl.NumberFormat(language());
    list.replaceChildren(
      ...(page.proposals.length
        ? page.proposals.map((p) =>
            h('article', { class: 'card', dataset: { proposal: p.id } },
              h('h2', {}, t('proposal', { id: p.id, title: '' }), h('span', { dataset: { verbatim: '' } }, p.title)),
              h('p', { dataset: { type: p.type, status: p.status } }, `${named(TYPE_KEYS, p.type)} · ${named(STATUS_KEYS, p.status)}`),
              p.status === 'voting'
                ? [h('p', { class: 'muted' }, t('votingEnds', { height: number.format(p.voting_end_height) })),
                   h('div', { class: 'actions', role: 'group', 'aria-label': t('proposal', { id: p.id, title: p.title }) },
                     ['yes', 'no', 'abstain'].map((option) =>
                       h('button', { type: 'button', onclick: () => submit(session, result, [{ type: 'vote_proposal', proposal_id: p.id, option, escrow: 0n }]) },
                         t(option))))]
                : null))
        : [h('p', { class: 'muted' }, t('noProposals'))]),
    );
    root.dataset.loaded = 'true';
  };
  return root;
}
