// Places kept for services other work is building (the order book): each page names what will be
// here, so the navigation does not change shape when they land.
import { t } from '../i18n.js';
import { h } from '../ui.js';

export function upcomingPage(titleKey, textKey) {
  const root = h('section', { class: 'page card upcoming', 'aria-labelledby': 'upcoming-title' },
    h('h1', { id: 'upcoming-title' }, t(titleKey)), h('p', {}, t(textKey)));
  root.refresh = async () => { root.dataset.loaded = 'true'; };
  return root;
}
