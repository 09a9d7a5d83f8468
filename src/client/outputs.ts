/**
 * The outputs page: one row per output of the engine with a download button per export format
 * (exported on demand by the server), the datastore, the traceback.
 */
import { ApiError, call, getJson } from './api.js';
import { byId, el, pageData, prefix } from './dom.js';

interface Output { id: number; name: string; type: string; outtypes: string[]; url: string; size_mb: number | null }

/** Starts the outputs page. */
export async function startOutputs(): Promise<void> {
  const id = Number(pageData().calcId);
  const message = byId('outputs-message');
  const tbody = byId('outputs').querySelector('tbody') as HTMLTableSectionElement;
  try {
    const outputs = await getJson<Output[]>(`/v1/calc/${id}/results`);
    const frag = document.createDocumentFragment();
    for (const o of outputs) {
      const links = el('td', { class: 'downloads' });
      for (const t of o.outtypes) {
        links.append(el('a', {
          class: 'button-link small', download: true,
          href: `${prefix()}/v1/calc/result/${o.id}?export_type=${encodeURIComponent(t)}`,
          'aria-label': `Download ${t} of ${o.name}`,
        }, `Download ${t}`));
      }
      // the original shows the size on the type, as a title
      const size = o.size_mb !== null && o.size_mb > 0 ? { title: `Size: ${Math.max(o.size_mb, 0.01).toFixed(2)} MB` } : {};
      frag.append(el('tr', {}, el('td', { class: 'num' }, String(o.id)), el('td', {}, o.name), el('td', size, o.type), links));
    }
    tbody.replaceChildren(frag);
    message.textContent = outputs.length === 0 ? 'This calculation has no outputs.' : '';
  } catch (e) {
    // 404: the engine has listed no outputs (still running, failed, or none made)
    message.textContent = e instanceof ApiError && e.status === 404 ? 'This calculation has no outputs.' : `The outputs could not be loaded: ${(e as Error).message}`;
  }
  try {
    await call(`/v1/calc/${id}/datastore`, { method: 'HEAD' });
    const link = byId<HTMLAnchorElement>('datastore-link');
    link.href = `${prefix()}/v1/calc/${id}/datastore`;
    byId('datastore').hidden = false;
  } catch {
    // no datastore (or not allowed): no link
  }
  if (pageData().status === 'failed') {
    try {
      const lines = await getJson<string[]>(`/v1/calc/${id}/traceback`);
      if (lines.length > 0) {
        byId('traceback').textContent = lines.join('\n');
        byId('traceback-section').hidden = false;
      }
    } catch {
      // shown as no traceback
    }
  }
}
