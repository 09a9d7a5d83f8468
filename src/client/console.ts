/** The Console dialog: the calculation's log, polled every second while it runs. */
import { getJson } from './api.js';
import { openDialog } from './dialogs.js';
import { byId, el } from './dom.js';
import { progressOf } from '../runner/engine-log.js';
import { progressText, showProgress, type Progress } from './progress.js';

type LogLine = [string | null, string, string, string];
interface Status { status: string; is_running: boolean }

const ACTIVE = new Set(['created', 'submitted', 'executing']);
let session = 0;

/** Opens the console of a calculation; polling stops when the dialog closes. */
export function openConsole(id: number): void {
  const dialog = byId<HTMLDialogElement>('console-dialog');
  const title = byId('console-title');
  const log = byId('console-log');
  const auto = byId<HTMLInputElement>('console-autoscroll');
  const bar = byId<HTMLProgressElement>('console-progress');
  const mine = ++session;
  let offset = 0;
  // the newest progress line seen so far (later polls may bring none)
  let progress: Progress | null = null;
  let timer: number | undefined;
  log.replaceChildren();
  bar.hidden = true;
  title.textContent = `Console of calculation ${id}`;
  dialog.addEventListener('close', () => {
    session += mine === session ? 1 : 0;
    window.clearTimeout(timer);
  }, { once: true });

  const poll = async (): Promise<void> => {
    if (mine !== session) {
      return;
    }
    let running = true;
    try {
      const status = await getJson<Status>(`/v1/calc/${id}/status`);
      running = ACTIVE.has(status.status);
      const lines = await getJson<LogLine[]>(`/v1/calc/${id}/log/${offset}:`);
      if (mine !== session) {
        return;
      }
      offset += lines.length;
      const frag = document.createDocumentFragment();
      for (const [ts, level, , message] of lines) {
        frag.append(el('div', { class: `line level-${level.toLowerCase()}` }, `[${consoleTime(ts)} ${level}] ${message}`));
        progress = progressOf(message) ?? progress;
      }
      log.append(frag);
      if (progress !== null && running) {
        bar.hidden = false;
        showProgress(bar, progress, 'Progress');
      }
      if (auto.checked && lines.length > 0) {
        log.scrollTop = log.scrollHeight;
      }
      if (!running) {
        bar.hidden = true;
        title.textContent = `Console of calculation ${id} (finished: ${status.status})`;
      } else {
        title.textContent = `Console of calculation ${id} (${status.status}${bar.hidden || progress === null ? '' : `, ${progressText(progress)}`})`;
      }
    } catch (e) {
      title.textContent = `Console of calculation ${id}: ${(e as Error).message}`;
      running = false;
    }
    if (running && mine === session) {
      timer = window.setTimeout(() => void poll(), 1000);
    }
  };
  openDialog(dialog);
  void poll();
}

/** Shows the traceback of a failed calculation. */
export async function openTraceback(id: number): Promise<void> {
  byId('traceback-title').textContent = `Traceback of calculation ${id}`;
  const text = byId('traceback-text');
  text.textContent = 'Loading…';
  openDialog(byId<HTMLDialogElement>('traceback-dialog'));
  try {
    const lines = await getJson<string[]>(`/v1/calc/${id}/traceback`);
    text.textContent = lines.length > 0 ? lines.join('\n') : 'This calculation has no traceback.';
  } catch (e) {
    text.textContent = (e as Error).message;
  }
}

/** A log line's UTC time as the engine prints it (to the second): lines the engine printed without a time carry the arrival time with centiseconds. */
function consoleTime(ts: string | null): string {
  return ts === null ? '' : ts.slice(0, 19).replace('T', ' ');
}
