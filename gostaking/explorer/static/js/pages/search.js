// Search: resolve an address, transaction or block hash, height or node moniker, then open its page.

import { errorBox, fill, getJSON, h } from '../api.js';
import { t, tNodes } from '../i18n.js';

export async function render(ctx, encoded) {
  const text = decodeURIComponent(encoded || '').trim();
  ctx.title(t('Search'));
  if (!text) {
    fill(
      ctx.main,
      h('h1', {}, t('Search')),
      h(
        'p',
        {},
        t('Type an address (gos1…), a transaction or block hash, a block height or a node name in the search box.'),
      ),
    );
    return;
  }
  try {
    const result = await getJSON(`/explorer/search?q=${encodeURIComponent(text)}`);
    if (!ctx.alive()) return;
    location.replace(result.route);
  } catch (err) {
    if (!ctx.alive()) return;
    fill(
      ctx.main,
      h('h1', {}, t('Search')),
      h('p', {}, tNodes('No result for {query}.', { query: h('code', { 'data-field': 'query' }, text) })),
      errorBox(err),
      h(
        'p',
        { class: 'muted' },
        t(
          'You can search by block height (e.g. 42), transaction or block hash (64 hex digits), address (gos1…), node consensus address or node name.',
        ),
      ),
    );
  }
}
