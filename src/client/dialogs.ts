/** Modal dialogs (<dialog>): close buttons, a confirm dialog, a message dialog. */
import { byId } from './dom.js';

/** Wires every [data-close] button to close its dialog. */
export function wireCloseButtons(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>('dialog [data-close]')) {
    b.addEventListener('click', () => b.closest('dialog')?.close());
  }
}

/** Opens a dialog modally (focus moves into it; Escape closes it). */
export function openDialog(d: HTMLDialogElement): void {
  if (!d.open) {
    d.showModal();
  }
}

/** Asks for confirmation; resolves true when the user confirms. */
export function confirmAction(title: string, text: string, yes: string): Promise<boolean> {
  const d = byId<HTMLDialogElement>('confirm-dialog');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  const button = byId<HTMLButtonElement>('confirm-yes');
  button.textContent = yes;
  return new Promise((resolve) => {
    let answer = false;
    const onYes = (): void => {
      answer = true;
      d.close();
    };
    button.addEventListener('click', onYes, { once: true });
    d.addEventListener('close', () => {
      button.removeEventListener('click', onYes);
      resolve(answer);
    }, { once: true });
    openDialog(d);
    button.focus();
  });
}

/** Shows a message (an error as a sentence, or a success). */
export function showMessage(title: string, text: string): void {
  byId('message-title').textContent = title;
  byId('message-text').textContent = text;
  openDialog(byId<HTMLDialogElement>('message-dialog'));
}
