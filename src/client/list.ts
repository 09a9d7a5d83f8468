/**
 * The calculation list: paged and filtered on the server (/v1/calc/list, X-Total-Count), the
 * buttons each row may show from /engine/actions (the policies), refreshed every 3 s while
 * something runs without reloading (rows are updated in place: scroll, focus, filters and page
 * stay).
 */
import { ApiError, call, getJson } from './api.js';
import { openConsole, openTraceback } from './console.js';
import { confirmAction, showMessage } from './dialogs.js';
import { byId, el, maybeId, pageData, prefix } from './dom.js';
import { progressBar, type Progress } from './progress.js';
import { openRun, wireRun } from './run.js';
import { timeElement } from './time.js';
import type { ListItem } from '../calcs/list-item.js';

/** The fields of a /v1/calc/list item the page shows (the shape is declared once, with the server's presenter). */
type Item = Pick<ListItem, 'id' | 'owner' | 'calculation_mode' | 'status' | 'is_running' | 'description' | 'start_time' | 'parent_id'>;
type Button = 'console' | 'traceback' | 'outputs' | 'abort' | 'remove' | 'share' | 'unshare' | 'continue';
interface Extras { actions: Button[]; progress: Progress | null }

const FAST = 3000;
const SLOW = 10000;
const ACTIVE = new Set(['created', 'submitted', 'executing']);
const FILTERS = ['status', 'calculation_mode', 'user_name_like'] as const;

const state = { filters: {} as Record<string, string>, page: 1, limit: 100 };
let timer: number | undefined;
let generation = 0;
const rows = new Map<number, { tr: HTMLTableRowElement; key: string }>();

function readUrl(): void {
  const q = new URLSearchParams(location.search);
  for (const f of FILTERS) {
    state.filters[f] = q.get(f) ?? '';
  }
  state.page = Math.max(1, Number(q.get('page')) || 1);
  state.limit = Math.min(1000, Math.max(1, Number(q.get('limit')) || 100));
  const form = byId<HTMLFormElement>('filters');
  for (const f of FILTERS) {
    (form.elements.namedItem(f) as HTMLInputElement).value = state.filters[f];
  }
}

function writeUrl(): void {
  const q = new URLSearchParams();
  for (const f of FILTERS) {
    if (state.filters[f]) {
      q.set(f, state.filters[f]);
    }
  }
  if (state.page > 1) {
    q.set('page', String(state.page));
  }
  if (state.limit !== 100) {
    q.set('limit', String(state.limit));
  }
  const search = q.toString();
  history.replaceState(null, '', `${location.pathname}${search ? `?${search}` : ''}`);
}

function button(label: string, name: string, onClick: () => void, cls = ''): HTMLButtonElement {
  const b = el('button', { type: 'button', class: `small ${cls}`.trim(), 'aria-label': name }, label);
  b.addEventListener('click', onClick);
  return b;
}

async function act(id: number, verb: string, what: string): Promise<void> {
  try {
    await call(`/v1/calc/${id}/${verb}`, { method: 'POST' });
  } catch (e) {
    showMessage(`Could not ${what} calculation ${id}`, (e as Error).message);
  }
  await refresh();
}

