/** Small DOM helpers: elements are built with text content only, never from HTML strings. */

type Child = Node | string | null | undefined | false;

/** An element with attributes (strings set with setAttribute; booleans present or not) and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === true) {
      e.setAttribute(k, '');
    } else if (typeof v === 'string') {
      e.setAttribute(k, v);
    }
  }
  append(e, ...children);
  return e;
}

/** Appends children; strings are text nodes. */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c !== null && c !== undefined && c !== false) {
      parent.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    }
  }
}

/** The element with this id (throws when the page lacks it: a bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) {
    throw new Error(`missing #${id}`);
  }
  return e as T;
}

/** The element with this id, or null. */
export function maybeId<T extends HTMLElement = HTMLElement>(id: string): T | null {
  return document.getElementById(id) as T | null;
}

/** Sets a text, or hides the element when the text is empty. */
export function showText(e: HTMLElement, text: string): void {
  e.textContent = text;
  e.hidden = text === '';
}

/** The data-* attributes of <body>. */
export function pageData(): DOMStringMap {
  return document.body.dataset;
}

/** The WEBUI_PATHPREFIX of the pages. */
export function prefix(): string {
  return document.body.dataset.prefix ?? '';
}
