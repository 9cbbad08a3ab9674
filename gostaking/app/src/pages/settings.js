// Language, where the keys live, lock and remove.
import { forgetWallet } from '../vault.js';
import { LANGUAGES, language, t } from '../i18n.js';
import { field, h, select } from '../ui.js';

export function settingsPage(app) {
  const lang = select(t('language'), Object.entries(LANGUAGES), language());
  lang.addEventListener('change', () => app.setLanguage(lang.value));
  const root = h('section', { class: 'page card', 'aria-labelledby': 'settings-title' },
    h('h1', { id: 'settings-title' }, t('settingsTitle')),
    field(t('language'), lang),
    h('p', {}, t('keysLive')),
    h('div', { class: 'actions' },
      h('button', { type: 'button', onclick: () => app.lock() }, t('lockWallet')),
      h('button', { type: 'button', class: 'danger', onclick: () => {
        if (confirm(t('forgetConfirm'))) { forgetWallet(); app.lock(); }
      } }, t('forget'))));
  root.refresh = async () => { root.dataset.loaded = 'true'; };
  return root;
}