function actionCell(item: Item, extras: Extras | undefined): HTMLTableCellElement {
  const td = el('td', { class: 'actions' });
  const id = item.id;
  for (const a of extras?.actions ?? []) {
    switch (a) {
      case 'console':
        td.append(button('Console', `Console of calculation ${id}`, () => openConsole(id)));
        break;
      case 'traceback':
        td.append(button('Traceback', `Traceback of calculation ${id}`, () => void openTraceback(id)));
        break;
      case 'outputs':
        td.append(el('a', { class: 'button-link small', href: `${prefix()}/engine/${id}/outputs`, 'aria-label': `Outputs of calculation ${id}` }, 'Outputs'));
        break;
      case 'abort':
        td.append(button('Abort', `Abort calculation ${id}`, async () => {
          if (await confirmAction(`Abort calculation ${id}?`, `The engine will be stopped and calculation ${id} will be marked aborted.`, 'Abort')) {
            await act(id, 'abort', 'abort');
          }
        }, 'danger'));
        break;
      case 'remove':
        td.append(button('Remove', `Remove calculation ${id}`, async () => {
          if (await confirmAction(`Remove calculation ${id}?`, `Calculation ${id} and all its files will be deleted. This cannot be undone.`, 'Remove')) {
            await act(id, 'remove', 'remove');
          }
        }, 'danger'));
        break;
      case 'share':
        td.append(button('Share', `Share calculation ${id}`, async () => {
          if (await confirmAction(`Share calculation ${id}?`, `Every user of this server will be able to see calculation ${id} and its outputs.`, 'Share')) {
            await act(id, 'share', 'share');
          }
        }));
        break;
      case 'unshare':
        td.append(button('Unshare', `Unshare calculation ${id}`, () => void act(id, 'unshare', 'unshare')));
        break;
      case 'continue':
        td.append(button('Continue', `Continue calculation ${id}`, () => openRun(id)));
        break;
    }
  }
  return td;
}

function renderRow(item: Item, extras: Extras | undefined): HTMLTableRowElement {
  const status = el('td', { class: 'status-cell' }, el('span', { class: `status status-${item.status}` }, item.status));
  if (extras?.progress !== null && extras?.progress !== undefined && item.is_running) {
    status.append(progressBar(extras.progress, `Progress of calculation ${item.id}`));
  }
  const actions = actionCell(item, extras);
  status.dataset.label = 'Status';
  actions.dataset.label = 'Actions';
  // data-label: the column name shown beside each cell in a narrow window (style.css)
  const tr = el('tr', { 'data-id': String(item.id), 'data-status': item.status },
    el('td', { class: 'num', 'data-label': 'ID' }, String(item.id)),
    el('td', { 'data-label': 'User' }, item.owner),
    el('td', { 'data-label': 'Calculation' }, item.calculation_mode),
    el('td', { class: 'description', 'data-label': 'Description' }, item.description),
    el('td', { class: 'time', 'data-label': 'Start time' }, timeElement(item.start_time)),
    status,
    actions);
  return tr;
}

/** Puts the page's rows in the table, reusing the rows that did not change (focus and scroll stay). */
function render(items: Item[], extras: Record<string, Extras>): void {
  const tbody = byId('calcs').querySelector('tbody') as HTMLTableSectionElement;
  const wanted: HTMLTableRowElement[] = [];
  const seen = new Set<number>();
  for (const item of items) {
    const key = JSON.stringify([item, extras[item.id]]);
    const old = rows.get(item.id);
    let tr: HTMLTableRowElement;
    if (old && old.key === key) {
      tr = old.tr;
    } else {
      tr = renderRow(item, extras[item.id]);
      if (old) {
        old.tr.replaceWith(tr);
      }
      rows.set(item.id, { tr, key });
    }
    seen.add(item.id);
    wanted.push(tr);
  }
  for (const [id, r] of rows) {
    if (!seen.has(id)) {
      r.tr.remove();
      rows.delete(id);
    }
  }
  // move rows only when the order differs (moving a node would take the focus away)
  wanted.forEach((tr, i) => {
    if (tbody.children[i] !== tr) {
      tbody.insertBefore(tr, tbody.children[i] ?? null);
    }
  });
}

function pager(total: number): void {
  const pages = Math.max(1, Math.ceil(total / state.limit));
  const first = total === 0 ? 0 : (state.page - 1) * state.limit + 1;
  const last = Math.min(total, state.page * state.limit);
  byId('page-info').textContent = total === 0 ? '' : `Calculations ${first}–${last} of ${total} (page ${state.page} of ${pages})`;
  byId<HTMLButtonElement>('page-prev').disabled = state.page <= 1;
  byId<HTMLButtonElement>('page-next').disabled = state.page >= pages;
}

