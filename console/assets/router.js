// Client-side routes: the address bar holds the whole state of a page
// (resource, filter, sort, page cursor), so reload and back work.

export const ROOT = '/console/';

const routes = [];

/** Registers `pattern` (e.g. '/clients/:id') under /console. */
export function route(pattern, view) {
  const names = [];
  const source = pattern.replace(/:(\w+)/g, (_, name) => {
    names.push(name);
    return '([^/]+)';
  });
  routes.push({regex: new RegExp(`^/console${source}/?$`), names, view});
}

/** The view for the current address and its parameters. */
export function match(pathname) {
  for (const r of routes) {
    const m = r.regex.exec(pathname);
    if (m) {
      const params = {};
      r.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]);
      });
      return {view: r.view, params};
    }
  }
  return null;
}

let onChange = () => {};
/** The address (path and query) of the page drawn last. */
let drawn = null;
const address = () => location.pathname + location.search;

function draw() {
  drawn = address();
  return onChange();
}

/** Goes to `href` (a path under /console/) without reloading. */
export function navigate(href, {replace = false} = {}) {
  if (replace) history.replaceState(null, '', href);
  else history.pushState(null, '', href);
  draw();
}

/** The current query as an object of strings. */
export function query() {
  return Object.fromEntries(new URLSearchParams(location.search));
}

/** `path?query` from an object, leaving out empty values. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** Starts routing: in-app links and the back button render without a reload. */
export function start(render) {
  onChange = render;
  // Following an in-page link (the skip link's `#main`) fires popstate too:
  // the page is drawn again only when its address changed, so the focus the
  // link gave stays where it is.
  window.addEventListener('popstate', () => {
    if (address() !== drawn) draw();
  });
  document.addEventListener('click', (event) => {
    const a = event.target.closest('a[href]');
    if (!a || a.target || a.hasAttribute('download') || a.getAttribute('href').startsWith('#')) return;
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(ROOT)) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  draw();
}
