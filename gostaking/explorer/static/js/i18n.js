// The explorer's languages: English and Simplified Chinese, as in the app (gostaking/app/src/i18n.js), whose
// storage key and words this follows so a choice made in one carries to the other on the same node. The explorer
// has no build step and cannot import the app's bundle, so it keeps this small module of its own.
// Keys are the English texts themselves: a page says t('Latest blocks'); a text without a Chinese entry shows
// in English (tests/explorer/test_explorer_i18n.py fails on a text of the pages missing here).

export const LANGUAGES = { en: 'English', 'zh-CN': '简体中文' };
/** The app's key: one choice for the app and the explorer served from one origin. */
const STORAGE_KEY = 'gostaking.app.lang';

const ZH = {
  // shell
  Dashboard: '概览',
  Blocks: '区块',
  Transactions: '交易',
  Nodes: '节点',
  Graph: '关系图',
  Governance: '治理',
  'Liquid staking': '流动性质押',
  Language: '语言',
  Search: '搜索',
  'Address, tx hash, height or node': '地址、交易哈希、高度或节点',
  'Search by address, transaction hash, block height or node': '按地址、交易哈希、区块高度或节点搜索',
  'Skip to content': '跳到内容',
  height: '高度',
  'Loading…': '加载中…',
  'Page not found': '页面不存在',
  'No explorer page at ': '浏览器中没有此页面：',
  'Back to the dashboard': '返回概览',
  'Something went wrong': '出错了',
  "GoStaking block explorer · data from this node's chain state and its SQL index ·":
    'GoStaking 区块浏览器 · 数据来自本节点的链状态及其 SQL 索引 ·',
  'API documentation': 'API 文档',
  'just now': '刚刚',
  '{time} ago': '{time}前',
  unknown: '未知',
  '← Newest': '← 最新',
  'Older →': '更早 →',
  '{n} in total': '共 {n} 条',
  '← Previous': '← 上一页',
  'Next →': '下一页 →',
  'Nothing yet.': '暂无。',
  ok: '成功',
  'failed ({code})': '失败（{code}）',
  Kind: '类型',
  Attributes: '属性',
  // dashboard
  'Block height': '区块高度',
  'Network hash power': '全网算力',
  'GOS supply': 'GOS 供应量',
  'Mining nodes': '出块节点',
  'Block reward': '区块奖励',
  'Total hash power': '全网算力',
  'Emission progress': '发行进度',
  'GOS burned': '已销毁 GOS',
  'Emission and halvings': '发行与减半',
  'Block time': '出块时间',
  'Locked value by asset': '各资产锁仓价值',
  'Hash power by pool': '各池算力',
  'Latest blocks': '最新区块',
  'Latest transactions': '最新交易',
  'All blocks →': '全部区块 →',
  'All transactions →': '全部交易 →',
  'No transactions yet.': '暂无交易。',
  // tables
  Height: '高度',
  Age: '时间',
  Hash: '哈希',
  Proposer: '出块者',
  Txs: '交易数',
  Failed: '失败',
  Reward: '奖励',
  Fees: '手续费',
  Fee: '手续费',
  Block: '区块',
  Sender: '发送方',
  Messages: '消息',
  Result: '结果',
  Role: '角色',
  Counterparty: '对方',
  Amount: '数量',
  Transaction: '交易',
  Asset: '资产',
  Locked: '锁仓',
  'Hash power': '算力',
  Node: '节点',
  Multiplier: '倍数',
  Pool: '池',
  Pending: '待领取',
  Status: '状态',
  Votes: '投票',
  Stake: '质押',
  'Voters / stakers': '投票者 / 质押者',
  'Blocks proposed': '已出块数',
  'Uptime (last 100 expected blocks)': '在线率（最近 100 个应签区块）',
  'Rewards earned': '已获奖励',
  Parameter: '参数',
  Value: '数值',
  Operator: '运营者',
  Uptime: '在线率',
  Address: '地址',
  // blocks and transactions
  'Block {n}': '区块 {n}',
  Header: '区块头',
  Time: '时间',
  Previous: '上一区块',
  'Signers of the previous block': '上一区块的签名者',
  'Transactions ({n})': '交易（{n}）',
  'Block events ({n})': '区块事件（{n}）',
  'This block has no transactions.': '此区块没有交易。',
  'No block indexed yet.': '尚无已索引的区块。',
  'No transaction yet.': '暂无交易。',
  Overview: '概况',
  'Messages ({n})': '消息（{n}）',
  'Events ({n})': '事件（{n}）',
  success: '成功',
  'failed (code {code})': '失败（代码 {code}）',
  pending: '待处理',
  // account
  Account: '账户',
  'Liquid GOS': '可用 GOS',
  spendable: '可花费',
  'Voted + staked': '投票 + 质押',
  'Pending rewards': '待领取奖励',
  Balances: '余额',
  'Locked assets': '锁仓资产',
  Rewards: '奖励',
  'Votes and stakes': '投票与质押',
  'Hash power by source': '算力来源',
  Unbonding: '解绑中',
  History: '历史',
  'Download CSV': '下载 CSV',
  'block event': '区块事件',
  // nodes
  Candidates: '候选节点',
  'Other nodes': '其他节点',
  Epoch: '纪元',
  'Other registered nodes': '其他已注册节点',
  'Backing by node (hash-power terms)': '各节点的支持（按算力计）',
  'Voters ({n})': '投票者（{n}）',
  'Stakers ({n})': '质押者（{n}）',
  'Who backs this node': '谁在支持此节点',
  // graph and liquid staking
  'Resource-sharing graph': '资源共享关系图',
  'As a table': '表格视图',
  Target: '目标',
  Eligible: '符合条件',
  '1 sGOS': '1 sGOS',
  'sGOS supply': 'sGOS 供应量',
  'APR (day)': '年化收益率（日）',
  'APR (week)': '年化收益率（周）',
  'Instant pool': '即时兑付池',
  'Instant fee now': '当前即时手续费',
  'Open tickets': '未结兑付单',
  'Rate history': '汇率历史',
  'What backs sGOS': 'sGOS 的支撑资产',
  'Stake per node': '各节点质押',
  'Instant-redemption pool': '即时兑付池',
  'Redemption tickets': '兑付单',
  // facts of the detail pages
  '#': '#',
  sGOS: 'sGOS',
  Position: '位置',
  Sequence: '序号',
  Memo: '备注',
  Signature: '签名',
  'Signed by': '签名方',
  Log: '日志',
  Type: '类型',
  Title: '标题',
  Deposit: '押金',
  'Voting ends': '投票结束',
  'Voting ends at': '投票结束于',
  Ratified: '已批准',
  Description: '描述',
  'Submitted at': '提交于',
  'Blocks left': '剩余区块',
  Member: '成员',
  Voter: '投票者',
  Option: '选项',
  Power: '权重',
  'Minimum deposit': '最低押金',
  'Voting period': '投票期',
  Quorum: '法定人数',
  'Pass threshold': '通过门槛',
  Ratification: '批准',
  'Consensus address': '共识地址',
  'Consensus key': '共识公钥',
  'Registered at': '注册于',
  'Blocks signed (chain)': '已签名区块（链上）',
  'Last expected blocks': '最近应签区块',
  'Pending candidate rewards': '待领取候选节点奖励',
  Staked: '已质押',
  Total: '合计',
  'Unstaked (waiting, arrived, claimed)': '已解除质押（等待中、已到账、已领取）',
  'Pending rewards (after the protocol fee)': '待领取奖励（扣除协议费后）',
  'Next rebalance': '下次再平衡',
  'GOS available (depth)': '可用 GOS（深度）',
  'Being redeemed (tickets)': '兑付中（兑付单）',
  'LP units': 'LP 份额',
  'Fee of a small swap now': '当前小额兑换手续费',
  Ticket: '兑付单',
  'Pays now': '当前可兑',
  Cap: '上限',
  'Due at block': '到期区块',
  'Time left': '剩余时间',
  // governance
  'Proposals ({n})': '提案（{n}）',
  Rules: '规则',
  'Parameters: {name}': '参数：{name}',
  'Committee: the mining nodes ({n})': '委员会：出块节点（{n}）',
};

export const DICTIONARIES = { en: {}, 'zh-CN': ZH };

let current = null;

/** The chosen language: saved in this browser, else Chinese for a Chinese browser, else English (as the app). */
export function language() {
  if (!current) {
    let saved = null;
    try {
      saved = localStorage.getItem(STORAGE_KEY);
    } catch {
      saved = null; // storage refused (a private window's policy): the browser's language decides
    }
    current = Object.hasOwn(LANGUAGES, saved ?? '')
      ? saved
      : (navigator.language || '').toLowerCase().startsWith('zh')
        ? 'zh-CN'
        : 'en';
  }
  return current;
}

export function setLanguage(lang) {
  if (!Object.hasOwn(LANGUAGES, lang)) return;
  current = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // not remembered, still switched for this visit
  }
}

/** `text` (the English words) in the current language, with {name} placeholders filled from `values`. */
export function t(text, values = {}) {
  const words = DICTIONARIES[language()][text] ?? text;
  return words.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}
