/** The pages' script: common parts (engine version in the footer, dialogs), then the page's own module. */
import { startAdmin } from './admin.js';
import { wireCloseButtons } from './dialogs.js';
import { maybeId, pageData, prefix } from './dom.js';
import { startList } from './list.js';
import { startOutputs } from './outputs.js';

async function engineVersion(): Promise<void> {
  const span = maybeId('engine-version');
  if (!span) {
    return;
  }
  try {
    const res = await fetch(`${prefix()}/v1/engine_version`, { credentials: 'same-origin' });
    span.textContent = res.ok ? `version ${(await res.text()).trim()}` : '';
  } catch {
    span.textContent = '';
  }
}

function start(): void {
  wireCloseButtons();
  void engineVersion();
  switch (pageData().page) {
    case 'list':
      startList();
      break;
    case 'outputs':
      void startOutputs();
      break;
    case 'admin':
      void startAdmin();
      break;
    default:
      break;
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', start);
} else {
  start();
}
