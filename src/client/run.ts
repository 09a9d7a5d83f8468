/** The "Run a calculation" dialog (and "Continue": a risk job on a hazard calculation), with upload progress. */
import { messageOf } from './api.js';
import { openDialog } from './dialogs.js';
import { byId, el, prefix, showText } from './dom.js';

let parentId: number | null = null;

function iniChoices(files: FileList | null): void {
  const select = byId<HTMLSelectElement>('run-ini');
  const names = Array.from(files ?? []).map((f) => f.name).filter((n) => n.toLowerCase().endsWith('.ini'));
  select.replaceChildren(el('option', { value: '' }, parentId === null ? 'Automatic (job.ini)' : 'Automatic (risk.ini when present)'));
  for (const n of names) {
    select.append(el('option', { value: n }, n));
  }
  const preferred = parentId !== null && names.includes('risk.ini') ? 'risk.ini' : names.includes('job.ini') ? 'job.ini' : names[0];
  if (preferred) {
    select.value = preferred;
  }
}

/** Opens the dialog; `parent` = the hazard calculation to continue. */
export function openRun(parent: number | null): void {
  parentId = parent;
  const form = byId<HTMLFormElement>('run-form');
  form.reset();
  iniChoices(null);
  byId('run-title').textContent = parent === null ? 'Run a calculation' : `Continue calculation ${parent}`;
  showText(byId('run-parent'), parent === null ? '' : `The risk job will use the hazard of calculation ${parent}.`);
  showText(byId('run-error'), '');
  byId('run-progress').hidden = true;
  openDialog(byId<HTMLDialogElement>('run-dialog'));
}

/** Wires the dialog; `created(id)` runs after the server accepted a calculation. */
export function wireRun(created: (id: number) => void): void {
  const form = byId<HTMLFormElement>('run-form');
  const files = byId<HTMLInputElement>('run-files');
  const error = byId('run-error');
  const progress = byId<HTMLProgressElement>('run-progress');
  const submit = byId<HTMLButtonElement>('run-submit');
  files.addEventListener('change', () => iniChoices(files.files));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!files.files || files.files.length === 0) {
      showText(error, 'Choose a .zip archive, or the .ini file and its input files.');
      files.focus();
      return;
    }
    const data = new FormData();
    for (const f of Array.from(files.files)) {
      data.append('archive', f, f.name);
    }
    const ini = byId<HTMLSelectElement>('run-ini').value;
    if (ini) {
      data.append('job_ini', ini);
    }
    if (parentId !== null) {
      data.append('hazard_job_id', String(parentId));
    }
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${prefix()}/v1/calc/run`);
    xhr.setRequestHeader('Accept', 'application/json');
    showText(error, '');
    progress.hidden = false;
    progress.value = 0;
    submit.disabled = true;
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) {
        progress.value = Math.round((100 * e.loaded) / e.total);
        progress.textContent = `${progress.value}%`;
      }
    });
    xhr.addEventListener('loadend', () => {
      submit.disabled = false;
      progress.hidden = true;
      if (xhr.status >= 200 && xhr.status < 300) {
        const answer = JSON.parse(xhr.responseText) as { job_id: number };
        byId<HTMLDialogElement>('run-dialog').close();
        created(answer.job_id);
      } else if (xhr.status === 0) {
        showText(error, 'The upload failed: the server cannot be reached, or it closed the connection (a file too large?).');
      } else {
        showText(error, `The calculation was refused: ${messageOf(xhr.status, xhr.responseText)}`);
      }
    });
    xhr.send(data);
  });
}
