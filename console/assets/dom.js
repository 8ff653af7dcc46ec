// Building the page from elements and text nodes only: nothing is ever
// parsed as HTML, so a client's name or an event's data is shown as text.

/** An element: h('a', {href: '/x', class: 'btn', onclick: fn}, 'text', child). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else if (key === 'class') {
      el.className = value;
    } else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled') {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let counter = 0;
/** A fresh id for label/aria references. */
export function uid(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

/** A timestamp as a person reads it, in their time zone; the exact value in the title. */
export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return h('time', {datetime: iso, title: iso}, d.toLocaleString(undefined, {dateStyle: 'medium', timeStyle: 'short'}));
}

/** A button that copies `text` and says so. */
export function copyButton(text, label) {
  const status = h('span', {class: 'copied', role: 'status'});
  const button = h('button', {type: 'button', class: 'btn small', onclick: async () => {
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = 'Copied';
    } catch {
      status.textContent = 'Select the text and copy it';
    }
  }}, label || 'Copy');
  return h('span', {class: 'copy'}, button, status);
}