/** Whether a calculation this user can see runs outside the page shown (filtered out, another page). */
async function runningElsewhere(): Promise<boolean> {
  const counts = await Promise.all(['is_running=true', 'status=created'].map(async (q) => {
    const res = await call(`/v1/calc/list?${q}&relevant=true&limit=1`);
    return Number(res.headers.get('X-Total-Count') ?? '0');
  }));
  return counts.some((n) => n > 0);
}

/** Fetches the page and shows it; schedules the next refresh. */
export async function refresh(): Promise<void> {
  const mine = ++generation;
  window.clearTimeout(timer);
  const q = new URLSearchParams({ limit: String(state.limit), offset: String((state.page - 1) * state.limit), order_by: 'id', order_dir: 'DESC', relevant: 'true' });
  for (const f of FILTERS) {
    if (state.filters[f]) {
      q.set(f, f === 'user_name_like' ? `%${state.filters[f]}%` : state.filters[f]);
    }
  }
  const message = byId('list-message');
  let next = SLOW;
  try {
    const res = await call(`/v1/calc/list?${q}`);
    const total = Number(res.headers.get('X-Total-Count') ?? '0');
    const items = await res.json() as Item[];
    const extras = items.length === 0 ? {} : await getJson<Record<string, Extras>>(`/engine/actions?ids=${items.map((i) => i.id).join(',')}`);
    if (mine !== generation) {
      return;
    }
    if (items.length === 0 && total > 0 && state.page > 1) {
      // the page emptied (removals): go to the last one
      state.page = Math.ceil(total / state.limit);
      writeUrl();
      await refresh();
      return;
    }
    // how long a page takes to show once its data arrived (the issue asks < 100 ms for 100 rows)
    const t0 = performance.now();
    render(items, extras);
    pager(total);
    performance.measure('oq-list-render', { start: t0 });
    const filtered = FILTERS.some((f) => state.filters[f]);
    if (items.length === 0) {
      message.textContent = filtered ? 'No calculation matches these filters.' : 'No calculations yet.';
    } else if (message.dataset.sticky !== 'yes') {
      message.textContent = '';
    }
    if (items.some((i) => ACTIVE.has(i.status)) || await runningElsewhere()) {
      next = FAST;
    }
  } catch (e) {
    if (mine !== generation) {
      return;
    }
    message.textContent = `The list could not be loaded: ${(e as Error).message}`;
    if (e instanceof ApiError && e.status === 403) {
      next = SLOW;
    }
  }
  if (!document.hidden) {
    timer = window.setTimeout(() => void refresh(), next);
  }
}

/** Starts the list page. */
export function startList(): void {
  readUrl();
  const form = byId<HTMLFormElement>('filters');
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    for (const f of FILTERS) {
      state.filters[f] = (form.elements.namedItem(f) as HTMLInputElement).value.trim();
    }
    state.page = 1;
    delete byId('list-message').dataset.sticky;
    writeUrl();
    void refresh();
  });
  form.addEventListener('reset', () => {
    for (const f of FILTERS) {
      state.filters[f] = '';
    }
    state.page = 1;
    writeUrl();
    void refresh();
  });
  byId('page-prev').addEventListener('click', () => {
    state.page = Math.max(1, state.page - 1);
    writeUrl();
    void refresh();
  });
  byId('page-next').addEventListener('click', () => {
    state.page += 1;
    writeUrl();
    void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) {
      void refresh();
    }
  });
  const run = maybeId('run-button');
  if (run && pageData().canRun === 'yes') {
    run.addEventListener('click', () => openRun(null));
    wireRun((id) => {
      const message = byId('list-message');
      message.textContent = `Calculation ${id} was created.`;
      message.dataset.sticky = 'yes';
      void refresh();
    });
  }
  void refresh();
}
