// Every test imports `test` and `expect` from here, not from '@playwright/test': each page any
// test opens (in its own context or one it makes) is watched, and the test fails on a page
// error, a console error, a Content-Security-Policy violation, a 5xx answer, or a panic that the
// browser half recorded on <body data-panic>. A test that provokes an error on purpose says so
// with `allowConsoleErrors`.
import { test as base, expect, Browser, BrowserContext, Page } from '@playwright/test';

export { expect };
export type { Page };

let allowed: RegExp[] = [];

/** Lets this test's pages log console errors matching `pattern` (e.g. a connection it cuts). */
export function allowConsoleErrors(pattern: RegExp) {
  allowed.push(pattern);
}

// A server function refusing a request (403, 404, 409, 422, 429) is the API answering, not a
// fault; so is a page the server answers with such a status (a page someone may not see, or one
// that does not exist), which the browser shows and explains. Chromium logs both as "Failed to
// load resource"; they are expected for /api/ calls and for the page's own address. A 401 from
// /api/ is not: a page calls the API only for someone signed in, so it means a lost session.
function refused(text: string, source: string): boolean {
  const status = text.match(/Failed to load resource: the server responded with a status of (4\d\d)/)?.[1];
  return status !== undefined && !(status === '401' && /\/api\//.test(source));
}

// Reports CSP violations with their detail even where the browser's own message is terse.
const cspReporter = `
  document.addEventListener('securitypolicyviolation', e => {
    console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
  });
`;

type Seen = { problems: string[]; consoleErrors: { page: string; text: string; source: string }[]; refusedPages: Set<string> };

function watch(page: Page, seen: Seen) {
  page.on('pageerror', e => seen.problems.push(`page error on ${page.url()}: ${e.message}`));
  page.on('console', msg => {
    if (msg.type() !== 'error') return;
    const text = msg.text();
    if (allowed.some(p => p.test(text))) return;
    seen.consoleErrors.push({ page: page.url(), text, source: msg.location().url || page.url() });
  });
  page.on('response', r => {
    if (r.status() >= 500) seen.problems.push(`${r.status()} from ${r.request().method()} ${r.url()}`);
    else if (r.status() >= 400 && r.request().isNavigationRequest()) seen.refusedPages.add(r.url());
  });
}

/** The problems seen, once every response has been heard. */
function problemsOf(seen: Seen): string[] {
  const fromConsole = seen.consoleErrors
    .filter(e => !(refused(e.text, e.source) && (/\/api\//.test(e.source) || seen.refusedPages.has(e.source))))
    .map(e => `console error on ${e.page}: ${e.text}${e.source !== e.page ? ` (${e.source})` : ''}`);
  return [...seen.problems, ...fromConsole];
}

async function attach(context: BrowserContext, seen: Seen, pages: WeakSet<Page>) {
  await context.addInitScript(cspReporter);
  const add = (p: Page) => {
    if (!pages.has(p)) {
      pages.add(p);
      watch(p, seen);
    }
  };
  context.pages().forEach(add);
  context.on('page', add);
}

export const test = base.extend<{ watchPages: void }>({
  watchPages: [
    async ({ browser, context }, use) => {
      allowed = [];
      const seen: Seen = { problems: [], consoleErrors: [], refusedPages: new Set() };
      const pages = new WeakSet<Page>();
      const contexts: BrowserContext[] = [context];
      await attach(context, seen, pages);
      // Contexts a test makes itself (browser.newContext / browser.newPage) are watched too.
      const original = browser.newContext;
      (browser as Browser).newContext = async (...args: Parameters<Browser['newContext']>) => {
        const made = await original.apply(browser, args);
        await attach(made, seen, pages);
        contexts.push(made);
        return made;
      };
      try {
        await use();
      } finally {
        browser.newContext = original;
      }
      for (const c of contexts) {
        for (const p of c.pages()) {
          if (p.isClosed()) continue;
          const marked = p.locator('body[data-panic]');
          if ((await marked.count()) > 0) seen.problems.push(`the browser half panicked on ${p.url()}: ${await marked.getAttribute('data-panic')}`);
        }
      }
      expect(problemsOf(seen), 'pages showed no error, console error, CSP violation, 5xx or panic').toEqual([]);
    },
    { auto: true },
  ],
});
