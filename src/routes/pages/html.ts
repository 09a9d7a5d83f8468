/**
 * HTML built on the server: `html` is a tagged template that escapes every interpolated value
 * unless it is already SafeHtml (another `html` result, or `raw()` of markup we wrote).
 */

/** Markup that is known to be safe (escaped or written by us). */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/** Marks markup written by us as safe (never user input). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) {
    return '';
  }
  if (Array.isArray(v)) {
    return v.map(render).join('');
  }
  if (v instanceof SafeHtml) {
    return v.text;
  }
  return escapeHtml(String(v));
}

/** html`<p>${userText}</p>`: interpolations are escaped; arrays are joined; null/false render nothing. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i += 1) {
    out += render(values[i]) + strings[i + 1];
  }
  return new SafeHtml(out);
}
